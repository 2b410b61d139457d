"""`ZeroPadding1D/2D/3D` against real Keras 3 and by hand: every padding form,
both data formats, config, errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.core.input_layer import Input
from ember.layers.reshaping import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

FORMATS = ["channels_last", "channels_first"]
LAYERS = {1: ZeroPadding1D, 2: ZeroPadding2D, 3: ZeroPadding3D}
SHAPES = {1: (2, 5, 3), 2: (2, 4, 5, 3), 3: (2, 3, 4, 2, 3)}
PADDINGS = {
    1: [None, 0, 2, (1, 3), (0, 2)],
    2: [None, 2, (1, 2), ((1, 0), (2, 3))],
    3: [None, 1, (1, 0, 2), ((1, 0), (0, 2), (2, 1))],
}
CASES = [
    pytest.param(rank, padding, data_format, id=f"{rank}d-{padding}-{data_format}")
    for rank, paddings in PADDINGS.items()
    for padding in paddings
    for data_format in FORMATS
]


@pytest.mark.parametrize("rank,padding,data_format", CASES)
def test_matches_keras(rank, padding, data_format):
    x = np.random.standard_normal(SHAPES[rank]).astype("float32")
    kwargs = {"data_format": data_format}
    if padding is not None:
        kwargs["padding"] = padding
    assert_matches_keras(LAYERS[rank], kwargs, x)


def test_hand_computed():
    x = torch.tensor([[[1.0], [2.0]]])
    assert ZeroPadding1D((1, 2))(x).flatten().tolist() == [0, 1, 2, 0, 0]
    image = torch.ones(1, 1, 1, 1)
    out = ZeroPadding2D(((1, 0), (0, 2)))(image)
    assert out.reshape(2, 3).tolist() == [[0, 0, 0], [1, 0, 0]]


def test_integer_inputs_stay_integers():
    out = ZeroPadding2D()(torch.ones(1, 2, 2, 1, dtype=torch.int32))
    assert out.dtype == torch.int32 and out.sum().item() == 4


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_standard_layer_checks(rank):
    for data_format in FORMATS:
        shape = SHAPES[rank]
        spatial = (
            range(1, rank + 1)
            if data_format == "channels_last"
            else (range(2, rank + 2))
        )
        expected = tuple(n + 2 if i in spatial else n for i, n in enumerate(shape))
        run_layer_test(
            LAYERS[rank],
            {"padding": 1, "data_format": data_format},
            input_shape=shape,
            expected_output_shape=expected,
            expected_num_trainable_weights=0,
            supports_masking=False,
        )


def test_symbolic_shapes_match_keras():
    for shape in [(None, None, 3), (4, None, 3)]:
        ours = ZeroPadding2D(((1, 2), (3, 4)))(Input(shape=shape))
        theirs = keras.layers.ZeroPadding2D(((1, 2), (3, 4)))(keras.Input(shape=shape))
        assert ours.shape == tuple(theirs.shape)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_get_config_matches_keras_and_round_trips(rank):
    layer_cls = LAYERS[rank]
    kwargs = {"padding": 2, "data_format": "channels_first", "name": "z"}
    config = layer_cls(**kwargs).get_config()
    assert config == getattr(keras.layers, layer_cls.__name__)(**kwargs).get_config()
    assert layer_cls.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "layer_cls,padding",
    [
        (ZeroPadding1D, -1),
        (ZeroPadding1D, (1, 2, 3)),
        (ZeroPadding2D, (1, 2, 3)),
        (ZeroPadding2D, ((1, -1), (0, 0))),
        (ZeroPadding3D, "same"),
    ],
    ids=str,
)
def test_bad_padding_names_the_layer(layer_cls, padding):
    with pytest.raises(ValueError, match=f"`padding` of `{layer_cls.__name__}`"):
        layer_cls(padding)


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError) as info:
        ZeroPadding2D(name="pad")(torch.ones(2, 4, 3))
    message = str(info.value)
    assert "pad" in message and "ndim=4" in message and "(2, 4, 3)" in message
