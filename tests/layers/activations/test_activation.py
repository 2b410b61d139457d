"""`Activation` against real Keras 3: values, masks, shapes, config, errors."""

import numpy as np
import pytest
import torch

from ember.layers.activations.activation import Activation
from ember.layers.core.input_layer import Input

keras = pytest.importorskip("keras")

NAMES = [
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "gelu",
    "elu",
    "selu",
    "softplus",
    "swish",
    "linear",
    "log_softmax",
    "hard_sigmoid",
]


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_matches_keras(name):
    x = np.random.randn(2, 3, 4).astype("float32")
    expected = keras.layers.Activation(name)(x).detach().numpy()
    np.testing.assert_allclose(Activation(name)(x).numpy(), expected, atol=1e-6)


def test_hand_computed():
    x = torch.tensor([-3.0, -1.0, 0.0, 2.0])
    assert Activation("relu")(x).tolist() == [0.0, 0.0, 0.0, 2.0]
    assert Activation(lambda t: t * 2)(x).tolist() == [-6.0, -2.0, 0.0, 4.0]


def test_gradient_and_mask_pass_through():
    x = torch.tensor([[[-1.0, 2.0]]], requires_grad=True)
    x._keras_mask = torch.tensor([[True]])
    out = Activation("relu")(x)
    assert torch.equal(out._keras_mask, x._keras_mask)
    out.sum().backward()
    assert x.grad.tolist() == [[[0.0, 1.0]]]


def test_symbolic_shape():
    layer = Activation("softmax")
    assert layer.built and layer.weights == []
    assert layer(Input(shape=(None, 4))).shape == (None, None, 4)


@pytest.mark.parametrize("name", ["relu", "softmax", "linear"], ids=str)
def test_get_config_matches_keras_and_round_trips(name):
    config = Activation(name, name="act").get_config()
    assert config == keras.layers.Activation(name, name="act").get_config()
    assert Activation.from_config(config).get_config() == config


def test_unknown_activation_names_layer_and_argument():
    with pytest.raises(ValueError, match="`activation` of `Activation`.*relu"):
        Activation("relux")


def test_missing_activation_says_so():
    with pytest.raises(TypeError, match="missing the required argument `activation`"):
        Activation()
