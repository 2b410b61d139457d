"""`MultiHeadAttention` against real Keras 3 and plain torch: values, masks,
attention axes, shapes, config, gradients, errors, and a Transformer block."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ember import ops as ember_ops
from ember.layers.attention.multi_head_attention import MultiHeadAttention
from ember.layers.core.dense import Dense
from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.merging.add import Add
from ember.layers.reshaping.flatten import Flatten
from ember.losses import SparseCategoricalCrossentropy
from ember.models import Model
from ember.optimizers import Adam
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


def compare_with_keras(init_kwargs, shapes, call_kwargs=None, keras_cls=None):
    """Builds the layer in both, copies Keras's weights and compares outputs."""
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(s).astype("float32") for s in shapes]
    call_kwargs = call_kwargs or {}
    kwargs = {"bias_initializer": "random_normal", **init_kwargs}
    theirs = (keras_cls or keras.layers.MultiHeadAttention)(**kwargs)
    expected = _tuple(theirs(*inputs, **call_kwargs))
    ours = MultiHeadAttention(**init_kwargs)
    ours_kwargs = {
        k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v
        for k, v in call_kwargs.items()
    }
    tensors = [torch.as_tensor(x) for x in inputs]
    ours(*tensors, **ours_kwargs)
    ours.set_weights(theirs.get_weights())
    got = _tuple(ours(*tensors, **ours_kwargs))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-5)
    return ours, theirs, got


MASK = np.ones((2, 4, 6), bool)
MASK[0, 1, :] = False  # a query row that sees nothing
MASK[1, :, 2] = False
SELF_MASK = np.tril(np.ones((4, 4), bool))[None].repeat(2, 0)
SELF_MASK[1, 3, :] = False
VALUE_MASK = np.ones((2, 6), bool)
VALUE_MASK[0, 3:] = False
VALUE_MASK[1, 0] = False
PER_HEAD_MASK = np.random.default_rng(3).random((2, 2, 4, 6)) > 0.4
PER_HEAD_MASK[1, 0, 2, :] = False  # one head's query row sees nothing

