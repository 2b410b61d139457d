"""`Flatten` against real Keras 3: values (both data formats), shapes, config."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.reshaping.flatten import Flatten

keras = pytest.importorskip("keras")

SHAPES = {"rank1": (3,), "rank2": (3, 4), "rank3": (2, 3, 4), "rank4": (2, 3, 4, 5)}


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"], ids=str)
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_matches_keras(shape, data_format):
    x = np.random.randn(*shape).astype("float32")
    expected = keras.layers.Flatten(data_format=data_format)(x).detach().numpy()
    np.testing.assert_array_equal(Flatten(data_format=data_format)(x).numpy(), expected)


def test_hand_computed():
    x = torch.arange(8.0).reshape(1, 2, 2, 2)
    assert Flatten()(x).tolist() == [[0, 1, 2, 3, 4, 5, 6, 7]]
    # channels_first: (batch, channels, h, w) is read as channels-last first.
    assert Flatten("channels_first")(x).tolist() == [[0, 4, 1, 5, 2, 6, 3, 7]]


def test_empty_batch_and_gradient():
    assert Flatten()(torch.ones(0, 3, 4)).shape == (0, 12)
    x = torch.ones(2, 3, 4, requires_grad=True)
    Flatten()(x).sum().backward()
    assert torch.equal(x.grad, torch.ones(2, 3, 4))


@pytest.mark.parametrize("shape", [(10, 64), (None, 3), (2, None, 3), ()], ids=str)
def test_symbolic_shape_matches_keras(shape):
    ours = Flatten()(Input(shape=shape))
    assert ours.shape == tuple(keras.layers.Flatten()(keras.Input(shape=shape)).shape)


@pytest.mark.parametrize("data_format", [None, "channels_first"], ids=str)
def test_get_config_matches_keras_and_round_trips(data_format):
    config = Flatten(data_format=data_format, name="f").get_config()
    assert (
        config == keras.layers.Flatten(data_format=data_format, name="f").get_config()
    )
    assert Flatten.from_config(config).get_config() == config


def test_bad_data_format_is_refused():
    with pytest.raises(ValueError, match="data_format"):
        Flatten(data_format="channels_middle")
