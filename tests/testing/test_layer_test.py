"""`run_layer_test` passes good layers and catches broken ones."""

import pytest
import torch

from ember.layers import Dense
from ember.layers.layer import Layer
from ember.testing import run_layer_test


def test_passes_dense_and_returns_output():
    out = run_layer_test(
        Dense,
        {"units": 3},
        input_shape=(2, 4),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=0,
    )
    assert out.shape == (2, 3)


def test_catches_wrong_shape_and_weight_count():
    with pytest.raises(AssertionError, match="output shape"):
        run_layer_test(
            Dense, {"units": 3}, input_shape=(2, 4), expected_output_shape=(2, 4)
        )
    with pytest.raises(AssertionError, match="trainable"):
        run_layer_test(
            Dense, {"units": 3}, input_shape=(2, 4), expected_num_trainable_weights=1
        )


class _ForgetsConfig(Layer):
    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return x * self.scale

    def get_config(self):
        return super().get_config()  # drops `scale`


class _DetachedWeight(Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), name="w")

    def call(self, x):
        return x * self.w.detach()

    def get_config(self):
        return super().get_config()


def test_catches_lossy_config():
    with pytest.raises(AssertionError, match="changed the config|after"):
        run_layer_test(_ForgetsConfig, {"scale": 2.0}, input_shape=(2, 3))


def test_catches_weight_without_gradient():
    with pytest.raises(AssertionError, match="no gradient"):
        run_layer_test(_DetachedWeight, {}, input_shape=(2, 3))


def test_structures_of_inputs():
    from ember.layers import Add

    run_layer_test(Add, {}, input_shape=[(2, 4), (2, 4)], expected_output_shape=(2, 4))
    run_layer_test(
        Add,
        {},
        input_data=[torch.ones(2, 3), torch.ones(2, 3)],
        expected_output_dtype="float32",
    )