# init kwargs, input shapes (query, value[, key]), call kwargs
CASES = {
    "self": ({"num_heads": 2, "key_dim": 3}, [(2, 4, 5), (2, 4, 5)], {}),
    "cross": ({"num_heads": 2, "key_dim": 3}, [(2, 4, 5), (2, 6, 7)], {}),
    "cross_with_key": (
        {"num_heads": 3, "key_dim": 2},
        [(2, 4, 5), (2, 6, 7), (2, 6, 3)],
        {},
    ),
    "value_dim": ({"num_heads": 2, "key_dim": 3, "value_dim": 5}, [(2, 4, 5)] * 2, {}),
    "output_shape_int": (
        {"num_heads": 2, "key_dim": 3, "output_shape": 7},
        [(2, 4, 5), (2, 6, 5)],
        {},
    ),
    "output_shape_tuple": (
        {"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": (2, 3)},
        [(2, 4, 5), (2, 6, 5)],
        {},
    ),
    "no_bias": ({"num_heads": 2, "key_dim": 3, "use_bias": False}, [(2, 4, 5)] * 2, {}),
    "gate": ({"num_heads": 2, "key_dim": 3, "use_gate": True}, [(2, 4, 5)] * 2, {}),
    "scores": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"return_attention_scores": True},
    ),
    "attention_mask": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": MASK},
    ),
    "attention_mask_scores": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": MASK, "return_attention_scores": True},
    ),
    "attention_mask_2d": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": MASK[1].astype("int32")},
    ),
    "causal": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5)] * 2,
        {"use_causal_mask": True},
    ),
    "causal_cross": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"use_causal_mask": True},
    ),
    "causal_scores": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5)] * 2,
        {"use_causal_mask": True, "return_attention_scores": True},
    ),
    "causal_and_mask": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5)] * 2,
        {"use_causal_mask": True, "attention_mask": SELF_MASK},
    ),
    "sliding_window_causal": (
        {"num_heads": 2, "key_dim": 3, "sliding_window": 2},
        [(2, 4, 5)] * 2,
        {"use_causal_mask": True},
    ),
    "dropout_inference": (
        {"num_heads": 2, "key_dim": 3, "dropout": 0.5},
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": MASK},
    ),
    "axes_2_on_4d": (
        {"num_heads": 2, "key_dim": 3, "attention_axes": (2,)},
        [(2, 3, 4, 5), (2, 3, 4, 5)],
        {"return_attention_scores": True},
    ),
    "axes_neg_on_4d": (
        {"num_heads": 2, "key_dim": 3, "attention_axes": -2},
        [(2, 3, 4, 5), (2, 3, 6, 5)],
        {},
    ),
    "axes_1_2_on_4d": (
        {"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)},
        [(2, 3, 4, 5), (2, 2, 3, 5)],
        {"return_attention_scores": True},
    ),
    "axes_1_2_masked": (
        {"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)},
        [(2, 3, 4, 5), (2, 3, 4, 5)],
        {"attention_mask": np.random.default_rng(1).random((2, 3, 4, 3, 4)) > 0.3},
    ),
    "default_axes_on_5d": (
        {"num_heads": 2, "key_dim": 2},
        [(2, 2, 3, 2, 4), (2, 2, 3, 2, 4)],
        {},
    ),
    "value_mask": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"value_mask": VALUE_MASK},
    ),
    "value_mask_scores": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"value_mask": VALUE_MASK, "return_attention_scores": True},
    ),
    "key_mask": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5), (2, 6, 3)],
        {"key_mask": VALUE_MASK.astype("int32")},
    ),
    "key_and_attention_masks_causal": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 6, 5), (2, 6, 5), (2, 6, 3)],
        {
            "key_mask": VALUE_MASK,
            "attention_mask": MASK[:, :1].repeat(6, 1),
            "use_causal_mask": True,
        },
    ),
    "value_mask_causal_scores_dropout_inference": (
        {"num_heads": 2, "key_dim": 3, "dropout": 0.3},
        [(2, 6, 5)] * 2,
        {
            "value_mask": VALUE_MASK,
            "use_causal_mask": True,
            "return_attention_scores": True,
        },
    ),
    "causal_dropout_inference": (
        {"num_heads": 2, "key_dim": 3, "dropout": 0.3},
        [(2, 4, 5)] * 2,
        {"use_causal_mask": True},
    ),
    "attention_mask_per_head": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": PER_HEAD_MASK},
    ),
    "attention_mask_per_head_scores": (
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": PER_HEAD_MASK, "return_attention_scores": True},
    ),
    "sliding_window_cross_scores": (
        {"num_heads": 2, "key_dim": 3, "sliding_window": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"return_attention_scores": True},
    ),
    "output_shape_axes_scores_gate": (
        {
            "num_heads": 3,
            "key_dim": 2,
            "value_dim": 3,
            "output_shape": (4,),
            "attention_axes": (2,),
            "use_gate": True,
        },
        [(2, 3, 4, 5), (2, 3, 6, 5)],
        {"return_attention_scores": True},
    ),
    "axes_2_masked_scores": (
        {"num_heads": 2, "key_dim": 3, "attention_axes": 2},
        [(2, 3, 4, 5), (2, 3, 6, 5)],
        {
            "attention_mask": np.random.default_rng(2).random((2, 3, 4, 6)) > 0.3,
            "return_attention_scores": True,
        },
    ),
}


@pytest.mark.parametrize("init,shapes,call", CASES.values(), ids=CASES.keys())
def test_matches_keras(init, shapes, call):
    compare_with_keras(init, shapes, call)


def test_weights_match_keras_names_shapes_and_order():
    ours, theirs, _ = compare_with_keras(
        {"num_heads": 2, "key_dim": 3, "value_dim": 4, "use_gate": True},
        [(2, 4, 5), (2, 6, 7), (2, 6, 3)],
    )
    assert [w.path.split("/", 1)[1] for w in theirs.weights] == [
        w.path for w in ours.weights
    ]
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]
    assert [w.path for w in ours.weights][:2] == ["query/kernel", "query/bias"]
    assert ours.count_params() == theirs.count_params()


