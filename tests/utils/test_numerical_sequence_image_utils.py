"""`to_categorical`, `normalize`, `pad_sequences` and the image file helpers,
against Keras 3 (these need no TensorFlow)."""

import io

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

from ember.utils import (
    array_to_img,
    img_to_array,
    load_img,
    normalize,
    pad_sequences,
    save_img,
    to_categorical,
)
from ember.utils.image_utils import smart_resize


@pytest.mark.parametrize(
    "labels, num_classes",
    [([0, 1, 2, 3], 4), ([[1], [0], [2]], None), (np.array([[0, 2], [1, 1]]), 5)],
    ids=["vector", "column", "matrix"],
)
def test_to_categorical_matches_keras(labels, num_classes):
    keras = keras_or_skip()
    ours = to_categorical(labels, num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_tensor_and_errors():
    out = to_categorical(torch.tensor([[2], [0]]), 3)
    assert out.dtype == torch.float32 and out.tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([0, 5], num_classes=3)


@pytest.mark.parametrize("axis, order", [(-1, 2), (-1, 1), (1, 2)], ids=str)
def test_normalize_matches_keras(axis, order):
    keras = keras_or_skip()
    x = np.random.default_rng(0).normal(size=(4, 3))
    x[1] = 0
    np.testing.assert_allclose(
        normalize(x, axis, order), keras.utils.normalize(x, axis, order), rtol=1e-6
    )


def test_normalize_axis_zero_and_tensors():
    # Keras expands the norm on axis -1 whenever `axis` is 0 (and fails to
    # broadcast); the norms are taken over axis 0 as documented.
    x = np.array([[3.0, 1.0], [4.0, 0.0]])
    np.testing.assert_allclose(normalize(x, axis=0), [[0.6, 1.0], [0.8, 0.0]])
    tensor = normalize(torch.tensor([[3.0, 4.0]]))
    torch.testing.assert_close(tensor, torch.tensor([[0.6, 0.8]]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"maxlen": 2},
        {"maxlen": 4, "padding": "post", "truncating": "post"},
        {"value": -1, "dtype": "float32"},
        {"maxlen": 3, "truncating": "post"},
    ],
    ids=["default", "maxlen", "post", "value", "truncate-post"],
)
def test_pad_sequences_matches_keras(kwargs):
    keras = keras_or_skip()
    sequences = [[1], [2, 3], [4, 5, 6, 7, 8], []]
    ours = pad_sequences(sequences, **kwargs)
    theirs = keras.utils.pad_sequences(sequences, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_vectors_and_errors():
    keras = keras_or_skip()
    sequences = [np.ones((2, 3)), np.ones((1, 3)) * 2]
    np.testing.assert_array_equal(
        pad_sequences(sequences, dtype="float32"),
        keras.utils.pad_sequences(sequences, dtype="float32"),
    )
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="x")
    strings = pad_sequences([["a"], ["b", "c"]], dtype=object, value="")
    assert strings.tolist() == [["", "a"], ["b", "c"]]


@pytest.mark.parametrize("channels", [1, 3, 4], ids=["gray", "rgb", "rgba"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_array_image_round_trip_matches_keras(channels, data_format):
    keras = keras_or_skip()
    x = np.random.default_rng(1).random((6, 5, channels)) * 255
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 0)
    for scale in (True, False):
        ours = array_to_img(x, data_format=data_format, scale=scale)
        theirs = keras.utils.array_to_img(x, data_format=data_format, scale=scale)
        assert ours.mode == theirs.mode and ours.size == theirs.size
        np.testing.assert_array_equal(
            img_to_array(ours, data_format),
            keras.utils.img_to_array(theirs, data_format),
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"color_mode": "grayscale"},
        {"color_mode": "rgba", "target_size": (4, 7)},
        {"target_size": (5, 5), "interpolation": "bilinear", "keep_aspect_ratio": True},
    ],
    ids=["plain", "gray", "rgba-resize", "aspect"],
)
def test_save_and_load_img_match_keras(tmp_path, kwargs):
    keras = keras_or_skip()
    x = np.random.default_rng(2).integers(0, 255, (9, 12, 3)).astype("float32")
    save_img(tmp_path / "a.png", x, scale=False)
    keras.utils.save_img(tmp_path / "b.png", x, scale=False)
    ours = img_to_array(load_img(tmp_path / "a.png", **kwargs))
    theirs = keras.utils.img_to_array(
        keras.utils.load_img(tmp_path / "b.png", **kwargs)
    )
    np.testing.assert_array_equal(ours, theirs)
    with open(tmp_path / "a.png", "rb") as file:
        buffer = io.BytesIO(file.read())
    np.testing.assert_array_equal(img_to_array(load_img(buffer, **kwargs)), ours)


def test_image_helper_errors(tmp_path):
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channels"):
        array_to_img(np.zeros((2, 2, 2)))
    save_img(tmp_path / "a.png", np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="color_mode"):
        load_img(tmp_path / "a.png", color_mode="cmyk")
    with pytest.raises(TypeError, match="path"):
        load_img(3)
    with pytest.warns(UserWarning, match="RGBA"):
        save_img(tmp_path / "b.jpg", np.zeros((2, 2, 4)))


@pytest.mark.parametrize("size", [(5, 5), (8, 3), (4, 10)], ids=str)
def test_smart_resize_matches_keras(size):
    keras = keras_or_skip()
    x = np.random.default_rng(3).random((2, 12, 9, 3)).astype("float32")
    np.testing.assert_allclose(
        smart_resize(x, size),
        keras.preprocessing.image.smart_resize(x, size),
        atol=1e-5,
    )
