"""Functional models: graphs of layers from `Input`s to outputs."""

import numpy as np
import pytest
import torch
from custom_layers import Linear, Sum

from ember.layers.core.input_layer import Input, InputLayer
from ember.models import Functional, Model, Sequential


def test_model_with_inputs_outputs_is_functional():
    inputs = Input(shape=(3,))
    outputs = Linear(2)(Linear(4)(inputs))
    model = Model(inputs, outputs)
    assert isinstance(model, Functional) and isinstance(model, Model)
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer",
        "Linear",
        "Linear",
    ]
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert model(torch.ones(5, 3)).shape == (5, 2)
    assert model(np.ones((5, 3))).shape == (5, 2)


def test_layers_are_ordered_by_depth_like_keras():
    a, b = Input(shape=(8,), name="a"), Input(shape=(3,), name="b")
    dense = Linear(3, name="proj")
    out = Sum(name="sum")([dense(a), b])
    model = Model([a, b], out)
    assert [layer.name for layer in model.layers] == ["a", "proj", "b", "sum"]


def test_list_and_dict_inputs_and_outputs():
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    total = Sum()([a, b])
    model = Model({"a": a, "b": b}, {"total": total, "proj": Linear(1)(total)})
    out = model({"a": torch.ones(4, 2), "b": torch.ones(4, 2)})
    assert set(out) == {"total", "proj"} and out["proj"].shape == (4, 1)
    listed = Model([a, b], [total])
    (only,) = listed([torch.ones(1, 2), torch.full((1, 2), 2.0)])
    torch.testing.assert_close(only, torch.full((1, 2), 3.0))


def test_shared_layer_is_one_layer_with_two_nodes():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    shared = Linear(2)
    model = Model([a, b], Sum()([shared(a), shared(b)]))
    assert sum(layer is shared for layer in model.layers) == 1
    assert len(shared._inbound_nodes) == 2
    assert model.count_params() == 8


def test_model_used_as_a_layer():
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, Linear(2)(inner_in), name="inner")
    outer_in = Input(shape=(4,))
    outer = Model(outer_in, Linear(1)(inner(outer_in)))
    assert outer.output_shape == (None, 1)
    assert outer.get_layer("inner") is inner
    assert outer.count_params() == 4 * 2 + 2 + 2 + 1
    assert outer(torch.ones(3, 4)).shape == (3, 1)


def test_get_layer_by_name_and_index():
    inputs = Input(shape=(3,))
    model = Model(inputs, Linear(2, name="head")(inputs))
    assert model.get_layer("head").name == "head"
    assert isinstance(model.get_layer(index=0), InputLayer)
    with pytest.raises(ValueError, match="No such layer: tail"):
        model.get_layer("tail")


def test_disconnected_graph_error():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = Sum()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, out)


def test_wrong_number_of_inputs_error():
    a, b = Input(shape=(3,), name="left"), Input(shape=(3,), name="right")
    model = Model([a, b], Sum()([a, b]))
    with pytest.raises(ValueError, match=r"expects 2 input\(s\).*received 1"):
        model(torch.ones(1, 3))


def test_torch_ops_in_functional_graph():
    inputs = Input(shape=(3,))
    outputs = torch.tanh(Linear(2)(inputs)) * 2.0
    model = Model(inputs, outputs)
    out = model(torch.ones(2, 3))
    assert out.shape == (2, 2) and out.abs().max().item() <= 2.0


def test_subclass_passing_inputs_outputs_is_functional():
    class Wrapped(Model):
        def __init__(self):
            inputs = Input(shape=(3,))
            super().__init__(inputs, Linear(2)(inputs), name="wrapped")

    model = Wrapped()
    assert isinstance(model, Functional) and isinstance(model, Wrapped)
    assert model(torch.ones(1, 3)).shape == (1, 2)


def test_functional_model_is_an_nn_module():
    inputs = Input(shape=(3,))
    model = Model(inputs, Linear(2)(Linear(4)(inputs)))
    assert len(list(model.parameters())) == 4
    state = model.state_dict()
    assert len(state) == 4
    model.to(torch.float64)
    assert model.weights[0].dtype == torch.float64
    model.to(torch.float32)
    compiled = torch.compile(model)
    torch.testing.assert_close(compiled(torch.ones(2, 3)), model(torch.ones(2, 3)))


def test_nested_sequential_in_functional():
    inner = Sequential([Linear(4), Linear(3)])
    inputs = Input(shape=(5,))
    model = Model(inputs, inner(inputs))
    assert inner.built and model.output_shape == (None, 3)
    assert model.count_params() == 5 * 4 + 4 + 4 * 3 + 3


def test_the_same_op_twice_in_one_model():
    from ember import ops

    inputs = Input(shape=(3,))
    outputs = ops.add(ops.add(inputs, 1.0), 1.0)
    model = Model(inputs, outputs)
    torch.testing.assert_close(model(torch.zeros(1, 3)), torch.full((1, 3), 2.0))
