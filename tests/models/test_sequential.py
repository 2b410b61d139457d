"""Sequential: a stack of layers, built at once with an Input or on first call."""

import pytest
import torch
from custom_layers import Linear

from ember.layers.core.input_layer import Input
from ember.models import Sequential


def test_with_input_builds_at_once():
    model = Sequential([Input(shape=(6,)), Linear(4), Linear(2)])
    assert (
        model.built
        and model.output_shape == (None, 2)
        and model.input_shape == (None, 6)
    )
    assert len(model.layers) == 2
    assert model.count_params() == 6 * 4 + 4 + 4 * 2 + 2


def test_deferred_build_on_first_call():
    model = Sequential([Linear(4), Linear(2)])
    assert not model.built
    with pytest.raises(ValueError, match="has not been built"):
        _ = model.output_shape
    assert model(torch.ones(3, 5)).shape == (3, 2)
    assert model.built and model.output_shape == (None, 2)


def test_input_shape_argument_on_first_layer():
    model = Sequential([Linear(3, input_shape=(7,))])
    assert model.built and model.input_shape == (None, 7)


def test_add_and_pop():
    model = Sequential()
    model.add(Input(shape=(3,)))
    model.add(Linear(4))
    model.add(Linear(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert isinstance(popped, Linear) and model.output_shape == (None, 4)
    assert len(model.layers) == 1 and len(model.weights) == 2


def test_add_rejects_non_layers_and_duplicate_names():
    model = Sequential()
    with pytest.raises(TypeError, match="Only instances of `ember.layers.Layer`"):
        model.add("dense")
    model.add(Linear(2, name="same"))
    with pytest.raises(ValueError, match="unique names"):
        model.add(Linear(2, name="same"))


def test_weights_follow_layer_order():
    model = Sequential([Input(shape=(2,)), Linear(3, name="a"), Linear(1, name="b")])
    assert [w.path for w in model.weights] == [
        "a/kernel",
        "a/bias",
        "b/kernel",
        "b/bias",
    ]
    assert list(model.state_dict()) == ["a.kernel", "a.bias", "b.kernel", "b.bias"]
