"""A tiny model trained for 2 epochs with plain torch autograd: the weights
after `optimizer.apply([v.grad ...], variables)` each step equal those of
Keras 3's optimizer trained the same way."""

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember.optimizers
from ember.backend.variable import make_variable

OPTIMIZERS = {
    "adam": ("Adam", {"learning_rate": 0.01}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "rmsprop_centered": ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    "adamw_clipped": ("AdamW", {"learning_rate": 0.01, "global_clipnorm": 1.0}),
}


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1)) + 0.1).astype("float32")
    weights = {
        "kernel_1": rng.normal(size=(4, 8)).astype("float32") * 0.5,
        "bias_1": np.zeros(8, "float32"),
        "kernel_2": rng.normal(size=(8, 1)).astype("float32") * 0.5,
        "bias_2": np.zeros(1, "float32"),
    }
    return torch.tensor(x), torch.tensor(y), weights


def _loss(params, x, y):
    kernel_1, bias_1, kernel_2, bias_2 = params
    prediction = torch.relu(x @ kernel_1 + bias_1) @ kernel_2 + bias_2
    return torch.mean((prediction - y) ** 2)


def _train(params_of, optimizer, variables, x, y):
    for _epoch in range(2):
        for start in range(0, 32, 8):
            params = params_of(variables)
            _loss(params, x[start : start + 8], y[start : start + 8]).backward()
            optimizer.apply([p.grad for p in params], variables)
            for p in params:
                p.grad = None


@pytest.mark.parametrize("case", list(OPTIMIZERS), ids=list(OPTIMIZERS))
def test_two_epochs_of_torch_autograd_match_keras(case):
    keras = keras_or_skip()
    name, kwargs = OPTIMIZERS[case]
    x, y, weights = _data()
    ember_vars = [
        make_variable(torch.tensor(w), name=n, path=f"mlp/{n}", trainable=True)
        for n, w in weights.items()
    ]
    keras_vars = [keras.Variable(w, name=n) for n, w in weights.items()]
    _train(lambda vs: vs, getattr(ember.optimizers, name)(**kwargs), ember_vars, x, y)
    # Keras's torch variables hold their value in a torch Parameter.
    _train(
        lambda vs: [v.value for v in vs],
        getattr(keras.optimizers, name)(**kwargs),
        keras_vars,
        x,
        y,
    )
    for ember_var, keras_var in zip(ember_vars, keras_vars):
        # Same float32 ops; 1e-6 covers an ulp of difference (the learning
        # rate multiply, see the step-by-step parity test) carried 8 steps.
        np.testing.assert_allclose(
            ember_var.detach().numpy(), keras_var.numpy(), rtol=0, atol=1e-6
        )
    assert not np.allclose(ember_vars[0].detach().numpy(), weights["kernel_1"])
