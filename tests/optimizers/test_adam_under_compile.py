"""Adam and AdamW inside `jit_compile=True`: the compiled step uses the foreach
update (torch's fused Adam kernel cannot be traced) and matches eager training."""

import warnings

import numpy as np
import pytest

import ember
from ember import layers


def mlp():
    return ember.Sequential(
        [ember.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(1)]
    )


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_compiled_step_trains_like_eager_without_falling_back(optimizer):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    eager, compiled = mlp(), mlp()
    compiled.set_weights(eager.get_weights())
    eager.compile(optimizer=optimizer, loss="mse")
    compiled.compile(optimizer=optimizer, loss="mse", jit_compile=True)
    eager.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*jit_compile.*")
        compiled.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(eager.get_weights(), compiled.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
