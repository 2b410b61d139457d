"""Every kind of model is a plain torch module: torch.export and state dicts work."""

import numpy as np
import pytest
import torch

import ember
from ember import layers


def sequential():
    return ember.Sequential(
        [
            ember.Input((6, 6, 2)),
            layers.Conv2D(3, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ]
    )


def functional():
    inputs = ember.Input((5, 4))
    x = layers.LSTM(3, return_sequences=True)(inputs)
    x = layers.MultiHeadAttention(num_heads=2, key_dim=2)(x, x)
    return ember.Model(inputs, layers.Dense(1)(layers.Flatten()(x)))


class Subclassed(ember.Model):
    def __init__(self):
        super().__init__()
        self.embed = layers.Embedding(20, 4)
        self.gru = layers.GRU(3)
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.gru(self.embed(x)))


CASES = {
    "sequential": (sequential, lambda: torch.randn(3, 6, 6, 2)),
    "functional": (functional, lambda: torch.randn(3, 5, 4)),
    "subclassed": (Subclassed, lambda: torch.randint(1, 20, (3, 7))),
}


@pytest.mark.parametrize("name", CASES)
def test_torch_export_matches_eager(name):
    make, data = CASES[name]
    model = make()
    x = data()
    model(x)  # builds
    model.eval()
    program = torch.export.export(model, (x,))
    torch.testing.assert_close(program.module()(x), model(x, training=False))


@pytest.mark.parametrize("name", CASES)
def test_state_dict_moves_weights_to_a_fresh_model(name):
    # Layer names (and so state-dict keys) are generated as Keras generates them;
    # a fresh process, like a fresh session here, builds the same names again.
    make, data = CASES[name]
    x = data()
    ember.utils.clear_session()
    source = make()
    ember.utils.clear_session()
    target = make()
    source(x)
    target(x)
    with torch.no_grad():
        for w in source.parameters():
            w.add_(torch.randn_like(w) if w.is_floating_point() else 0)
    missing, unexpected = target.load_state_dict(source.state_dict())
    assert missing == [] and unexpected == []
    np.testing.assert_allclose(
        target.predict(x.numpy(), verbose=0), source.predict(x.numpy(), verbose=0)
    )