def _masked_model(layers, input_fn, model_cls, mha):
    query_ids = input_fn(shape=(5,), dtype="int32")
    value_ids = input_fn(shape=(6,), dtype="int32")
    query = layers.Embedding(10, 8, mask_zero=True)(query_ids)
    value = layers.Embedding(10, 8, mask_zero=True)(value_ids)
    out, scores = mha(query, value, return_attention_scores=True)
    return model_cls([query_ids, value_ids], [layers.Dense(3)(out), scores])


QUERY_IDS = np.array([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0]])
VALUE_IDS = np.array([[1, 2, 0, 0, 0, 0], [5, 6, 7, 8, 9, 1]])


@pytest.mark.parametrize("dropout", [0.0, 0.3], ids=["no_dropout", "dropout"])
def test_keras_masks_from_embeddings_match_keras(dropout):
    mine = SimpleNamespace(Embedding=Embedding, Dense=Dense)
    ours = _masked_model(mine, Input, Model, MultiHeadAttention(2, 4, dropout=dropout))
    theirs = _masked_model(
        keras.layers,
        keras.Input,
        keras.Model,
        keras.layers.MultiHeadAttention(2, 4, dropout=dropout),
    )
    ours.set_weights(theirs.get_weights())
    for a, b in zip(ours([QUERY_IDS, VALUE_IDS]), theirs([QUERY_IDS, VALUE_IDS])):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-5)


def test_self_attention_on_masked_embeddings_matches_keras_and_keeps_the_mask():
    def build(layers, input_fn, model_cls, mha):
        ids = input_fn(shape=(5,), dtype="int32")
        x = layers.Embedding(10, 8, mask_zero=True)(ids)
        return model_cls(ids, layers.Dense(2)(mha(x, x)))

    mine = SimpleNamespace(Embedding=Embedding, Dense=Dense)
    ours = build(mine, Input, Model, MultiHeadAttention(2, 4))
    theirs = build(
        keras.layers, keras.Input, keras.Model, keras.layers.MultiHeadAttention(2, 4)
    )
    ours.set_weights(theirs.get_weights())
    out = ours(QUERY_IDS)
    np.testing.assert_allclose(_np(out), _np(theirs(QUERY_IDS)), atol=1e-5)
    assert torch.equal(out._keras_mask, torch.as_tensor(QUERY_IDS != 0))


def test_explicit_masks_equal_keras_masks():
    layer = MultiHeadAttention(2, 3)
    q, v = torch.randn(2, 4, 5), torch.randn(2, 6, 5)
    q_mask = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0]], dtype=torch.bool)
    v_mask = torch.tensor([[1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]], dtype=torch.bool)
    explicit = layer(q, v, query_mask=q_mask, value_mask=v_mask)
    q._keras_mask, v._keras_mask = q_mask, v_mask
    implicit = layer(q, v)
    torch.testing.assert_close(explicit, implicit)
    as_attention_mask = layer(
        q, v, attention_mask=q_mask[:, :, None] & v_mask[:, None, :]
    )
    torch.testing.assert_close(explicit, as_attention_mask)
    assert torch.equal(explicit._keras_mask, q_mask)


def test_key_mask_is_read_from_the_key():
    layer = MultiHeadAttention(2, 3)
    q, v, k = torch.randn(2, 4, 5), torch.randn(2, 6, 5), torch.randn(2, 6, 5)
    k._keras_mask = torch.tensor([[1, 1, 1, 0, 0, 0]] * 2, dtype=torch.bool)
    torch.testing.assert_close(
        layer(q, v, k),
        layer(q, v, key=k.clone(), attention_mask=k._keras_mask[:, None]),
    )


