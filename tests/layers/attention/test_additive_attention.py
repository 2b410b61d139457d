"""`AdditiveAttention` (Bahdanau-style) against real Keras 3 and by hand."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.attention.additive_attention import AdditiveAttention
from ember.layers.core.input_layer import Input
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(1)
QUERY = RNG.standard_normal((2, 3, 4)).astype("float32")
VALUE = RNG.standard_normal((2, 5, 4)).astype("float32")
KEY = RNG.standard_normal((2, 5, 4)).astype("float32")
WIDE_VALUE = RNG.standard_normal((2, 5, 6)).astype("float32")
QUERY_MASK = np.array([[1, 1, 0], [1, 0, 0]], bool)
VALUE_MASK = np.array([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool)

CALLS = {
    "plain": ([QUERY, VALUE], {}),
    "with_key": ([QUERY, WIDE_VALUE, KEY], {}),
    "scores": ([QUERY, VALUE], {"return_attention_scores": True}),
    "masks": ([QUERY, VALUE], {"mask": [QUERY_MASK, VALUE_MASK]}),
    "causal_scores": (
        [QUERY, VALUE],
        {"use_causal_mask": True, "return_attention_scores": True},
    ),
}


@pytest.mark.parametrize("use_scale", [True, False], ids=["scaled", "unscaled"])
@pytest.mark.parametrize("inputs,call", CALLS.values(), ids=CALLS.keys())
def test_matches_keras(use_scale, inputs, call):
    ours, theirs, _, _ = assert_matches_keras(
        AdditiveAttention, {"use_scale": use_scale}, inputs, call
    )
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == [
        (w.name, tuple(w.shape)) for w in theirs.weights
    ]


def test_hand_computed():
    # scores = sum(scale * tanh(q + k)); with scale [1, 1]:
    # key 1: tanh(0) + tanh(0) = 0; key 2: tanh(1) + tanh(1).
    layer = AdditiveAttention()
    query = torch.zeros(1, 1, 2)
    key = torch.tensor([[[0.0, 0.0], [1.0, 1.0]]])
    value = torch.tensor([[[0.0], [1.0]]])
    layer([query, value, key])
    layer.set_weights([np.ones(2)])
    out, weights = layer([query, value, key], return_attention_scores=True)
    s = 2 * np.tanh(1.0)
    p = np.exp(s) / (1 + np.exp(s))
    np.testing.assert_allclose(weights.detach().numpy(), [[[1 - p, p]]], rtol=1e-6)
    np.testing.assert_allclose(out.detach().numpy(), [[[p]]], rtol=1e-6)


@pytest.mark.parametrize(
    "use_scale,n", [(True, 1), (False, 0)], ids=["scaled", "unscaled"]
)
def test_shared_layer_checks(use_scale, n):
    run_layer_test(
        AdditiveAttention,
        {"use_scale": use_scale, "dropout": 0.1, "seed": 1},
        input_shape=[(2, 3, 4), (2, 5, 6), (2, 5, 4)],
        expected_output_shape=(2, 3, 6),
        expected_num_trainable_weights=n,
        supports_masking=True,
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"use_scale": False, "dropout": 0.2, "seed": 4}],
    ids=["defaults", "set"],
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = AdditiveAttention(name="add_att", **kwargs).get_config()
    assert (
        config == keras.layers.AdditiveAttention(name="add_att", **kwargs).get_config()
    )
    assert "score_mode" not in config
    assert AdditiveAttention.from_config(config).get_config() == config


def test_symbolic_shape():
    out = AdditiveAttention()([Input(shape=(3, 4)), Input(shape=(None, 4))])
    assert out.shape == (None, 3, 4)


def test_mismatched_query_and_key_sizes_are_explained():
    with pytest.raises(ValueError, match=r"`AdditiveAttention`.*same last axis size"):
        AdditiveAttention()([torch.ones(2, 3, 4), torch.ones(2, 5, 6)])


def test_dropout_acts_only_in_training_and_is_seeded():
    inputs = [torch.as_tensor(QUERY), torch.as_tensor(VALUE)]
    a = AdditiveAttention(dropout=0.5, seed=3)
    b = AdditiveAttention(dropout=0.5, seed=3)
    a(inputs)
    b(inputs)
    b.set_weights(a.get_weights())
    torch.testing.assert_close(a(inputs, training=True), b(inputs, training=True))
    assert not torch.allclose(a(inputs, training=True), a(inputs))
    torch.testing.assert_close(a(inputs), b(inputs, training=False))


def test_model_with_additive_attention_fits_and_loss_drops():
    from ember.layers.core.dense import Dense
    from ember.layers.core.embedding import Embedding
    from ember.layers.reshaping.flatten import Flatten
    from ember.losses import SparseCategoricalCrossentropy
    from ember.models import Model
    from ember.optimizers import Adam

    rng = np.random.default_rng(0)
    ids = rng.integers(1, 12, size=(96, 6))
    ids[::4, 4:] = 0  # padding, masked through Embedding(mask_zero=True)
    labels = (ids[:, 0] > 6).astype("int64")
    inputs = Input(shape=(6,), dtype="int32")
    x = Embedding(12, 8, mask_zero=True)(inputs)
    x = AdditiveAttention(dropout=0.1)([x, x])
    model = Model(inputs, Dense(2)(Flatten()(x)))
    model.compile(
        optimizer=Adam(learning_rate=0.02),
        loss=SparseCategoricalCrossentropy(from_logits=True),
    )
    losses = model.fit(ids, labels, epochs=5, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.8 * losses[0]


def test_rank_two_inputs_name_layer_shape_and_fix():
    with pytest.raises(ValueError, match=r"`AdditiveAttention`.*rank 3 or more"):
        AdditiveAttention()([torch.ones(2, 4), torch.ones(2, 5, 4)])
