"""Global max/average pooling (1D/2D/3D) against real Keras 3 and by hand:
both data formats, keepdims, masks, dtypes, config, errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from ember.models import Model
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

LAYERS = {
    1: (GlobalMaxPooling1D, GlobalAveragePooling1D),
    2: (GlobalMaxPooling2D, GlobalAveragePooling2D),
    3: (GlobalMaxPooling3D, GlobalAveragePooling3D),
}
SPATIAL = {1: (7,), 2: (5, 4), 3: (3, 4, 5)}
FORMATS = ["channels_last", "channels_first"]


def _shape(rank, data_format):
    if data_format == "channels_last":
        return (2, *SPATIAL[rank], 3)
    return (2, 3, *SPATIAL[rank])


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", [0, 1], ids=["max", "average"])
def test_matches_keras(mode, rank, data_format, keepdims):
    x = np.random.standard_normal(_shape(rank, data_format)).astype("float32")
    kwargs = {"data_format": data_format, "keepdims": keepdims}
    assert_matches_keras(LAYERS[rank][mode], kwargs, x)


MASK = np.array([[1, 1, 0, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0]], dtype=bool)


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("data_format", FORMATS)
def test_average_1d_mask_matches_keras(data_format, keepdims):
    x = np.random.standard_normal(_shape(1, data_format)).astype("float32")
    kwargs = {"data_format": data_format, "keepdims": keepdims}
    assert_matches_keras(GlobalAveragePooling1D, kwargs, x, {"mask": MASK})


def test_average_1d_mask_hand_computed_and_dropped():
    x = torch.tensor([[[1.0], [3.0], [100.0]]])
    mask = torch.tensor([[True, True, False]])
    out = GlobalAveragePooling1D()(x, mask=mask)
    assert out.tolist() == [[2.0]]  # the masked step is left out
    assert getattr(out, "_keras_mask", None) is None


def test_average_1d_reads_the_mask_of_an_embedding():
    def build(embedding, pooling, input_fn, model_cls):
        inputs = input_fn(shape=(5,), dtype="int32")
        h = embedding(7, 3, mask_zero=True)(inputs)
        return model_cls(inputs, pooling()(h))

    ours = build(Embedding, GlobalAveragePooling1D, Input, Model)
    theirs = build(
        keras.layers.Embedding,
        keras.layers.GlobalAveragePooling1D,
        keras.Input,
        keras.Model,
    )
    ours.set_weights(theirs.get_weights())
    ids = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0]])
    np.testing.assert_allclose(
        ours(ids).detach().numpy(), theirs(ids).detach().numpy(), atol=1e-6
    )


def test_max_1d_ignores_masks_like_keras():
    layer = GlobalMaxPooling1D()
    assert not layer.supports_masking
    x = torch.tensor([[[1.0], [5.0]]])
    x._keras_mask = torch.tensor([[True, False]])
    out = layer(x)
    assert out.tolist() == [[5.0]] and getattr(out, "_keras_mask", None) is None


def test_average_of_integers_is_float32_like_keras():
    x = np.arange(12).reshape(1, 2, 2, 3)
    out = GlobalAveragePooling2D()(torch.as_tensor(x))
    expected = keras.layers.GlobalAveragePooling2D()(x)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy())


def test_half_precision_average_accumulates_in_float32():
    x = torch.full((1, 4096, 1), 1.0001, dtype=torch.float16)
    out = GlobalAveragePooling1D(dtype="float16")(x)
    assert out.dtype == torch.float16
    assert out.item() == x[0, 0, 0].item()


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", [0, 1], ids=["max", "average"])
def test_standard_layer_checks(mode, rank):
    for data_format in FORMATS:
        for keepdims in (False, True):
            expected = (2, 3)
            if keepdims:
                ones = (1,) * rank
                expected = (
                    (2, *ones, 3) if data_format == "channels_last" else (2, 3, *ones)
                )
            run_layer_test(
                LAYERS[rank][mode],
                {"data_format": data_format, "keepdims": keepdims},
                input_shape=_shape(rank, data_format),
                expected_output_shape=expected,
                expected_num_trainable_weights=0,
                supports_masking=(rank, mode) == (1, 1),
            )


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", [0, 1], ids=["max", "average"])
def test_get_config_matches_keras_and_round_trips(mode, rank):
    layer_cls = LAYERS[rank][mode]
    kwargs = {"data_format": "channels_first", "keepdims": True, "name": "g"}
    config = layer_cls(**kwargs).get_config()
    assert config == getattr(keras.layers, layer_cls.__name__)(**kwargs).get_config()
    assert layer_cls.from_config(config).get_config() == config


def test_symbolic_shape_with_unknown_sizes():
    out = GlobalMaxPooling2D()(Input(shape=(None, None, 5)))
    assert out.shape == (None, 5)


def test_aliases_are_the_same_classes():
    assert GlobalAvgPool1D is GlobalAveragePooling1D
    assert GlobalMaxPool3D is GlobalMaxPooling3D


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError) as info:
        GlobalAveragePooling3D(name="gap")(torch.ones(2, 4, 4, 3))
    message = str(info.value)
    assert "gap" in message and "ndim=5" in message and "(2, 4, 4, 3)" in message


def test_bad_keepdims_names_the_layer():
    with pytest.raises(ValueError, match="`keepdims` of `GlobalMaxPooling2D`"):
        GlobalMaxPooling2D(keepdims="yes")
