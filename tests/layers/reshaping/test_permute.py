"""`Permute` against real Keras 3: values, shapes, config, errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.reshaping.permute import Permute

keras = pytest.importorskip("keras")

CASES = {
    "swap": ((2, 3, 4), (2, 1)),
    "identity": ((2, 3, 4), (1, 2)),
    "rank4_cycle": ((2, 3, 4, 5), (3, 1, 2)),
    "rank4_reverse": ((2, 3, 4, 5), (3, 2, 1)),
}


@pytest.mark.parametrize("shape,dims", CASES.values(), ids=CASES.keys())
def test_matches_keras(shape, dims):
    x = np.random.randn(*shape).astype("float32")
    expected = keras.layers.Permute(dims)(x).detach().numpy()
    np.testing.assert_array_equal(Permute(dims)(x).numpy(), expected)
    ours = Permute(dims)(Input(shape=shape[1:])).shape
    assert ours == tuple(keras.layers.Permute(dims)(keras.Input(shape=shape[1:])).shape)


def test_hand_computed_and_gradient():
    x = torch.tensor([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]], requires_grad=True)
    out = Permute((2, 1))(x)
    assert out.tolist() == [[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]]
    (out * torch.arange(6.0).reshape(1, 3, 2)).sum().backward()
    assert x.grad.tolist() == [[[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]]


def test_get_config_matches_keras_and_round_trips():
    config = Permute([2, 1], name="p").get_config()
    assert config == keras.layers.Permute([2, 1], name="p").get_config()
    assert Permute.from_config(config).get_config() == config


@pytest.mark.parametrize("dims", [(0, 1), (1, 1), (1, 3), (1.0, 2.0), 5], ids=str)
def test_bad_dims_are_refused(dims):
    with pytest.raises(ValueError, match="`dims` of `Permute`"):
        Permute(dims)


def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match=r'"p".*expected ndim=3, found ndim=2'):
        Permute((2, 1), name="p")(torch.ones(2, 3))
