"""The errors the core issue lists, in one place: type, the layer named, the fix."""

import numpy as np
import pytest
import torch

import ember
from ember import layers


def test_layer_called_on_a_tuple_of_ints_points_to_input():
    with pytest.raises(TypeError) as info:
        layers.Dense(10)((28, 28, 1))
    message = str(info.value)
    assert "`Dense`" in message and "tuple (28, 28, 1)" in message
    assert "ember.Input(shape=(28, 28, 1))" in message


def test_unknown_constructor_argument():
    with pytest.raises(TypeError) as info:
        layers.Dense(4, foo=1)
    assert "`Dense` got an unexpected keyword argument `foo`" in str(info.value)
    assert "units" in str(info.value)  # the valid arguments are listed


def test_unknown_argument_suggests_the_close_name():
    with pytest.raises(TypeError, match="Did you mean `activation`"):
        layers.Dense(4, activaton="relu")


def test_missing_required_argument():
    with pytest.raises(TypeError) as info:
        layers.Embedding(28)
    assert "`Embedding` is missing the required argument `output_dim`" in str(
        info.value
    )
    assert "Embedding(input_dim=..., output_dim=...)" in str(info.value)


def test_non_activation_passed_as_activation():
    with pytest.raises(ValueError) as info:
        layers.Dense(4, 64)
    message = str(info.value)
    assert "Invalid value for argument `activation` of `Dense`" in message
    assert "Received: activation=64" in message


def test_merging_incompatible_shapes_names_the_shapes():
    a, b = ember.Input(shape=(3,)), ember.Input(shape=(4,))
    with pytest.raises(ValueError) as info:
        layers.Add()([a, b])
    message = str(info.value)
    assert "`Add`" in message and "(None, 3)" in message and "(None, 4)" in message


def test_dense_fed_a_different_last_dimension():
    dense = layers.Dense(2, name="classifier")
    dense(np.ones((1, 4), "float32"))
    with pytest.raises(ValueError) as info:
        dense(torch.ones(1, 5))
    message = str(info.value)
    assert 'layer "classifier"' in message
    assert "value 4" in message and "(1, 5)" in message
    assert "feed it inputs of that size" in message


def test_invalid_units():
    with pytest.raises(
        ValueError, match="Invalid value for argument `units` of `Dense`"
    ):
        layers.Dense(0)
