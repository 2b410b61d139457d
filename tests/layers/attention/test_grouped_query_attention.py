"""`GroupedQueryAttention` against real Keras 3 (`GroupQueryAttention`)."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ember import ops as ember_ops
from ember.layers.attention import GroupQueryAttention
from ember.layers.attention.grouped_query_attention import GroupedQueryAttention
from ember.layers.core.dense import Dense
from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.models import Model
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


def compare_with_keras(init_kwargs, shapes, call_kwargs=None):
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(s).astype("float32") for s in shapes]
    call_kwargs = call_kwargs or {}
    kwargs = {"bias_initializer": "random_normal", **init_kwargs}
    theirs = keras.layers.GroupQueryAttention(**kwargs)
    expected = _tuple(theirs(*inputs, **call_kwargs))
    ours = GroupedQueryAttention(**init_kwargs)
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
    return ours, theirs


MASK = np.ones((2, 4, 6), bool)
MASK[0, 1, :] = False
MASK[1, :, 2] = False
HEADS = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}

CASES = {
    "self": (HEADS, [(2, 4, 5)] * 2, {}),
    "cross_with_key": (HEADS, [(2, 4, 5), (2, 6, 7), (2, 6, 3)], {}),
    "multi_query": ({**HEADS, "num_key_value_heads": 1}, [(2, 4, 5), (2, 6, 5)], {}),
    "multi_head": ({**HEADS, "num_key_value_heads": 4}, [(2, 4, 5), (2, 6, 5)], {}),
    "scores": (HEADS, [(2, 4, 5), (2, 6, 5)], {"return_attention_scores": True}),
    "attention_mask": (HEADS, [(2, 4, 5), (2, 6, 5)], {"attention_mask": MASK}),
    "attention_mask_scores": (
        HEADS,
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": MASK, "return_attention_scores": True},
    ),
    "causal": (HEADS, [(2, 4, 5)] * 2, {"use_causal_mask": True}),
    "causal_scores": (
        HEADS,
        [(2, 4, 5)] * 2,
        {"use_causal_mask": True, "return_attention_scores": True},
    ),
    "gate_window_no_bias": (
        {**HEADS, "use_gate": True, "sliding_window": 2, "use_bias": False},
        [(2, 4, 5)] * 2,
        {"use_causal_mask": True},
    ),
    "dropout_inference_masked": (
        {**HEADS, "dropout": 0.4},
        [(2, 4, 5), (2, 6, 5)],
        {"attention_mask": MASK},
    ),
}


VALUE_MASK = np.ones((2, 6), bool)
VALUE_MASK[0, 3:] = False
VALUE_MASK[1, 0] = False
QUERY_MASK = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
CASES.update(
    {
        "query_mask": (HEADS, [(2, 4, 5), (2, 6, 5)], {"query_mask": QUERY_MASK}),
        "value_mask_scores": (
            HEADS,
            [(2, 4, 5), (2, 6, 5)],
            {"value_mask": VALUE_MASK, "return_attention_scores": True},
        ),
        "key_mask": (
            HEADS,
            [(2, 4, 5), (2, 6, 5), (2, 6, 3)],
            {"key_mask": VALUE_MASK.astype("int32")},
        ),
        "all_masks_causal": (
            HEADS,
            [(2, 4, 5), (2, 4, 5), (2, 4, 3)],
            {
                "query_mask": QUERY_MASK,
                "value_mask": VALUE_MASK[:, :4],
                "key_mask": VALUE_MASK[:, 2:],
                "attention_mask": MASK[:, :, :4],
                "use_causal_mask": True,
            },
        ),
        "causal_dropout_inference": (
            {**HEADS, "dropout": 0.3},
            [(2, 4, 5)] * 2,
            {"use_causal_mask": True},
        ),
        "attention_mask_per_head": (
            HEADS,
            [(2, 4, 5), (2, 6, 5)],
            {"attention_mask": np.random.default_rng(3).random((2, 4, 4, 6)) > 0.4},
        ),
    }
)


@pytest.mark.parametrize("init,shapes,call", CASES.values(), ids=CASES.keys())
def test_matches_keras(init, shapes, call):
    compare_with_keras(init, shapes, call)


RATIO_CALLS = {
    "plain": {},
    "causal": {"use_causal_mask": True},
    "masked_scores": {
        "attention_mask": MASK[:, :, :4],
        "return_attention_scores": True,
    },
}


@pytest.mark.parametrize("call", RATIO_CALLS.values(), ids=RATIO_CALLS.keys())
@pytest.mark.parametrize(
    "query_heads,kv_heads",
    [(6, 1), (6, 2), (6, 3), (6, 6), (8, 2)],
    ids=lambda v: str(v),
)
def test_head_ratios_match_keras(query_heads, kv_heads, call):
    compare_with_keras(
        {
            "head_dim": 2,
            "num_query_heads": query_heads,
            "num_key_value_heads": kv_heads,
        },
        [(2, 4, 5), (2, 4, 5)],
        call,
    )


def test_weights_match_keras_names_shapes_and_order():
    ours, theirs = compare_with_keras(
        {**HEADS, "use_gate": True}, [(2, 4, 5), (2, 6, 7), (2, 6, 3)]
    )
    assert [w.path.split("/", 1)[1] for w in theirs.weights] == [
        w.path for w in ours.weights
    ]
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]


# Keras warns that its projections drop the masks (ember drops them silently).
@pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning")
def test_keras_masks_from_embeddings_match_keras():
    def build(layers, input_fn, model_cls, gqa):
        q_ids = input_fn(shape=(5,), dtype="int32")
        v_ids = input_fn(shape=(6,), dtype="int32")
        q = layers.Embedding(10, 8, mask_zero=True)(q_ids)
        v = layers.Embedding(10, 8, mask_zero=True)(v_ids)
        return model_cls([q_ids, v_ids], layers.Dense(3)(gqa(q, v)))

    mine = SimpleNamespace(Embedding=Embedding, Dense=Dense)
    ours = build(mine, Input, Model, GroupedQueryAttention(**HEADS))
    theirs = build(
        keras.layers,
        keras.Input,
        keras.Model,
        keras.layers.GroupQueryAttention(**HEADS),
    )
    ours.set_weights(theirs.get_weights())
    q_ids = np.array([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0]])
    v_ids = np.array([[1, 2, 0, 0, 0, 0], [5, 6, 7, 8, 9, 1]])
    out = ours([q_ids, v_ids])
    np.testing.assert_allclose(_np(out), _np(theirs([q_ids, v_ids])), atol=1e-5)
    assert torch.equal(out._keras_mask, torch.as_tensor(q_ids != 0))


def test_grouped_heads_equal_multi_head_attention_with_shared_heads():
    # Each pair of query heads reads the same key/value head: the same layer
    # as MultiHeadAttention whose key/value kernels repeat each head twice.
    from ember.layers.attention.multi_head_attention import MultiHeadAttention

    gqa = GroupedQueryAttention(**HEADS)
    mha = MultiHeadAttention(num_heads=4, key_dim=3)
    x = torch.randn(2, 4, 5)
    gqa(x, x)
    mha(x, x)
    weights = [w.detach() for w in gqa.weights]
    shared = [w.repeat_interleave(2, dim=-2) for w in weights[2:6]]
    mha.set_weights([weights[0], weights[1], *shared, weights[6], weights[7]])
    torch.testing.assert_close(gqa(x, x), mha(x, x))


class _ListCall(GroupedQueryAttention):
    def __call__(self, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        return super().__call__(*args, **kwargs)


@pytest.mark.parametrize(
    "init,call",
    [
        (HEADS, {}),
        ({**HEADS, "dropout": 0.2, "seed": 1}, {"return_attention_scores": True}),
    ],
    ids=["plain", "dropout_scores"],
)
def test_shared_layer_checks(init, call):
    run_layer_test(
        _ListCall,
        init,
        input_shape=[(2, 4, 5), (2, 6, 7)],
        call_kwargs=call,
        expected_num_trainable_weights=8,
        supports_masking=True,
    )


CONFIGS = {
    "defaults": HEADS,
    "everything": {
        **HEADS,
        "dropout": 0.1,
        "use_bias": False,
        "sliding_window": 4,
        "kernel_initializer": "he_normal",
        "bias_initializer": "ones",
        "kernel_regularizer": "l2",
        "activity_regularizer": "l2",
        "kernel_constraint": "max_norm",
        "use_gate": True,
        "seed": 5,
    },
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = GroupedQueryAttention(name="gqa", **kwargs).get_config()
    assert config == keras.layers.GroupQueryAttention(name="gqa", **kwargs).get_config()
    assert GroupedQueryAttention.from_config(config).get_config() == config


def test_keras_public_name_and_default_name():
    assert GroupQueryAttention is GroupedQueryAttention
    assert GroupedQueryAttention(**HEADS).name.startswith("grouped_query_attention")


def test_activity_regularizer_also_regularizes_the_output_like_keras():
    x = np.random.default_rng(0).standard_normal((2, 3, 8)).astype("float32")
    theirs = keras.layers.GroupQueryAttention(**HEADS, activity_regularizer="l2")
    ours = GroupedQueryAttention(**HEADS, activity_regularizer="l2")
    theirs(x, x)
    ours(x, x)
    ours.set_weights(theirs.get_weights())
    ours(x, x)
    assert len(ours.losses) == len(theirs.losses) == 5
    np.testing.assert_allclose(
        [float(v.detach()) for v in ours.losses],
        [float(_np(v)) for v in theirs.losses],
        rtol=1e-5,
    )


def test_symbolic_scores_shape():
    out, scores = GroupedQueryAttention(**HEADS)(
        Input(shape=(4, 5)), Input(shape=(6, 5)), return_attention_scores=True
    )
    assert out.shape == (None, 4, 5) and scores.shape == (None, 4, 4, 6)


def test_indivisible_heads_are_refused():
    with pytest.raises(
        ValueError,
        match=r"`num_key_value_heads` of `GroupedQueryAttention`: expected a divisor "
        r"of num_query_heads=4",
    ):
        GroupedQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=3)


def test_missing_head_dim_names_the_fix():
    with pytest.raises(TypeError, match=r"missing the required argument `head_dim`"):
        GroupedQueryAttention(num_query_heads=4, num_key_value_heads=2)


def test_rank_four_query_points_to_multi_head_attention():
    with pytest.raises(
        ValueError, match=r"'gqa'.*rank 3.*\(2, 3, 4, 5\).*attention_axes"
    ):
        GroupedQueryAttention(**HEADS, name="gqa")(
            torch.ones(2, 3, 4, 5), torch.ones(2, 3, 4, 5)
        )


def test_sublayers_and_equations_are_keras_s():
    x = np.zeros((2, 4, 5), "float32")
    kwargs = {**HEADS, "dropout": 0.2, "seed": 3, "use_gate": True}
    ours = GroupedQueryAttention(**kwargs)
    theirs = keras.layers.GroupQueryAttention(**kwargs)
    ours(x, x)
    theirs(x, x)
    for name in ["_query_dense", "_key_dense", "_gate_dense", "_value_dense"]:
        mine, keras_sub = getattr(ours, name), getattr(theirs, name)
        assert (mine.name, mine.equation) == (keras_sub.name, keras_sub.equation)
    assert ours._output_dense.equation == theirs._output_dense.equation
    assert ours._dot_product_equation == theirs._dot_product_equation
    assert ours._combine_equation == theirs._combine_equation
    assert ours._softmax.axis == theirs._softmax.axis
    assert (ours._dropout_layer.rate, ours._dropout_layer.seed) == (0.2, 3)
    assert ours._inverse_sqrt_head_dim == theirs._inverse_sqrt_head_dim
    assert (ours.num_repeats, ours.feature_dim) == (theirs.num_repeats, 5)


def _keras_style_subclass(base, einsum):
    class Tempered(base):
        def _compute_attention(
            self,
            query,
            key,
            value,
            attention_mask=None,
            training=None,
            use_causal_mask=False,
        ):
            query = query * (self._inverse_sqrt_head_dim * 0.5)
            scores = einsum(self._dot_product_equation, query, key)
            scores = self._masked_softmax(scores, attention_mask=attention_mask)
            dropped = self._dropout_layer(scores, training=training)
            return einsum(self._combine_equation, dropped, value), scores

    return Tempered


@pytest.mark.parametrize(
    "call",
    [{"use_causal_mask": True}, {"attention_mask": MASK[:, :, :4]}],
    ids=["causal_only", "mask"],
)
def test_keras_style_subclass_overriding_compute_attention_matches_keras(call):
    x = np.random.default_rng(7).standard_normal((2, 4, 5)).astype("float32")
    theirs = _keras_style_subclass(keras.layers.GroupQueryAttention, keras.ops.einsum)(
        **HEADS, bias_initializer="random_normal"
    )
    expected = theirs(x, x, **call)
    ours = _keras_style_subclass(GroupedQueryAttention, ember_ops.einsum)(**HEADS)
    kwargs = {
        k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v
        for k, v in call.items()
    }
    xt = torch.as_tensor(x)
    ours(xt, xt, **kwargs)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(xt, xt, **kwargs)), _np(expected), atol=1e-5)


def test_decoder_block_fits_and_loss_drops():
    from ember.layers.merging.add import Add
    from ember.layers.reshaping.flatten import Flatten
    from ember.losses import SparseCategoricalCrossentropy
    from ember.optimizers import Adam

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 20, size=(96, 8))
    labels = (ids[:, 0] > 10).astype("int64")
    inputs = Input(shape=(8,), dtype="int32")
    x = Embedding(20, 16)(inputs)
    attended = GroupedQueryAttention(
        head_dim=4, num_query_heads=4, num_key_value_heads=2, dropout=0.1
    )(x, x, use_causal_mask=True)
    x = Add()([x, attended])
    outputs = Dense(2)(Flatten()(x))
    model = Model(inputs, outputs)
    model.compile(
        optimizer=Adam(learning_rate=0.01),
        loss=SparseCategoricalCrossentropy(from_logits=True),
    )
    losses = model.fit(ids, labels, epochs=5, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.8 * losses[0]


def test_value_key_length_mismatch_names_the_layer():
    with pytest.raises(
        ValueError, match=r"'gqa'.*same number of positions.*\(2, 7, 5\)"
    ):
        GroupedQueryAttention(**HEADS, name="gqa")(
            torch.ones(2, 4, 5), torch.ones(2, 6, 5), torch.ones(2, 7, 5)
        )


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "explicit"])
def test_wrong_attention_mask_shape_names_the_layer(fused):
    layer = GroupedQueryAttention(**HEADS, name="gqa")
    with pytest.raises(
        ValueError, match=r"'gqa'.*attention mask of shape \(2, 4, 5\).*\(2, 4, 4, 6\)"
    ):
        layer(
            torch.ones(2, 4, 5),
            torch.ones(2, 6, 5),
            attention_mask=torch.ones(2, 4, 5),
            return_attention_scores=not fused,
        )