def test_common_case_runs_torch_fused_kernel(monkeypatch):
    calls = []
    fused = torch.nn.functional.scaled_dot_product_attention

    def spy(*args, **kwargs):
        calls.append(kwargs.get("is_causal"))
        return fused(*args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", spy)
    layer = MultiHeadAttention(2, 3, dropout=0.1)
    x = torch.randn(2, 4, 5)
    layer(x, x)
    layer(x, x, use_causal_mask=True)
    assert calls == [False, True]
    layer(x, x, return_attention_scores=True)
    layer(x, x, training=True)
    assert len(calls) == 2  # explicit scores for returned scores and dropout


def test_forward_and_gradients_match_plain_torch():
    layer = MultiHeadAttention(2, 3, value_dim=4, bias_initializer="random_normal")
    q = torch.randn(2, 4, 5, requires_grad=True)
    v = torch.randn(2, 6, 5, requires_grad=True)
    out = layer(q, v)
    out.square().sum().backward()

    ref = {w.path: w.detach().clone().requires_grad_(True) for w in layer.weights}
    rq, rv = q.detach().clone().requires_grad_(True), v.detach().clone()
    rv.requires_grad_(True)
    qh = torch.einsum("btf,fnh->btnh", rq, ref["query/kernel"]) + ref["query/bias"]
    kh = torch.einsum("bsf,fnh->bsnh", rv, ref["key/kernel"]) + ref["key/bias"]
    vh = torch.einsum("bsf,fnh->bsnh", rv, ref["value/kernel"]) + ref["value/bias"]
    probs = torch.softmax(torch.einsum("btnh,bsnh->bnts", qh, kh) / 3**0.5, dim=-1)
    heads = torch.einsum("bnts,bsnh->btnh", probs, vh)
    expected = (
        torch.einsum("btnh,nhf->btf", heads, ref["attention_output/kernel"])
        + ref["attention_output/bias"]
    )
    expected.square().sum().backward()
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(q.grad, rq.grad)
    torch.testing.assert_close(v.grad, rv.grad)
    for w in layer.weights:
        torch.testing.assert_close(w.grad, ref[w.path].grad)


def test_hand_computed_equal_keys_average_the_values():
    # All-ones kernels and a key of zeros: every logit is 0, so each query
    # weighs the three values evenly and returns their mean, (1 + 2 + 6) / 3.
    layer = MultiHeadAttention(1, 1, use_bias=False, kernel_initializer="ones")
    query = torch.randn(1, 2, 1)
    value = torch.tensor([[[1.0], [2.0], [6.0]]])
    assert layer(query, value, torch.zeros(1, 3, 1)).tolist() == [[[3.0], [3.0]]]


class _ListCall(MultiHeadAttention):
    """Takes `[query, value]` as one argument, for the shared layer checks."""

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        return super().__call__(*args, **kwargs)


HARNESS = {
    "self": ({"num_heads": 2, "key_dim": 3}, [(2, 4, 5), (2, 4, 5)], {}, 8),
    "gate_no_bias": (
        {"num_heads": 2, "key_dim": 3, "use_gate": True, "use_bias": False},
        [(2, 4, 5), (2, 6, 7)],
        {},
        5,
    ),
    "output_shape_axes": (
        {"num_heads": 2, "key_dim": 2, "output_shape": (2, 3), "attention_axes": 2},
        [(2, 3, 4, 5), (2, 3, 4, 5)],
        {},
        8,
    ),
    "scores_dropout": (
        {"num_heads": 2, "key_dim": 3, "dropout": 0.2, "seed": 3},
        [(2, 4, 5), (2, 6, 5)],
        {"return_attention_scores": True, "use_causal_mask": True},
        8,
    ),
}


@pytest.mark.parametrize("init,shapes,call,n", HARNESS.values(), ids=HARNESS.keys())
def test_shared_layer_checks(init, shapes, call, n):
    run_layer_test(
        _ListCall,
        init,
        input_shape=shapes,
        call_kwargs=call,
        expected_num_trainable_weights=n,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_symbolic_shapes_match_keras():
    for kwargs, q_shape, v_shape in [
        ({"num_heads": 2, "key_dim": 3}, (4, 5), (6, 7)),
        ({"num_heads": 2, "key_dim": 3, "output_shape": (2, 3)}, (None, 5), (None, 5)),
        ({"num_heads": 2, "key_dim": 3, "attention_axes": (2,)}, (3, 4, 5), (3, 4, 5)),
    ]:
        ours = MultiHeadAttention(**kwargs)(Input(shape=q_shape), Input(shape=v_shape))
        theirs = keras.layers.MultiHeadAttention(**kwargs)(
            keras.Input(shape=q_shape), keras.Input(shape=v_shape)
        )
        assert ours.shape == tuple(theirs.shape)
    # Keras's symbolic scores shape assumes T == S; ember's follows the values.
    _, scores = MultiHeadAttention(2, 3)(
        Input(shape=(4, 5)), Input(shape=(6, 5)), return_attention_scores=True
    )
    assert scores.shape == (None, 2, 4, 6)


CONFIGS = {
    "defaults": {"num_heads": 2, "key_dim": 3},
    "everything": {
        "num_heads": 4,
        "key_dim": 8,
        "value_dim": 6,
        "dropout": 0.1,
        "use_bias": False,
        "output_shape": (3, 2),
        "attention_axes": (1, 2),
        "sliding_window": 3,
        "kernel_initializer": "he_normal",
        "bias_initializer": "ones",
        "kernel_regularizer": "l2",
        "bias_regularizer": "l2",
        "activity_regularizer": "l2",
        "kernel_constraint": "max_norm",
        "bias_constraint": "non_neg",
        "use_gate": True,
        "seed": 7,
    },
    "int_axis_and_shape": {
        "num_heads": 1,
        "key_dim": 2,
        "attention_axes": 2,
        "output_shape": 5,
    },
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = MultiHeadAttention(name="mha", **kwargs).get_config()
    assert config == keras.layers.MultiHeadAttention(name="mha", **kwargs).get_config()
    assert MultiHeadAttention.from_config(config).get_config() == config


def test_built_config_matches_keras():
    x = np.zeros((2, 3, 4, 5), "float32")
    ours = MultiHeadAttention(2, 3, attention_axes=-2, name="m")
    theirs = keras.layers.MultiHeadAttention(2, 3, attention_axes=-2, name="m")
    ours(x, x)
    theirs(x, x)
    assert ours.get_config() == theirs.get_config()
    assert ours.get_config()["attention_axes"] == (2,)


def test_loads_a_keras_config():
    config = keras.layers.MultiHeadAttention(4, 2, output_shape=3).get_config()
    layer = MultiHeadAttention.from_config(config)
    x = torch.randn(2, 5, 6)
    assert layer(x, x).shape == (2, 5, 3)


def test_dropout_is_seeded_and_only_in_training():
    x = torch.randn(2, 4, 5)
    a = MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    b = MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    a(x, x)
    b(x, x)
    b.set_weights(a.get_weights())
    torch.testing.assert_close(a(x, x, training=True), b(x, x, training=True))
    assert not torch.allclose(a(x, x, training=True), a(x, x))
    torch.testing.assert_close(a(x, x), b(x, x, training=False))


def test_activity_regularizer_applies_to_each_projection_like_keras():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    ours = MultiHeadAttention(2, 2, activity_regularizer="l2")
    theirs = keras.layers.MultiHeadAttention(2, 2, activity_regularizer="l2")
    theirs(x, x)
    ours(x, x)
    ours.set_weights(theirs.get_weights())
    ours(x, x)
    assert len(ours.losses) == len(theirs.losses) == 4
    np.testing.assert_allclose(
        sorted(float(v.detach()) for v in ours.losses),
        sorted(float(_np(v)) for v in theirs.losses),
        rtol=1e-5,
    )


def test_transformer_block_fits_and_loss_drops():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 20, size=(96, 8))
    ids[::3, 6:] = 0  # padding, masked through Embedding(mask_zero=True)
    labels = (ids[:, 0] > 10).astype("int64")

    inputs = Input(shape=(8,), dtype="int32")
    x = Embedding(20, 16, mask_zero=True)(inputs)
    attended = MultiHeadAttention(num_heads=2, key_dim=8, dropout=0.1)(x, x)
    x = Add()([x, attended])
    x = Dense(16, activation="relu")(x)
    outputs = Dense(2)(Flatten()(x))
    model = Model(inputs, outputs)
    model.compile(
        optimizer=Adam(learning_rate=0.01),
        loss=SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(ids, labels, epochs=5, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0]


# ---------------------------------------------------------------- errors
def test_missing_key_dim_names_the_layer_and_the_fix():
    with pytest.raises(TypeError, match=r"`MultiHeadAttention` is missing .*`key_dim`"):
        MultiHeadAttention(num_heads=2)


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"num_heads": 0, "key_dim": 2}, "num_heads"),
        ({"num_heads": 2, "key_dim": 2.5}, "key_dim"),
        ({"num_heads": 2, "key_dim": 2, "value_dim": -1}, "value_dim"),
        ({"num_heads": 2, "key_dim": 2, "dropout": 1.5}, "dropout"),
        ({"num_heads": 2, "key_dim": 2, "attention_axes": "1"}, "attention_axes"),
        ({"num_heads": 2, "key_dim": 2, "output_shape": (0,)}, "output_shape"),
        ({"num_heads": 2, "key_dim": 2, "sliding_window": 0}, "sliding_window"),
        (
            {"num_heads": 2, "key_dim": 2, "dropout": 0.1, "flash_attention": True},
            "flash_attention",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_are_refused(kwargs, argument):
    with pytest.raises(
        ValueError,
        match=rf"Invalid value for argument `{argument}` of `MultiHeadAttention`",
    ):
        MultiHeadAttention(**kwargs)


def test_rank_two_query_names_layer_shape_and_fix():
    layer = MultiHeadAttention(2, 3, name="mha")
    with pytest.raises(
        ValueError, match=r"'mha'.*rank 3 or more.*\(2, 5\).*x\[:, None, :\]"
    ):
        layer(torch.ones(2, 5), torch.ones(2, 5))


def test_query_value_rank_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"same rank.*\(2, 4, 5\).*\(2, 3, 4, 5\)"):
        MultiHeadAttention(2, 3)(torch.ones(2, 4, 5), torch.ones(2, 3, 4, 5))


def test_value_key_length_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"value and key to agree"):
        MultiHeadAttention(2, 3)(
            torch.ones(2, 4, 5), torch.ones(2, 6, 5), torch.ones(2, 7, 5)
        )


