"""`MaxPooling1D/2D/3D` and `AveragePooling1D/2D/3D` against real Keras 3 and by
hand: values over both data formats, valid/same, strides and pool sizes;
config, shapes, layout, errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.core.input_layer import Input
from ember.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool2D,
    MaxPool1D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

LAYERS = {
    1: (MaxPooling1D, AveragePooling1D),
    2: (MaxPooling2D, AveragePooling2D),
    3: (MaxPooling3D, AveragePooling3D),
}
SPATIAL = {1: (9,), 2: (7, 6), 3: (5, 4, 5)}  # odd and even sizes


def _shape(rank, data_format, channels=3):
    spatial = SPATIAL[rank]
    if data_format == "channels_last":
        return (2, *spatial, channels)
    return (2, channels, *spatial)


CONFIGS = {
    "defaults": {},
    "valid-k3-s1": {"pool_size": 3, "strides": 1},
    "valid-k2-s3": {"pool_size": 2, "strides": 3},
    "same-k2": {"pool_size": 2, "padding": "same"},
    "same-k3-s2": {"pool_size": 3, "strides": 2, "padding": "same"},
    "same-k4-s2": {"pool_size": 4, "strides": 2, "padding": "same"},
    "same-k2-s1": {"pool_size": 2, "strides": 1, "padding": "same"},
    "per-axis": {"pool_size": (2, 3, 1), "strides": (1, 2, 2), "padding": "same"},
}


def _kwargs(config, rank, mode):
    kwargs = dict(config)
    for key in ("pool_size", "strides"):
        if isinstance(kwargs.get(key), tuple):
            kwargs[key] = kwargs[key][:rank]
    if mode == 1 and "pool_size" not in kwargs:
        kwargs["pool_size"] = 2  # AveragePooling has no default pool_size
    return kwargs


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", [0, 1], ids=["max", "average"])
def test_matches_keras(mode, rank, config, data_format):
    layer_cls = LAYERS[rank][mode]
    kwargs = {**_kwargs(config, rank, mode), "data_format": data_format}
    x = np.random.standard_normal(_shape(rank, data_format)).astype("float32")
    assert_matches_keras(layer_cls, kwargs, x)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", [0, 1], ids=["max", "average"])
def test_standard_layer_checks(mode, rank):
    layer_cls = LAYERS[rank][mode]
    for data_format in ("channels_last", "channels_first"):
        kwargs = {"pool_size": 2, "padding": "same", "data_format": data_format}
        shape = _shape(rank, data_format)
        pooled = tuple((n + 1) // 2 for n in SPATIAL[rank])
        expected = (
            (2, *pooled, 3) if data_format == "channels_last" else (2, 3, *pooled)
        )
        run_layer_test(
            layer_cls,
            kwargs,
            input_shape=shape,
            expected_output_shape=expected,
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=0,
            supports_masking=False,
        )


def test_hand_computed():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    x = x.reshape(1, 3, 3, 1)
    assert MaxPooling2D(2, strides=1)(x).flatten().tolist() == [5, 6, 8, 9]
    assert AveragePooling2D(2, strides=1)(x).flatten().tolist() == [3, 4, 6, 7]
    # "same" with window 2, stride 1: one padded row and column at the end.
    same = MaxPooling2D(2, 1, "same")(x).reshape(3, 3).tolist()
    assert same == [[5, 6, 6], [8, 9, 9], [8, 9, 9]]


def test_gradient_reaches_the_window_maxima():
    x = torch.tensor([[[1.0], [3.0], [2.0], [0.0]]], requires_grad=True)
    MaxPooling1D(2)(x).sum().backward()
    assert x.grad.flatten().tolist() == [0, 1, 1, 0]


def test_channels_last_output_keeps_the_layout():
    x = torch.randn(2, 8, 8, 4)
    assert MaxPooling2D()(x).is_contiguous()
    assert AveragePooling2D(3, 2, "same")(x).is_contiguous()
    assert MaxPooling1D(3, 2, "same")(torch.randn(2, 9, 4)).is_contiguous()


def test_aliases_are_the_same_classes():
    assert MaxPool1D is MaxPooling1D and AvgPool2D is AveragePooling2D


@pytest.mark.parametrize("shape", [(None, 3), (8, 3), (None, None, 3)], ids=str)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_symbolic_shapes_match_keras(shape, padding):
    layers = {2: (MaxPooling1D, "MaxPooling1D"), 3: (MaxPooling2D, "MaxPooling2D")}
    ours_cls, name = layers[len(shape)]
    ours = ours_cls(3, 2, padding)(Input(shape=shape))
    theirs = getattr(keras.layers, name)(3, 2, padding)(keras.Input(shape=shape))
    assert ours.shape == tuple(theirs.shape)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", [0, 1], ids=["max", "average"])
def test_get_config_matches_keras_and_round_trips(mode, rank):
    layer_cls = LAYERS[rank][mode]
    kwargs = {"pool_size": 2, "strides": 1, "padding": "same", "name": "p"}
    config = layer_cls(**kwargs).get_config()
    assert config == getattr(keras.layers, layer_cls.__name__)(**kwargs).get_config()
    assert layer_cls.from_config(config).get_config() == config


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError) as info:
        MaxPooling2D(name="pool")(torch.ones(2, 8, 3))
    message = str(info.value)
    assert "pool" in message and "ndim=4" in message and "(2, 8, 3)" in message


def test_input_smaller_than_the_window_names_the_layer():
    with pytest.raises(
        ValueError,
        match=r"`AveragePooling1D` \(layer 'avg'\).*"
        r"\(1, 2, 3\).*pool_size=\(3,\)",
    ):
        AveragePooling1D(3, name="avg")(torch.ones(1, 2, 3))


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": (2, 2)}, "pool_size"),
        ({"pool_size": 2, "strides": -1}, "strides"),
        ({"pool_size": 2, "padding": "causal"}, "padding"),
    ],
    ids=["zero-pool", "pool-tuple", "negative-stride", "causal"],
)
def test_bad_arguments_name_the_layer_and_argument(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}` of `MaxPooling1D`"):
        MaxPooling1D(**kwargs)


def test_bad_data_format_is_refused():
    with pytest.raises(ValueError, match="data_format"):
        MaxPooling2D(data_format="NHWC")
