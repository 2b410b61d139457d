"""`Identity`: returns its inputs, masks included; config like Keras 3."""

import numpy as np
import pytest
import torch

from ember.layers.core.identity import Identity
from ember.layers.core.input_layer import Input

keras = pytest.importorskip("keras")


def test_returns_inputs_like_keras():
    x = np.random.randn(2, 3, 4).astype("float32")
    expected = keras.layers.Identity()(x).detach().numpy()
    np.testing.assert_array_equal(Identity()(x).numpy(), expected)


def test_hand_computed_and_gradient():
    x = torch.tensor([[1.0, -2.0]], requires_grad=True)
    out = Identity()(x)
    assert out.tolist() == [[1.0, -2.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0]]


def test_nested_inputs_and_masks_pass_through():
    a, b = torch.ones(2, 3), torch.zeros(2, 4)
    a._keras_mask = torch.tensor([True, False])
    out = Identity()([a, b])
    assert out[0] is a and out[1] is b
    assert torch.equal(out[0]._keras_mask, a._keras_mask)


def test_symbolic_shape_and_no_weights():
    layer = Identity()
    assert layer.built and layer.weights == []
    assert layer(Input(shape=(None, 5))).shape == (None, None, 5)


def test_get_config_matches_keras_and_round_trips():
    config = Identity(name="same").get_config()
    assert config == keras.layers.Identity(name="same").get_config()
    assert Identity.from_config(config).get_config() == config
