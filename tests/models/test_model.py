"""Subclassed models: layers as attributes, lists and dicts; torch modules inside."""

import torch
from custom_layers import Linear

from ember.layers.core.input_layer import Input
from ember.models import Model


class MLP(Model):
    def __init__(self, hidden=8, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [Linear(hidden), Linear(hidden)]
        self.heads = {"out": Linear(2)}
        self.torch_layer = torch.nn.Linear(hidden, hidden)

    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = torch.relu(block(x))
        x = self.torch_layer(x)
        return self.heads["out"](x)


def test_subclassed_model_tracks_attributes_lists_dicts_and_torch_modules():
    model = MLP()
    out = model(torch.ones(4, 3))
    assert out.shape == (4, 2)
    assert len(model.layers) == 4
    assert len(model.trainable_weights) == 8
    assert len(list(model.parameters())) == 8


def test_torch_module_inside_trains_with_a_plain_torch_loop():
    torch.manual_seed(0)
    model = MLP()
    x = torch.randn(64, 3)
    y = (x.sum(dim=1) > 0).long()
    model(x)
    before = model.torch_layer.weight.detach().clone()
    optimizer = torch.optim.Adam(model.trainable_weights, lr=0.01)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.7
    assert not torch.equal(before, model.torch_layer.weight)


def test_subclassed_model_in_functional_api():
    model = MLP()
    inputs = Input(shape=(3,))
    outputs = model(inputs)
    assert outputs.shape == (None, 2)
    # Weights built during shape inference are real, not meta.
    assert all(w.device.type == "cpu" for w in model.weights)
    functional = Model(inputs, outputs)
    assert functional(torch.ones(2, 3)).shape == (2, 2)


def test_torch_compile_subclassed_model():
    model = MLP()
    x = torch.randn(2, 3)
    expected = model(x)
    torch.testing.assert_close(torch.compile(model)(x), expected)
