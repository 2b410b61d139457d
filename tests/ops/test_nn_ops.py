"""`ember.ops.nn` against Keras 3 (torch backend)."""

import numpy as np
import pytest
import torch
from ops_testing import assert_same

from ember import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(1)
X = (RNG.standard_normal((4, 6)) * 3).astype("float32")
T3 = RNG.standard_normal((2, 3, 4)).astype("float32")
PROBS = RNG.uniform(0.05, 1.0, (4, 5)).astype("float32")
ONE_HOT = np.eye(5, dtype="float32")[RNG.integers(0, 5, 4)]
LABELS = RNG.integers(0, 5, 4)
BINARY = (RNG.random((4, 5)) > 0.5).astype("float32")

ACTIVATIONS = (
    "relu relu6 sigmoid softplus softsign silu swish log_sigmoid hard_sigmoid "
    "hard_silu hard_swish selu tanh_shrink hard_tanh sparse_sigmoid sparse_plus "
    "leaky_relu elu celu gelu glu soft_shrink hard_shrink squareplus softmax "
    "log_softmax sparsemax"
).split()


def case(name, *args, id=None, **kwargs):
    return pytest.param(name, args, kwargs, id=id or name)


CASES = [case(n, X, id=f"{n}") for n in ACTIVATIONS if n != "sparsemax"]
CASES += [
    case("leaky_relu", X, negative_slope=0.1, id="leaky_relu-slope"),
    case("elu", X, alpha=0.5, id="elu-alpha"),
    case("celu", X, alpha=2.0, id="celu-alpha"),
    case("gelu", X, approximate=False, id="gelu-exact"),
    case("glu", X, axis=0, id="glu-axis"),
    case("soft_shrink", X, threshold=1.0, id="soft_shrink-1"),
    case("hard_shrink", X, threshold=1.0, id="hard_shrink-1"),
    case("threshold", X, 0.5, -1.0),
    case("squareplus", X, b=2, id="squareplus-b"),
    case("softmax", T3, axis=1, id="softmax-axis1"),
    case("softmax", T3, axis=(1, 2), id="softmax-tuple"),
    case("softmax", X[0], id="softmax-rank1"),
    case("log_softmax", T3, axis=0, id="log_softmax-axis0"),
    case("log_softmax", T3, axis=(0, 2), id="log_softmax-tuple"),
    case("one_hot", LABELS, 5),
    case("one_hot", np.array([[0, 2], [-1, 1]]), 3, axis=0, id="one_hot-axis0"),
    case("one_hot", LABELS, 5, dtype="int32", id="one_hot-int"),
    case("multi_hot", np.array([[0, 2], [1, 1]]), 4),
    case("multi_hot", np.array([0, 3]), 4, id="multi_hot-1d"),
    case("binary_crossentropy", BINARY, PROBS),
    case("binary_crossentropy", BINARY, X[:, :5], from_logits=True, id="bce-logits"),
    case("categorical_crossentropy", ONE_HOT, PROBS),
    case(
        "categorical_crossentropy", ONE_HOT, X[:, :5], from_logits=True, id="cce-logits"
    ),
    case("categorical_crossentropy", ONE_HOT.T, PROBS.T, axis=0, id="cce-axis0"),
    case("sparse_categorical_crossentropy", LABELS, PROBS),
    case(
        "sparse_categorical_crossentropy",
        LABELS[:, None],
        X[:, :5],
        from_logits=True,
        id="scce-logits-column",
    ),
    case(
        "sparse_categorical_crossentropy",
        LABELS[:3],
        PROBS[:3].T,
        axis=0,
        id="scce-axis0",
    ),
    case("moments", T3, (0, 1)),
    case("moments", T3, [2], keepdims=True, id="moments-keepdims"),
    case("normalize", X),
    case("normalize", X, axis=0, order=1, id="normalize-l1"),
    case(
        "batch_normalization",
        T3,
        T3.mean((0, 1)),
        T3.var((0, 1)),
        axis=-1,
        offset=np.ones(4, "float32"),
        scale=np.full(4, 2.0, "float32"),
    ),
    case(
        "batch_normalization",
        T3,
        T3.mean((0, 2)),
        T3.var((0, 2)),
        axis=1,
        id="batch_normalization-axis1",
    ),
    case("layer_normalization", T3),
    case(
        "layer_normalization",
        T3,
        np.ones(4, "float32"),
        np.zeros(4, "float32"),
        id="layer_normalization-gamma-beta",
    ),
    case("layer_normalization", T3, axis=(1, 2), id="layer_normalization-axes"),
    case("rms_normalization", T3),
    case("rms_normalization", T3, np.full(4, 2.0, "float32"), id="rms-scale"),
    case("psnr", PROBS, PROBS * 0.9, 1.0),
]


@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_nn_op_matches_keras(name, args, kwargs):
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(keras.ops, name)(*args, **kwargs)
    assert_same(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["relu", "gelu", "softmax", "sigmoid", "silu"])
