"""`RepeatVector` against real Keras 3: values, shapes, config, errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.reshaping.repeat_vector import RepeatVector

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("n", [1, 3], ids=str)
def test_matches_keras(n):
    x = np.random.randn(2, 5).astype("float32")
    expected = keras.layers.RepeatVector(n)(x).detach().numpy()
    np.testing.assert_array_equal(RepeatVector(n)(x).numpy(), expected)
    assert RepeatVector(n)(Input(shape=(5,))).shape == tuple(
        keras.layers.RepeatVector(n)(keras.Input(shape=(5,))).shape
    )


def test_hand_computed_and_gradient():
    x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    out = RepeatVector(3)(x)
    assert out.tolist() == [[[1.0, 2.0]] * 3]
    out.sum().backward()
    assert x.grad.tolist() == [[3.0, 3.0]]


def test_get_config_matches_keras_and_round_trips():
    config = RepeatVector(4, name="rv").get_config()
    assert config == keras.layers.RepeatVector(4, name="rv").get_config()
    assert RepeatVector.from_config(config).get_config() == config


@pytest.mark.parametrize("n", [0, -2, 2.0, True], ids=str)
def test_bad_n_is_refused(n):
    with pytest.raises(ValueError, match="`n` of `RepeatVector`: expected a positive"):
        RepeatVector(n)


def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match=r'"rv".*expected ndim=2, found ndim=3'):
        RepeatVector(2, name="rv")(torch.ones(2, 3, 4))