def test_bad_attention_axis_is_explained():
    with pytest.raises(ValueError, match=r"cannot attend over axis 3.*\[1, 2\]"):
        MultiHeadAttention(2, 3, attention_axes=3)(
            torch.ones(2, 3, 4, 5), torch.ones(2, 3, 4, 5)
        )


def test_wrong_attention_mask_shape_is_explained():
    layer = MultiHeadAttention(2, 3, name="mha")
    with pytest.raises(ValueError, match=r"'mha'.*attention mask of shape \(2, 4, 5\)"):
        layer(
            torch.ones(2, 4, 5), torch.ones(2, 6, 5), attention_mask=torch.ones(2, 4, 5)
        )


def test_scores_with_flash_attention_are_refused():
    layer = MultiHeadAttention(2, 3, flash_attention=True, name="mha")
    x = torch.ones(2, 4, 5)
    with pytest.raises(ValueError, match=r"'mha'.*cannot return attention scores"):
        layer(x, x, return_attention_scores=True)


# ------------------------------------------------- Keras's internal structure
@pytest.mark.parametrize(
    "kwargs,shape",
    [
        ({"num_heads": 2, "key_dim": 3, "dropout": 0.2, "seed": 4}, (2, 4, 5)),
        ({"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)}, (2, 3, 4, 5)),
        ({"num_heads": 1, "key_dim": 2, "attention_axes": -2}, (2, 2, 3, 4, 5)),
        ({"num_heads": 2, "key_dim": 3, "use_gate": True}, (2, 4, 5)),
    ],
    ids=["dropout", "axes_1_2", "axes_neg", "gate"],
)
def test_sublayers_and_equations_are_keras_s(kwargs, shape):
    x = np.zeros(shape, "float32")
    ours, theirs = (
        MultiHeadAttention(**kwargs),
        keras.layers.MultiHeadAttention(**kwargs),
    )
    ours(x, x)
    theirs(x, x)
    names = ["_query_dense", "_key_dense", "_value_dense", "_output_dense"]
    names += ["_gate_dense"] if kwargs.get("use_gate") else []
    for name in names:
        mine, keras_sub = getattr(ours, name), getattr(theirs, name)
        assert type(mine).__name__ == "EinsumDense"
        assert mine.name == keras_sub.name
        assert mine.equation == keras_sub.equation
        assert mine.get_config()["bias_axes"] == keras_sub.get_config()["bias_axes"]
    for name in ["query_dense", "key_dense", "value_dense", "output_dense"]:
        assert getattr(ours, name) is getattr(ours, "_" + name)
    assert ours._dot_product_equation == theirs._dot_product_equation
    assert ours._combine_equation == theirs._combine_equation
    assert ours._attention_axes == ours.attention_axes == theirs._attention_axes
    assert type(ours._softmax).__name__ == "Softmax"
    assert tuple(np.atleast_1d(ours._softmax.axis)) == tuple(theirs._softmax.axis)
    assert type(ours._dropout_layer).__name__ == "Dropout"
    assert ours._dropout_layer.rate == theirs._dropout_layer.rate
    assert ours._dropout_layer.seed == theirs._dropout_layer.seed
    assert ours._inverse_sqrt_key_dim == theirs._inverse_sqrt_key_dim
    assert (ours._num_heads, ours._key_dim, ours._value_dim, ours._dropout) == (
        theirs._num_heads,
        theirs._key_dim,
        theirs._value_dim,
        theirs._dropout,
    )


def _keras_style_subclass(base, einsum):
    """A subclass written against Keras's `_compute_attention` hook: halves
    the logits, through Keras's own attributes and helpers."""

    class Tempered(base):
        def _compute_attention(
            self,
            query,
            key,
            value,
            attention_mask=None,
            training=None,
            return_attention_scores=False,
            use_causal_mask=False,
        ):
            query = query * self._inverse_sqrt_key_dim * 0.5
            scores = einsum(self._dot_product_equation, key, query)
            scores = self._masked_softmax(scores, attention_mask)
            dropped = self._dropout_layer(scores, training=training)
            return einsum(self._combine_equation, dropped, value), scores

    return Tempered


@pytest.mark.parametrize(
    "call",
    [
        {"use_causal_mask": True},
        {"attention_mask": SELF_MASK, "return_attention_scores": True},
        {},
    ],
    ids=["causal_only", "mask_scores", "plain"],
)
def test_keras_style_subclass_overriding_compute_attention_matches_keras(call):
    # A causal mask alone reaches an override as a materialised mask (Keras
    # keeps the fused is_causal shortcut to its own _compute_attention).
    ours_cls = _keras_style_subclass(MultiHeadAttention, ember_ops.einsum)
    theirs_cls = _keras_style_subclass(
        keras.layers.MultiHeadAttention, keras.ops.einsum
    )
    x = np.random.default_rng(6).standard_normal((2, 4, 5)).astype("float32")
    theirs = theirs_cls(2, 3, bias_initializer="random_normal")
    expected = _tuple(theirs(x, x, **call))
    ours = ours_cls(2, 3)
    kwargs = {
        k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v
        for k, v in call.items()
    }
    ours(torch.as_tensor(x), torch.as_tensor(x), **kwargs)
    ours.set_weights(theirs.get_weights())
    got = _tuple(ours(torch.as_tensor(x), torch.as_tensor(x), **kwargs))
    for a, b in zip(got, expected):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-5)
    plain = MultiHeadAttention(2, 3)
    plain(torch.as_tensor(x), torch.as_tensor(x))
    plain.set_weights(theirs.get_weights())
    assert not torch.allclose(got[0], plain(torch.as_tensor(x), torch.as_tensor(x)))
