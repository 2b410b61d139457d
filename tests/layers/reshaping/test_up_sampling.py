"""`UpSampling1D/2D/3D` against real Keras 3 and by hand: factors, both data
formats, every interpolation accepted, dtypes, config, errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.core.input_layer import Input
from ember.layers.reshaping import UpSampling1D, UpSampling2D, UpSampling3D
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

FORMATS = ["channels_last", "channels_first"]


@pytest.mark.parametrize("size", [1, 2, 3])
def test_1d_matches_keras(size):
    x = np.random.standard_normal((2, 5, 3)).astype("float32")
    assert_matches_keras(UpSampling1D, {"size": size}, x)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("size", [2, (2, 3), (3, 1)], ids=str)
@pytest.mark.parametrize("data_format", FORMATS)
def test_2d_matches_keras(data_format, size, interpolation):
    shape = (2, 5, 4, 3) if data_format == "channels_last" else (2, 3, 5, 4)
    x = np.random.standard_normal(shape).astype("float32")
    kwargs = {"size": size, "data_format": data_format, "interpolation": interpolation}
    assert_matches_keras(UpSampling2D, kwargs, x)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_2d_integer_images_match_keras(interpolation):
    x = np.random.default_rng(0).integers(0, 256, (1, 4, 5, 2)).astype("uint8")
    kwargs = {"size": 3, "interpolation": interpolation}
    _, _, ours, theirs = assert_matches_keras(UpSampling2D, kwargs, x)
    assert ours[0].dtype == theirs[0].dtype == np.uint8


@pytest.mark.parametrize("size", [2, (1, 2, 3)], ids=str)
@pytest.mark.parametrize("data_format", FORMATS)
def test_3d_matches_keras(data_format, size):
    shape = (2, 3, 2, 4, 3) if data_format == "channels_last" else (2, 3, 3, 2, 4)
    x = np.random.standard_normal(shape).astype("float32")
    assert_matches_keras(UpSampling3D, {"size": size, "data_format": data_format}, x)


def test_hand_computed():
    x = torch.tensor([[[1.0], [2.0]]])
    assert UpSampling1D(2)(x).flatten().tolist() == [1, 1, 2, 2]
    image = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    assert UpSampling2D((1, 2))(image).reshape(2, 4).tolist() == [
        [1, 1, 2, 2],
        [3, 3, 4, 4],
    ]


def test_nearest_keeps_integer_and_bool_dtypes():
    x = torch.tensor([[[True], [False]]])
    assert UpSampling1D(2)(x).flatten().tolist() == [True, True, False, False]
    assert UpSampling3D()(torch.ones(1, 1, 1, 1, 2, dtype=torch.int64)).dtype == (
        torch.int64
    )


def test_gradient_sums_over_the_copies():
    x = torch.ones(1, 2, 2, 1, requires_grad=True)
    UpSampling2D((2, 3))(x).sum().backward()
    assert torch.equal(x.grad, torch.full((1, 2, 2, 1), 6.0))


def test_bilinear_channels_last_output_keeps_the_layout():
    out = UpSampling2D(interpolation="bilinear")(torch.randn(2, 4, 4, 8))
    assert out.is_contiguous()


def test_standard_layer_checks():
    run_layer_test(
        UpSampling1D,
        {"size": 3},
        input_shape=(2, 4, 5),
        expected_output_shape=(2, 12, 5),
        expected_num_trainable_weights=0,
        supports_masking=False,
    )
    for interpolation in ("nearest", "bilinear"):
        run_layer_test(
            UpSampling2D,
            {"size": (2, 3), "interpolation": interpolation},
            input_shape=(2, 3, 4, 5),
            expected_output_shape=(2, 6, 12, 5),
        )
    run_layer_test(
        UpSampling2D,
        {"data_format": "channels_first", "interpolation": "bicubic"},
        input_shape=(2, 3, 4, 5),
        expected_output_shape=(2, 3, 8, 10),
    )
    for data_format, expected in zip(FORMATS, [(2, 2, 6, 12, 5), (2, 2, 3, 8, 15)]):
        run_layer_test(
            UpSampling3D,
            {"size": (1, 2, 3), "data_format": data_format},
            input_shape=(2, 2, 3, 4, 5),
            expected_output_shape=expected,
        )


@pytest.mark.parametrize("shape", [(None, None, 3), (4, None, 3)], ids=str)
def test_symbolic_shapes_match_keras(shape):
    ours = UpSampling2D((2, 3))(Input(shape=shape))
    theirs = keras.layers.UpSampling2D((2, 3))(keras.Input(shape=shape))
    assert ours.shape == tuple(theirs.shape)
    assert UpSampling1D(2)(Input(shape=(None, 3))).shape == (None, None, 3)


CONFIGS = {
    "UpSampling1D": {"size": 3},
    "UpSampling2D": {"size": (2, 3), "interpolation": "bilinear"},
    "UpSampling3D": {"size": 2, "data_format": "channels_first"},
}


@pytest.mark.parametrize("name", CONFIGS)
def test_get_config_matches_keras_and_round_trips(name):
    layer_cls = {c.__name__: c for c in (UpSampling1D, UpSampling2D, UpSampling3D)}[
        name
    ]
    config = layer_cls(name="u", **CONFIGS[name]).get_config()
    assert config == getattr(keras.layers, name)(name="u", **CONFIGS[name]).get_config()
    assert layer_cls.from_config(config).get_config() == config


def test_interpolation_name_is_case_insensitive():
    assert UpSampling2D(interpolation="BiLinear").interpolation == "bilinear"


@pytest.mark.parametrize("interpolation", ["area", "lanczos3", "linear", 3])
def test_unsupported_interpolations_are_refused(interpolation):
    with pytest.raises(
        ValueError,
        match=r"`interpolation` of `UpSampling2D`: expected one of 'nearest', "
        r"'bilinear', 'bicubic'",
    ):
        UpSampling2D(interpolation=interpolation)


@pytest.mark.parametrize(
    "layer_cls,size", [(UpSampling1D, 0), (UpSampling1D, 1.5), (UpSampling2D, (2,))]
)
def test_bad_size_names_the_layer(layer_cls, size):
    with pytest.raises(ValueError, match=f"`size` of `{layer_cls.__name__}`"):
        layer_cls(size=size)


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError) as info:
        UpSampling3D(name="up")(torch.ones(2, 4, 4, 3))
    message = str(info.value)
    assert "up" in message and "ndim=5" in message and "(2, 4, 4, 3)" in message