def test_nn_ops_accept_lists_and_keep_float16(name):
    fn = getattr(ops.nn, name)
    assert fn([-1.0, 0.5, 2.0]).dtype == torch.float32
    assert fn(torch.tensor([-1.0, 0.5], dtype=torch.float16)).dtype == torch.float16


def _sparsemax_reference(x, axis):
    """Sparsemax of Martins & Astudillo (2016), in NumPy."""
    z = np.moveaxis(x, axis, -1)
    z_sorted = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    cumulative = np.cumsum(z_sorted, axis=-1)
    support = 1 + k * z_sorted > cumulative
    k_z = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, k_z - 1, -1) - 1) / k_z
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


# Keras-on-torch's sparsemax sums the whole support's cumulative sums into its
# threshold, so its rows need not sum to 1; the paper's formula is the oracle.
@pytest.mark.parametrize("x,axis", [(X, -1), (T3, 1)], ids=["last", "middle"])
def test_sparsemax(x, axis):
    out = ops.convert_to_numpy(ops.sparsemax(x, axis=axis))
    np.testing.assert_allclose(out, _sparsemax_reference(x, axis), atol=1e-6)
    np.testing.assert_allclose(out.sum(axis), 1.0, rtol=1e-5)


def test_layer_normalization_over_a_middle_axis():
    # Keras-on-torch hands this to F.layer_norm, which only normalizes the
    # trailing axes, and fails; NumPy is the oracle.
    gamma = np.full(3, 2.0, "float32")
    out = ops.layer_normalization(T3, gamma, None, axis=1)
    mean, var = T3.mean(1, keepdims=True), T3.var(1, keepdims=True)
    expected = (T3 - mean) / np.sqrt(var + 1e-7) * gamma[:, None]
    np.testing.assert_allclose(ops.convert_to_numpy(out), expected, atol=1e-5)


def test_mish():
    x = torch.from_numpy(X)
    expected = x * torch.tanh(torch.nn.functional.softplus(x))
    torch.testing.assert_close(ops.mish(X), expected)


def test_softmax_size_one_axis_warns():
    with pytest.warns(UserWarning, match="axis has size 1"):
        ops.softmax(np.ones((3, 1), "float32"))


def test_one_hot_negative_ids_give_zero_rows():
    out = ops.one_hot(np.array([1, -1]), 3)
    np.testing.assert_array_equal(ops.convert_to_numpy(out), [[0, 1, 0], [0, 0, 0]])


def test_crossentropy_clips_probabilities():
    eps = 1e-7
    loss = ops.binary_crossentropy(
        np.array([1.0], "float32"), np.array([0.0], "float32")
    )
    np.testing.assert_allclose(ops.convert_to_numpy(loss), [-np.log(eps)], rtol=1e-3)


def test_loss_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same shape"):
        ops.categorical_crossentropy(ONE_HOT, PROBS[:, :4])
    with pytest.raises(ValueError, match="same shape"):
        ops.sparse_categorical_crossentropy(LABELS[:3], PROBS)


Q = RNG.standard_normal((2, 5, 4, 8)).astype("float32")
K = RNG.standard_normal((2, 6, 4, 8)).astype("float32")
KV2 = RNG.standard_normal((2, 6, 2, 8)).astype("float32")
MASK = RNG.random((2, 4, 5, 6)) > 0.3


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"scale": 0.5},
        {"mask": MASK},
        {"bias": RNG.standard_normal((2, 4, 5, 6)).astype("float32")},
        {"is_causal": True},
        {"mask": MASK, "is_causal": True},
    ],
    ids=["plain", "scale", "mask", "bias", "causal", "mask-causal"],
)
def test_dot_product_attention_matches_keras(kwargs):
    ours = ops.dot_product_attention(Q, K, K, **kwargs)
    theirs = keras.ops.dot_product_attention(Q, K, K, **kwargs)
    assert_same(ours, theirs, atol=1e-5)


def test_dot_product_attention_grouped_heads():
    ours = ops.dot_product_attention(Q, KV2, KV2)
    theirs = keras.ops.dot_product_attention(Q, KV2, KV2)
    assert_same(ours, theirs, atol=1e-5)


def test_dot_product_attention_soft_cap_reference():
    q, k = torch.from_numpy(Q), torch.from_numpy(K)
    out = ops.dot_product_attention(Q, K, K, attn_logits_soft_cap=2.0)
    logits = torch.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(8)
    weights = torch.softmax(2.0 * torch.tanh(logits / 2.0), dim=-1)
    expected = torch.einsum("bnts,bsnh->btnh", weights, k)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_moments_float16_computes_in_float32():
    x = (np.ones((4, 1000)) * 300).astype("float16")
    mean, var = ops.moments(x, axes=(1,))
    assert mean.dtype == torch.float16 and var.dtype == torch.float16
    np.testing.assert_allclose(ops.convert_to_numpy(mean), 300)
    np.testing.assert_allclose(ops.convert_to_numpy(var), 0)
