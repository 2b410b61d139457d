"""`Attention` (Luong-style) against real Keras 3 and by hand: scores, masks,
causality, returned weights, config, errors."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.attention.attention import Attention
from ember.layers.core.dense import Dense
from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.reshaping.flatten import Flatten
from ember.losses import SparseCategoricalCrossentropy
from ember.models import Model
from ember.optimizers import Adam
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
QUERY = RNG.standard_normal((2, 3, 4)).astype("float32")
VALUE = RNG.standard_normal((2, 5, 4)).astype("float32")
KEY = RNG.standard_normal((2, 5, 4)).astype("float32")
WIDE_VALUE = RNG.standard_normal((2, 5, 6)).astype("float32")
QUERY_MASK = np.array([[1, 1, 0], [1, 0, 0]], bool)
VALUE_MASK = np.array([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool)  # row 2: nothing

INITS = {
    "dot": {},
    "dot_scaled": {"use_scale": True},
    "concat": {"score_mode": "concat"},
    "concat_scaled": {"score_mode": "concat", "use_scale": True},
}
CALLS = {
    "plain": ([QUERY, VALUE], {}),
    "with_key": ([QUERY, WIDE_VALUE, KEY], {}),
    "scores": ([QUERY, VALUE], {"return_attention_scores": True}),
    "masks": ([QUERY, VALUE], {"mask": [QUERY_MASK, VALUE_MASK]}),
    "value_mask_only": ([QUERY, VALUE, KEY], {"mask": [None, VALUE_MASK]}),
    "causal": ([QUERY, VALUE], {"use_causal_mask": True}),
    "causal_masks_scores": (
        [QUERY, VALUE],
        {
            "mask": [QUERY_MASK, VALUE_MASK],
            "use_causal_mask": True,
            "return_attention_scores": True,
        },
    ),
    "dropout_inference": ([QUERY, VALUE], {"training": False}),
}


def _random_weights(ours, theirs):
    # Scales of 1 would hide a mistake in where the scale goes.
    values = [RNG.uniform(0.5, 2.0, size=w.shape) for w in theirs.get_weights()]
    theirs.set_weights(values)
    ours.set_weights(values)


@pytest.mark.parametrize("init", INITS.values(), ids=INITS.keys())
@pytest.mark.parametrize("inputs,call", CALLS.values(), ids=CALLS.keys())
def test_matches_keras(init, inputs, call):
    init = {**init, "dropout": 0.3} if "training" in call else init
    ours, theirs, _, _ = assert_matches_keras(Attention, init, inputs, call)
    if theirs.get_weights():
        _random_weights(ours, theirs)
        ours_inputs = [torch.as_tensor(x) for x in inputs]
        kwargs = {
            k: [None if m is None else torch.as_tensor(m) for m in v]
            if k == "mask"
            else v
            for k, v in call.items()
        }
        expected = theirs(inputs, **call)
        got = ours(ours_inputs, **kwargs)
        for a, b in zip(
            got if isinstance(got, tuple) else (got,),
            expected if isinstance(expected, tuple) else (expected,),
        ):
            np.testing.assert_allclose(
                a.detach().numpy(), keras.ops.convert_to_numpy(b), atol=1e-5
            )


def test_weights_match_keras():
    for init in INITS.values():
        ours, theirs, _, _ = assert_matches_keras(Attention, init, [QUERY, VALUE])
        assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
        assert [tuple(w.shape) for w in ours.weights] == [
            tuple(w.shape) for w in theirs.weights
        ]


def test_keras_masks_of_the_inputs_are_used_and_the_query_mask_is_kept():
    def build(layers, input_fn, model_cls, attention):
        q_ids = input_fn(shape=(3,), dtype="int32")
        v_ids = input_fn(shape=(5,), dtype="int32")
        q = layers.Embedding(10, 4, mask_zero=True)(q_ids)
        v = layers.Embedding(10, 4, mask_zero=True)(v_ids)
        return model_cls([q_ids, v_ids], attention([q, v]))

    mine = SimpleNamespace(Embedding=Embedding)
    ours = build(mine, Input, Model, Attention(use_scale=True))
    theirs = build(keras.layers, keras.Input, keras.Model, keras.layers.Attention(True))
    ours.set_weights(theirs.get_weights())
    q_ids, v_ids = np.array([[1, 2, 0], [3, 0, 0]]), np.array([[1, 2, 3, 0, 0]] * 2)
    out = ours([q_ids, v_ids])
    np.testing.assert_allclose(
        out.detach().numpy(),
        keras.ops.convert_to_numpy(theirs([q_ids, v_ids])),
        atol=1e-5,
    )
    assert torch.equal(out._keras_mask, torch.as_tensor(q_ids != 0))


def test_compute_mask_is_the_query_mask():
    layer = Attention()
    q_mask = torch.tensor([[True, False, True]])
    assert torch.equal(layer.compute_mask([QUERY, VALUE], [q_mask, None]), q_mask)
    assert layer.compute_mask([QUERY, VALUE], [None, torch.ones(1, 5)]) is None
    assert layer.compute_mask([QUERY, VALUE], None) is None
    out, scores = layer(
        [torch.as_tensor(QUERY), torch.as_tensor(VALUE)],
        mask=[torch.as_tensor(QUERY_MASK), None],
        return_attention_scores=True,
    )
    assert torch.equal(out._keras_mask, torch.as_tensor(QUERY_MASK))
    assert getattr(scores, "_keras_mask", None) is None


def test_hand_computed():
    # Scores [[0, 1]]: weights softmax([0, 1]) = [1 - p, p], p = e / (1 + e).
    query = torch.tensor([[[1.0, 0.0]]])
    key = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])
    value = torch.tensor([[[10.0], [20.0]]])
    out, weights = Attention()([query, value, key], return_attention_scores=True)
    p = np.e / (1 + np.e)
    np.testing.assert_allclose(weights.numpy(), [[[1 - p, p]]], rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), [[[10 + 10 * p]]], rtol=1e-6)


def test_dropout_acts_only_in_training_and_is_seeded():
    inputs = [torch.as_tensor(QUERY), torch.as_tensor(VALUE)]
    a, b = Attention(dropout=0.5, seed=3), Attention(dropout=0.5, seed=3)
    torch.testing.assert_close(a(inputs, training=True), b(inputs, training=True))
    assert not torch.allclose(a(inputs, training=True), a(inputs))
    torch.testing.assert_close(a(inputs), Attention()(inputs))


HARNESS = {
    "dot": ({}, [(2, 3, 4), (2, 5, 4)], {}, 0),
    "scaled_concat_scores": (
        {"use_scale": True, "score_mode": "concat"},
        [(2, 3, 4), (2, 5, 6), (2, 5, 4)],
        {"return_attention_scores": True},
        2,
    ),
    "dropout_causal": (
        {"dropout": 0.2, "seed": 1},
        [(2, 3, 4), (2, 3, 4)],
        {"use_causal_mask": True},
        0,
    ),
}


@pytest.mark.parametrize("init,shapes,call,n", HARNESS.values(), ids=HARNESS.keys())
def test_shared_layer_checks(init, shapes, call, n):
    run_layer_test(
        Attention,
        init,
        input_shape=shapes,
        call_kwargs=call,
        expected_num_trainable_weights=n,
        supports_masking=True,
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"use_scale": True, "score_mode": "concat", "dropout": 0.1, "seed": 2}],
    ids=["defaults", "everything"],
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = Attention(name="att", **kwargs).get_config()
    assert config == keras.layers.Attention(name="att", **kwargs).get_config()
    assert Attention.from_config(config).get_config() == config


def test_symbolic_shapes_match_keras():
    ours = Attention()([Input(shape=(3, 4)), Input(shape=(5, 6)), Input(shape=(5, 4))])
    theirs = keras.layers.Attention()(
        [
            keras.Input(shape=(3, 4)),
            keras.Input(shape=(5, 6)),
            keras.Input(shape=(5, 4)),
        ]
    )
    assert ours.shape == tuple(theirs.shape) == (None, 3, 6)


def test_model_with_attention_fits_and_loss_drops():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 12, size=(96, 6))
    labels = (ids[:, 0] > 6).astype("int64")
    inputs = Input(shape=(6,), dtype="int32")
    x = Embedding(12, 8)(inputs)
    x = Attention(use_scale=True)([x, x])
    model = Model(inputs, Dense(2)(Flatten()(x)))
    model.compile(
        optimizer=Adam(learning_rate=0.02),
        loss=SparseCategoricalCrossentropy(from_logits=True),
    )
    losses = model.fit(ids, labels, epochs=5, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.8 * losses[0]


def test_bad_score_mode_is_refused():
    with pytest.raises(
        ValueError,
        match=r"Invalid value for argument `score_mode` of `Attention`: expected "
        r"one of 'dot', 'concat'",
    ):
        Attention(score_mode="add")


def test_single_tensor_input_names_layer_and_fix():
    with pytest.raises(
        ValueError, match=r"`Attention` \(layer 'att'\).*\[query, value\].*\[x, x\]"
    ):
        Attention(name="att")(torch.ones(2, 3, 4))


def test_mismatched_query_and_key_sizes_are_explained():
    with pytest.raises(
        ValueError, match=r"same last axis size.*\(2, 3, 4\).*\(2, 5, 6\)"
    ):
        Attention()([torch.ones(2, 3, 4), torch.ones(2, 5, 6)])


def test_mask_that_is_not_a_list_is_explained():
    with pytest.raises(ValueError, match=r"\[query_mask, value_mask\]"):
        Attention()(
            [torch.ones(2, 3, 4), torch.ones(2, 5, 4)],
            mask=torch.ones(2, 3, dtype=bool),
        )


def test_rank_two_inputs_name_layer_shape_and_fix():
    with pytest.raises(
        ValueError, match=r"'att'.*query of rank 3 or more.*\(2, 4\).*x\[:, None, :\]"
    ):
        Attention(name="att")([torch.ones(2, 4), torch.ones(2, 5, 4)])


def test_key_of_another_length_than_value_is_explained():
    with pytest.raises(ValueError, match=r"'att'.*same number of positions"):
        Attention(name="att")(
            [torch.ones(2, 3, 4), torch.ones(2, 5, 4), torch.ones(2, 6, 4)]
        )


def test_fused_kernel_runs_only_when_it_computes_the_same(monkeypatch):
    calls = []
    fused = torch.nn.functional.scaled_dot_product_attention

    def spy(*args, **kwargs):
        calls.append(1)
        return fused(*args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", spy)
    inputs = [torch.as_tensor(QUERY), torch.as_tensor(VALUE)]
    Attention(dropout=0.3)(inputs)
    Attention()(inputs, mask=[None, torch.as_tensor(VALUE_MASK)])
    assert len(calls) == 2
    Attention()(inputs, return_attention_scores=True)
    Attention(score_mode="concat")(inputs)
    Attention(dropout=0.3)(inputs, training=True)
    assert len(calls) == 2
