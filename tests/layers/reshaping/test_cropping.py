"""`Cropping1D/2D/3D` against real Keras 3 and by hand: every cropping form,
both data formats, config, errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.core.input_layer import Input
from ember.layers.reshaping import Cropping1D, Cropping2D, Cropping3D
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

FORMATS = ["channels_last", "channels_first"]
LAYERS = {1: Cropping1D, 2: Cropping2D, 3: Cropping3D}
SHAPES = {1: (2, 6, 3), 2: (2, 5, 6, 3), 3: (2, 5, 4, 6, 3)}
CROPPINGS = {
    1: [None, 0, 2, (1, 3), (0, 2)],
    2: [None, 1, (1, 2), ((1, 0), (2, 1))],
    3: [None, 1, (1, 0, 2), ((1, 0), (0, 2), (2, 1))],
}
CASES = [
    pytest.param(rank, cropping, data_format, id=f"{rank}d-{cropping}-{data_format}")
    for rank, croppings in CROPPINGS.items()
    for cropping in croppings
    for data_format in (FORMATS if rank > 1 else [None])
]


@pytest.mark.parametrize("rank,cropping,data_format", CASES)
def test_matches_keras(rank, cropping, data_format):
    shape = SHAPES[rank]
    if data_format == "channels_first":
        shape = (shape[0], shape[-1], *shape[1:-1])
    x = np.random.standard_normal(shape).astype("float32")
    kwargs = {} if data_format is None else {"data_format": data_format}
    if cropping is not None:
        kwargs["cropping"] = cropping
    assert_matches_keras(LAYERS[rank], kwargs, x)


def test_hand_computed_and_a_view():
    x = torch.arange(5.0).reshape(1, 5, 1)
    out = Cropping1D((1, 2))(x)
    assert out.flatten().tolist() == [1, 2]
    assert out.data_ptr() == x[:, 1:].data_ptr()  # no copy
    image = torch.arange(9.0).reshape(1, 3, 3, 1)
    assert Cropping2D(((1, 0), (0, 1)))(image).reshape(2, 2).tolist() == [
        [3, 4],
        [6, 7],
    ]


def test_gradient_reaches_only_the_kept_positions():
    x = torch.ones(1, 4, 1, requires_grad=True)
    Cropping1D(1)(x).sum().backward()
    assert x.grad.flatten().tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_standard_layer_checks(rank):
    for data_format in FORMATS if rank > 1 else [None]:
        shape = SHAPES[rank]
        kwargs = {"cropping": 1}
        first = 1
        if data_format is not None:
            kwargs["data_format"] = data_format
        if data_format == "channels_first":
            shape, first = (shape[0], shape[-1], *shape[1:-1]), 2
        spatial = range(first, first + rank)
        expected = tuple(n - 2 if i in spatial else n for i, n in enumerate(shape))
        run_layer_test(
            LAYERS[rank],
            kwargs,
            input_shape=shape,
            expected_output_shape=expected,
            expected_num_trainable_weights=0,
            supports_masking=False,
        )


def test_symbolic_shapes_match_keras():
    for shape in [(None, None, 3), (8, None, 3)]:
        ours = Cropping2D(((1, 2), (3, 0)))(Input(shape=shape))
        theirs = keras.layers.Cropping2D(((1, 2), (3, 0)))(keras.Input(shape=shape))
        assert ours.shape == tuple(theirs.shape)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_get_config_matches_keras_and_round_trips(rank):
    layer_cls = LAYERS[rank]
    kwargs = {"cropping": 2, "name": "c"}
    if rank > 1:
        kwargs["data_format"] = "channels_first"
    config = layer_cls(**kwargs).get_config()
    assert config == getattr(keras.layers, layer_cls.__name__)(**kwargs).get_config()
    assert layer_cls.from_config(config).get_config() == config


def test_cropping_everything_names_layer_axis_and_shape():
    with pytest.raises(
        ValueError,
        match=r"`Cropping2D` \(layer 'crop'\) cannot crop 4 positions from axis 2 "
        r"of inputs of shape \(1, 6, 4, 3\)",
    ):
        Cropping2D(((0, 0), (2, 2)), name="crop")(torch.ones(1, 6, 4, 3))


@pytest.mark.parametrize(
    "layer_cls,cropping",
    [
        (Cropping1D, -1),
        (Cropping1D, (1, 2, 3)),
        (Cropping2D, (1, 2, 3)),
        (Cropping3D, ((1, 1), (0, -2), (0, 0))),
    ],
    ids=str,
)
def test_bad_cropping_names_the_layer(layer_cls, cropping):
    with pytest.raises(ValueError, match=f"`cropping` of `{layer_cls.__name__}`"):
        layer_cls(cropping)


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError) as info:
        Cropping3D(name="crop3")(torch.ones(2, 4, 4, 3))
    message = str(info.value)
    assert "crop3" in message and "ndim=5" in message and "(2, 4, 4, 3)" in message
