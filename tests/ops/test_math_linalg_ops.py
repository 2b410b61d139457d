"""`ember.ops.math` and `ember.ops.linalg` against Keras 3 (torch backend)."""

import numpy as np
import pytest
import torch
from ops_testing import assert_same

from ember import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(2)
X = RNG.standard_normal((5, 4)).astype("float32")
A = (RNG.standard_normal((3, 3)) + 3 * np.eye(3)).astype("float32")
SPD = (A @ A.T).astype("float32")
BATCH = (RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype("float32")
B = RNG.standard_normal((3, 2)).astype("float32")
IDS = np.array([0, 0, 2, 1, 2])
SIGNAL = RNG.standard_normal((2, 10)).astype("float32")


def case(name, *args, id=None, **kwargs):
    return pytest.param(name, args, kwargs, id=id or name)


CASES = [
    case("segment_sum", X, IDS),
    case("segment_sum", X, IDS, 4, id="segment_sum-n"),
    case("segment_max", X, IDS),
    case("segment_max", X, IDS, num_segments=3, id="segment_max-n"),
    case("segment_sum", X, np.array([0, 1, 0, 5, -1]), 3, id="segment_sum-dropped"),
    case("in_top_k", np.array([0, 1, 2, 3, 0]), X, 2),
    case("logsumexp", X),
    case("logsumexp", X, axis=1, keepdims=True, id="lse-axis"),
    case("rsqrt", np.abs(X) + 0.1),
    case("erf", X),
    case("erfinv", np.tanh(X) * 0.9),
    case("extract_sequences", SIGNAL, 4, 2),
    case("fft", (X, X * 0.5)),
    case("fft2", (X, X * 0.5)),
    case("rfft", SIGNAL),
    case("rfft", SIGNAL, 16, id="rfft-length"),
    case("irfft", (X, X * 0.5)),
    case("norm", X),
    case("norm", X, axis=1, id="norm-axis"),
    case("norm", X, ord=1, axis=0, keepdims=True, id="norm-l1"),
    case("norm", X, ord="fro", id="norm-fro"),
    case("norm", X, ord="nuc", id="norm-nuc"),
    case("norm", X, ord=np.inf, axis=1, id="norm-inf"),
    case("norm", np.arange(6, dtype="int32"), id="norm-int"),
    case("inv", A),
    case("inv", BATCH, id="inv-batch"),
    case("det", A),
    case("det", BATCH, id="det-batch"),
    case("solve", A, B),
    case("solve_triangular", np.tril(A), B, lower=True),
    case("solve_triangular", np.triu(A), B[:, 0], id="solve_triangular-vector"),
    case("cholesky", SPD),
    case("cholesky", SPD, upper=True, id="cholesky-upper"),
    case("svd", A, compute_uv=False, id="svd-values"),
    case("eigh", SPD),
    case("lstsq", X, RNG.standard_normal((5, 2)).astype("float32")),
    case("pinv", X),
    case("matrix_rank", X),
]


@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_matches_keras(name, args, kwargs):
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(keras.ops, name)(*args, **kwargs)
    assert_same(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("k", [1, 3])
def test_top_k_matches_keras_with_int32_indices(k):
    values, indices = ops.top_k(X, k)
    expected = keras.ops.top_k(X, k)
    assert_same(values, expected.values)
    # Keras-on-torch returns int64 indices where its symbolic shapes say int32.
    assert indices.dtype == torch.int32
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())


def test_qr_and_svd_reconstruct():
    q, r = ops.qr(X)
    assert tuple(q.shape) == (5, 4) and tuple(r.shape) == (4, 4)
    torch.testing.assert_close(q @ r, torch.from_numpy(X), atol=1e-5, rtol=1e-5)
    q, r = ops.qr(X, mode="complete")
    assert tuple(q.shape) == (5, 5)
    u, s, vh = ops.svd(X, full_matrices=False)
    torch.testing.assert_close(u * s @ vh, torch.from_numpy(X), atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="mode"):
        ops.qr(X, mode="r")


def test_eig_and_lu_factor():
    values, vectors = ops.eig(A)
    a = torch.from_numpy(A).to(values.dtype)
    torch.testing.assert_close(a @ vectors, vectors * values, atol=1e-4, rtol=1e-4)
    lu, pivots = ops.lu_factor(A)
    assert int(pivots.min()) >= 0  # 0-based, as SciPy and Keras give them


def test_cholesky_inverse():
    factor = ops.cholesky(SPD)
    expected = np.linalg.inv(SPD)
    np.testing.assert_allclose(
        ops.cholesky_inverse(factor).numpy(), expected, atol=1e-4
    )


def test_segment_max_empty_segment_is_minus_inf():
    out = ops.segment_max(np.ones((2, 3), "float32"), np.array([0, 2]), 3)
    assert torch.isneginf(out[1]).all()


def test_erfc_and_logdet():
    np.testing.assert_allclose(ops.erfc(X).numpy(), 1 - ops.erf(X).numpy(), atol=1e-6)
    np.testing.assert_allclose(
        ops.logdet(SPD).numpy(), np.log(np.linalg.det(SPD.astype("float64"))), rtol=1e-4
    )
