"""NumPy-style ops against Keras 3 (torch backend): values and result dtypes."""

import numpy as np
import pytest
from ops_testing import assert_same

from ember import ops

keras = pytest.importorskip("keras")

# Keras-on-torch itself triggers torch deprecation warnings in a few ops.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:keras")

# F, G: floats; P: positive; U: in (-1, 1); K: ints; J: positive ints; B: bools;
# V: a vector; M: a matrix; T: a rank-3 tensor; H: float16.
RNG = np.random.default_rng(0)
F = RNG.standard_normal((3, 4)).astype("float32")
G = RNG.standard_normal((3, 4)).astype("float32")
P = RNG.uniform(0.1, 3.0, (3, 4)).astype("float32")
U = RNG.uniform(-0.9, 0.9, (3, 4)).astype("float32")
K = RNG.integers(-5, 5, (3, 4)).astype("int32")
J = RNG.integers(1, 5, (3, 4)).astype("int32")
B = RNG.random((3, 4)) > 0.5
V = RNG.standard_normal((4,)).astype("float32")
M = RNG.standard_normal((4, 5)).astype("float32")
T = RNG.standard_normal((2, 3, 4)).astype("float32")
H = F.astype("float16")


def _to_3d(vectors):
    return np.pad(vectors, ((0, 0), (0, 1)))


def case(name, *args, id=None, oracle=None, **kwargs):
    """One op call. `oracle` replaces Keras where Keras-on-torch is wrong (a
    NumPy function returning the expected array, whose dtype is checked too)."""
    return pytest.param(name, args, kwargs, oracle, id=id or name)


UNARY = (
    "abs absolute negative square sqrt exp exp2 expm1 log log1p log2 log10 sin "
    "cos tan arcsin arccos arctan sinh cosh tanh arcsinh arctanh sign floor "
    "ceil round trunc reciprocal isnan isinf isfinite logical_not copy ravel "
    "real conj conjugate"
).split()
POSITIVE_ONLY = {"sqrt", "log", "log1p", "log2", "log10", "reciprocal"}
UNIT_ONLY = {"arcsin", "arccos", "arctanh"}


def _unary_input(name):
    if name in POSITIVE_ONLY:
        return P
    return U if name in UNIT_ONLY else F


UNARY_CASES = [case(n, _unary_input(n), id=f"{n}-float32") for n in UNARY]
UNARY_CASES += [
    case(n, J if n in POSITIVE_ONLY else K, id=f"{n}-int32")
    for n in UNARY
    if n not in UNIT_ONLY and n not in ("reciprocal",)
]
UNARY_CASES += [
    case(n, B, id=f"{n}-bool")
    for n in ("abs", "square", "exp", "floor", "ceil", "logical_not", "isnan", "sin")
]
UNARY_CASES += [case("arccosh", P + 1, id="arccosh-float32")]
UNARY_CASES += [case(n, H, id=f"{n}-float16") for n in ("exp", "floor", "abs")]

BINARY = (
    "add subtract multiply divide true_divide maximum minimum power arctan2 "
    "equal not_equal less less_equal greater greater_equal logical_and "
    "logical_or logical_xor logaddexp hypot"
).split()
BINARY_CASES = [case(n, F, G, id=f"{n}-float32") for n in BINARY]
BINARY_CASES += [case(n, P, 2.0, id=f"{n}-python-float") for n in BINARY]
BINARY_CASES += [case(n, J, 3, id=f"{n}-int32-python-int") for n in BINARY]
BINARY_CASES += [case(n, 2, J, id=f"{n}-python-int-int32") for n in BINARY]
BINARY_CASES += [case(n, J, P, id=f"{n}-int32-float32") for n in BINARY]
BINARY_CASES += [
    case("floor_divide", F, P),
    case("floor_divide", K, J, id="floor_divide-int"),
    case("mod", F, P),
    case("mod", K, J, id="mod-int"),
    case("mod", K, 3, id="mod-python-int"),
    case("divide_no_nan", F, np.where(B, G, 0).astype("float32")),
    case("divide_no_nan", K, J, id="divide_no_nan-int"),
    case("isclose", F, F + 1e-7),
    case("allclose", F, F + 1e-7),
    case("add", B, B, id="add-bool"),
    case("add", K, True, id="add-int-python-bool"),
    case("add", H, 1.5, id="add-float16-python-float"),
    case("multiply", B, 2, id="multiply-bool-python-int"),
    case("subtract", B, J, id="subtract-bool-int"),
]

OTHER_CASES = [
    case("clip", F, -0.5, 0.5),
    case("clip", K, -2, 2, id="clip-int"),
    case("clip", B, 0, 1, id="clip-bool"),
    case("where", B, F, G),
    case("where", B, K, 1.5, id="where-int-python-float"),
    case("where", B, id="where-indices"),
    case("nan_to_num", np.array([np.nan, np.inf, -np.inf, 1.0], "float32")),
    case(
        "nan_to_num",
        np.array([np.nan, np.inf, 1.0], "float32"),
        nan=2.0,
        posinf=9.0,
        id="nan_to_num-values",
    ),
    case("round", F * 100, decimals=-1, id="round-decimals"),
    case("round", F, decimals=2, id="round-decimals-2"),
]

REDUCE = (
    "sum mean max min prod std var all any amax amin argmax argmin logsumexp"
).split()
REDUCE_CASES = []
for _name in REDUCE:
    for _axis, _keep in ((None, False), (0, False), (-1, True), ((0, 1), False)):
        if _name in ("argmax", "argmin") and isinstance(_axis, tuple):
            continue
        REDUCE_CASES.append(
            case(
                _name,
                T,
                axis=_axis,
                keepdims=_keep,
                id=f"{_name}-axis{_axis}-keep{_keep}",
            )
        )
REDUCE_CASES += [case(n, K, id=f"{n}-int32") for n in REDUCE]
REDUCE_CASES += [
    case(n, B, axis=0, id=f"{n}-bool")
    for n in ("sum", "mean", "all", "any", "prod", "argmax")
]
REDUCE_CASES += [
    case("sum", K.astype("int8"), id="sum-int8"),
    case("mean", H, id="mean-float16"),
    case("max", T, axis=1, initial=0.5, id="max-initial"),
    case("min", T, initial=-0.5, id="min-initial"),
    case("count_nonzero", K),
    case("count_nonzero", K, axis=1, id="cnz-axis"),
    case("argsort", F),
    case("argsort", F, axis=0, id="argsort-axis0"),
    case("argsort", K, axis=None, id="argsort-none"),
    case("sort", F),
    case("sort", F, axis=None, id="sort-none"),
    case("cumsum", F),
    case("cumsum", F, axis=1, id="cumsum-axis"),
    case("cumsum", B, axis=0, id="cumsum-bool"),
    case("cumprod", F, axis=0),
    case("cumprod", K, dtype="float32", id="cp-dt"),
    case("average", T, axis=1),
    # Keras-on-torch fails on 1-D weights along a middle axis.
    case(
        "average",
        T,
        axis=1,
        weights=np.arange(1, 4.0, dtype="float32"),
        id="average-weights",
        oracle=np.average,
    ),
    case("median", T),
    case("median", T, axis=1, keepdims=True, id="median-ax"),
    case("quantile", T, 0.3),
    case("quantile", T, [0.1, 0.9], axis=-1, id="quantile-list"),
    case("quantile", T, 0.5, axis=(0, 2), keepdims=True, id="quantile-keep"),
    case("diff", F),
    case("diff", F, n=2, axis=0, id="diff-n2"),
    # Keras-on-torch stacks the indices into one tensor; NumPy, JAX and Keras's
    # symbolic shapes give a tuple, as ember does.
    case(
        "nonzero", K, oracle=lambda x: tuple(i.astype("int32") for i in np.nonzero(x))
    ),
    case("unique", np.array([3, 1, 3, 2, 1])),
    case(
        "unique",
        np.array([3, 1, 3, 2, 1]),
        return_inverse=True,
        return_counts=True,
        id="unique-inverse-counts",
    ),
    case("searchsorted", np.array([1.0, 2, 3, 4]), np.array([0.5, 2.5, 4.0])),
    case(
        "searchsorted",
        np.array([1.0, 2, 3]),
        np.array([2.0]),
        side="right",
        id="searchsorted-right",
    ),
    case("digitize", F, np.array([-1.0, 0.0, 1.0], "float32")),
    case("bincount", np.array([0, 1, 1, 4])),
    case(
        "bincount",
        np.array([0, 1, 1, 4]),
        weights=np.array([1.0, 2, 3, 4], "float32"),
        minlength=6,
        id="bincount-weights",
    ),
]

SHAPE_CASES = [
    case("reshape", T, (4, 6)),
    case("reshape", T, (-1, 2), id="reshape-infer"),
    case("transpose", T),
    case("transpose", T, (1, 0, 2), id="transpose-axes"),
    case("expand_dims", T, 1),
    case("expand_dims", T, (0, -1), id="expand-tuple"),
    case("squeeze", T[:1]),
    case("squeeze", T[:1], axis=0, id="squeeze-axis"),
    case("moveaxis", T, 0, -1),
    case("swapaxes", T, 0, 2),
    case("broadcast_to", V, (3, 4)),
    case("flip", T),
    case("flip", T, axis=1, id="flip-axis"),
    case("roll", T, 2),
    case("roll", T, -1, axis=2, id="roll-axis"),
    case("tile", V, 2),
    case("tile", T, (2, 1, 1), id="tile-tuple"),
    case("repeat", T, 2),
    case("repeat", T, 3, axis=1, id="repeat-axis"),
    # Keras-on-torch rejects list repeats; NumPy is the oracle.
    case("repeat", F, [1, 2, 0], axis=0, id="repeat-list", oracle=np.repeat),
    case("pad", F, ((1, 2), (0, 1))),
    case("pad", T, ((0, 0), (1, 1), (2, 2)), mode="reflect", id="pad-reflect"),
    # Keras-on-torch pads only the last axis for an int `pad_width`, runs
    # "symmetric" as "edge", and lacks "edge"/"wrap"/statistics: NumPy decides.
    case("pad", F, 1, constant_values=3.0, id="pad-int", oracle=np.pad),
    case(
        "pad",
        T,
        ((0, 0), (1, 1), (2, 2)),
        mode="symmetric",
        id="pad-symmetric",
        oracle=np.pad,
    ),
    case("pad", F, ((2, 2), (1, 1)), mode="edge", id="pad-edge", oracle=np.pad),
    case("pad", F, ((1, 2), (3, 0)), mode="wrap", id="pad-wrap", oracle=np.pad),
    case("pad", F, ((1, 2), (3, 1)), mode="maximum", id="pad-max", oracle=np.pad),
    case("pad", F, ((1, 0), (2, 1)), mode="mean", id="pad-mean", oracle=np.pad),
    case("pad", K, ((1, 1), (1, 1)), mode="median", id="pad-median", oracle=np.pad),
    case("concatenate", [F, G]),
    case("concatenate", [F, G], axis=1, id="concat1"),
    case("concatenate", [F, K], axis=-1, id="concat-mixed"),
    case("stack", [F, G]),
    case("stack", [F, G], axis=-1, id="stack-last"),
    case("append", F, G),
    case("append", F, G, axis=0, id="append-axis"),
    case("hstack", [F, G]),
    case("vstack", [F, G]),
    case("split", T, 2, axis=2),
    case("split", T, [1, 3], axis=2, id="split-idx"),
    case("array_split", np.arange(7.0), 3),
    case("meshgrid", np.arange(3), np.arange(2)),
    case("meshgrid", np.arange(3), np.arange(2), indexing="ij", id="meshgrid-ij"),
    case("take", T, np.array([[0, 2], [1, -1]]), axis=1),
    case("take", M, np.array([3, 0, -1]), axis=0, id="take-rows"),
    case("take", T, np.array([5, 0]), id="take-flat"),
    case("take_along_axis", F, np.argsort(F, axis=1), axis=1),
    case("take_along_axis", F, np.argsort(F, axis=None)[:5], id="tal-flat"),
    case("tril", F),
    case("triu", F, 1),
    case("tril", T, -1, id="tril-batch"),
    case("diag", V),
    case("diag", F, 1, id="diag-matrix"),
    case("diagonal", T, 0, 1, 2),
    case("trace", F),
    case("trace", K, id="trace-int"),
    case("size", T),
    case("ndim", T),
]

CREATE_CASES = [
    case("zeros", (2, 3)),
    case("ones", 3),
    case("ones", (2,), "int32", id="ones-int"),
    case("zeros_like", K),
    case("ones_like", F, "float16", id="ones_like-dtype"),
    case("full", (2, 3), 7),
    case("full", (2, 2), 3, "int32", id="full-int"),
    case("full", (2,), 1.5, id="full-float"),
    case("full_like", F, 2),
    case("full_like", K, 2.5, id="full_like-int"),
    case("eye", 3),
    case("eye", 3, 4, 1, id="eye-k"),
    case("eye", 4, 3, -2, id="eye-kneg"),
    case("identity", 3, "int32"),
    case("tri", 3, 4, 1),
    case("arange", 5),
    case("arange", 1, 7, 2, id="arange-step"),
    case("arange", 0.0, 1.0, 0.25, id="arange-float"),
    case("arange", 2, 5, dtype="float32", id="arange-dtype"),
    case("linspace", 0, 1, 5),
    case("linspace", 0, 1, 5, endpoint=False, id="linspace-open"),
    case("linspace", 0, 10, 5, dtype="int32", id="linspace-int"),
    case("linspace", np.zeros(2, "float32"), np.ones(2, "float32"), 4, id="lin-vec"),
    case(
        "linspace",
        np.zeros(2, "float32"),
        np.ones(2, "float32"),
        4,
        axis=1,
        id="lin-vec-axis1",
        oracle=lambda *a, **k: np.linspace(*a, **k).astype("float32"),
    ),
    case("array", [[1, 2], [3, 4]]),
    case("array", [1.0, 2.0], "float16", id="array-dtype"),
]

PRODUCT_CASES = [
    case("matmul", F, M),
    case("matmul", T, M, id="matmul-batch"),
    case("matmul", V, M, id="matmul-vector"),
    case("matmul", K, J.T, id="matmul-int"),
    case("matmul", K.astype("int8"), J.T.astype("int8"), id="matmul-int8"),
    case("dot", F, M),
    case("dot", V, V, id="dot-vv"),
    case("dot", 2.0, F, id="dot-s"),
    case("tensordot", T, M, 1),
    case("tensordot", T, T, ((1, 2), (1, 2)), id="td-pair"),
    case("tensordot", F, M, axes=(1, 0), id="td-ints"),
    # Keras-on-torch's dot is a batched matmul for N-D `x2`; NumPy sums over
    # the second-to-last axis of `x2`.
    case(
        "dot",
        T,
        RNG.standard_normal((2, 4, 5)).astype("float32"),
        id="dot-nd",
        oracle=np.dot,
    ),
    case("einsum", "ij,jk->ik", F, M),
    case("einsum", "bij->bji", T, id="einsum-t"),
    case("einsum", "ij,ij->i", K.astype("int8"), K.astype("int8"), id="einsum-int8"),
    case("outer", V, V),
    case("inner", F, G),
    case("vdot", V, V),
    # Keras-on-torch's vdot refuses N-D inputs; NumPy flattens them.
    case("vdot", F, G, id="vdot-2d", oracle=lambda a, b: np.float32(np.vdot(a, b))),
    case("cross", M[:, :3], M[:, 2:]),
    # With a 3-long middle axis, torch.cross (Keras-on-torch) picks that axis;
    # NumPy uses the last one.
    case("cross", T[:, :, :3], T[:, :, 1:], id="cross-3d", oracle=np.cross),
    case(
        "cross",
        F[:, :2],
        G[:, :2],
        id="cross-2d",
        oracle=lambda a, b: np.cross(_to_3d(a), _to_3d(b))[:, 2],
    ),
    case(
        "cross",
        F[:3],
        G[:3],
        axis=0,
        id="cross-axis0",
        oracle=lambda a, b, axis: np.cross(a, b, axis=axis),
    ),
    case("kron", F[:2, :2], G[:2, :2]),
]


def _run(name, args, kwargs, oracle, **tol):
    ours = getattr(ops, name)(*args, **kwargs)
    if oracle is None:
        theirs = getattr(keras.ops, name)(*args, **kwargs)
    else:
        theirs = oracle(*args, **kwargs)
    assert_same(ours, theirs, **tol)


@pytest.mark.parametrize("name,args,kwargs,oracle", UNARY_CASES)
def test_unary(name, args, kwargs, oracle):
    _run(
        name,
        args,
        kwargs,
        oracle,
        rtol=1e-3 if "float16" in str(args[0].dtype) else 1e-5,
    )


@pytest.mark.parametrize("name,args,kwargs,oracle", BINARY_CASES + OTHER_CASES)
def test_elementwise(name, args, kwargs, oracle):
    _run(name, args, kwargs, oracle)


@pytest.mark.parametrize("name,args,kwargs,oracle", REDUCE_CASES)
def test_reductions(name, args, kwargs, oracle):
    _run(name, args, kwargs, oracle, rtol=1e-3 if name == "mean" else 1e-5)


@pytest.mark.parametrize("name,args,kwargs,oracle", SHAPE_CASES)
def test_shape_ops(name, args, kwargs, oracle):
    _run(name, args, kwargs, oracle)


@pytest.mark.parametrize("name,args,kwargs,oracle", CREATE_CASES)
def test_creation(name, args, kwargs, oracle):
    _run(name, args, kwargs, oracle)


@pytest.mark.parametrize("name,args,kwargs,oracle", PRODUCT_CASES)
def test_products(name, args, kwargs, oracle):
    _run(name, args, kwargs, oracle, rtol=1e-5, atol=1e-5)


NANS = np.where(B, F, np.nan).astype("float32")
NANS[0] = np.nan  # one all-NaN row
SMALL = RNG.integers(1, 30, (3, 4)).astype("int32")

EXTRA_CASES = [
    case("bitwise_and", SMALL, J),
    case("bitwise_or", SMALL, J),
    case("bitwise_xor", SMALL, J),
    case("bitwise_and", B, B, id="bitwise_and-bool"),
    case("bitwise_invert", SMALL),
    case("bitwise_not", B, id="bitwise_not-bool"),
    case("left_shift", SMALL, J),
    case("right_shift", SMALL, J),
    case("bitwise_left_shift", SMALL, 2),
    case("bitwise_right_shift", SMALL, 1),
    case("gcd", SMALL, J),
    case("lcm", SMALL, J),
    case("isneginf", np.array([-np.inf, np.inf, 1.0], "float32")),
    case("isposinf", np.array([-np.inf, np.inf, 1.0], "float32")),
    case("isreal", F),
    case("signbit", F),
    case("isin", K, np.array([0, 2, 4])),
    case("isin", K, np.array([0, 2]), invert=True, id="isin-invert"),
    case("fabs", K),
    case("cbrt", F),
    case("deg2rad", F),
    case("rad2deg", F),
    case("sinc", F),
    case("i0", F),
    case("angle", F),
    case("logaddexp2", F, G),
    case("fmod", F, P),
    case("fmod", K, J, id="fmod-int"),
    case("fmax", NANS, F),
    case("fmin", NANS, F),
    case("heaviside", F, 0.5),
    case("ldexp", F, J),
    case("nextafter", F, G),
    case("nanmax", NANS, axis=1),
    case("nanmin", NANS, axis=1),
    case("nanargmax", NANS, axis=1),
    case("nanargmin", NANS, axis=1),
    case("nansum", NANS),
    case("nansum", NANS, axis=0, id="nansum-axis"),
    case("nanprod", NANS, axis=1),
    case("nancumsum", NANS, axis=1),
    case("nancumprod", NANS, axis=0),
    case("nanmean", NANS, axis=0),
    case("nanvar", NANS, axis=0),
    case("nanstd", NANS, axis=0, keepdims=True),
    case("nanmedian", NANS, axis=0),
    case("nanquantile", NANS, 0.3, axis=0),
    case("nanpercentile", NANS, [10, 90], axis=0),
    case("percentile", T, 30),
    case("percentile", T, [25, 75], axis=1, id="pct-list"),
    case("ptp", T),
    case("ptp", T, axis=1, keepdims=True, id="ptp-axis"),
    case("histogram", V),
    case("histogram", F.ravel(), bins=4, range=(-1, 1), id="hist-range"),
    case("corrcoef", F),
    case("trapezoid", F),
    case("trapezoid", F, dx=0.5, axis=0, id="trapezoid-dx"),
    case("trapezoid", F, x=np.arange(4.0, dtype="float32") ** 2, id="trapezoid-x"),
    case("correlate", V, V[:3]),
    case("correlate", V, V[:3], mode="same", id="corr-same"),
    case("correlate", V, V[:2], mode="full", id="corr-full"),
    case("select", [F > 0.5, F < -0.5], [F, G], default=-1.0),
    case("diagflat", F[:2, :2]),
    case("diagflat", V, 1, id="diagflat-k"),
    case("rot90", T),
    case("rot90", T, 2, axes=(1, 2), id="rot90-axes"),
    case("fliplr", F),
    case("flipud", F),
    case("dstack", [F, G]),
    case("hsplit", F, 2),
    case("vsplit", F, [1]),
    case("dsplit", T, 2),
    case("unravel_index", np.array([1, 7, 11], "int32"), (3, 4)),
    case("logspace", 0, 2, 5),
    case("logspace", 0, 3, 4, base=2, endpoint=False, id="logspace-base2"),
    case("geomspace", 1, 1000, 4),
    case("geomspace", -1, -16, 5, id="geomspace-neg"),
    case("vander", V),
    case("vander", V, 3, increasing=True, id="vander-N"),
    case("slogdet", (M[:3, :3] + 3 * np.eye(3)).astype("float32")),
    case("cdist", F, G[:2]),
    # NumPy decides the "valid" case with the shorter sequence first.
    case(
        "correlate",
        V[:2],
        V,
        id="corr-short-first",
        oracle=lambda a, b: np.correlate(a, b).astype("float32"),
    ),
]


@pytest.mark.parametrize("name,args,kwargs,oracle", EXTRA_CASES)
def test_more_numpy_ops(name, args, kwargs, oracle):
    _run(name, args, kwargs, oracle, rtol=1e-5, atol=1e-5)


def test_argpartition_partitions():
    x = RNG.standard_normal((3, 7)).astype("float32")
    index = ops.convert_to_numpy(ops.argpartition(x, 2, axis=-1))
    parted = np.take_along_axis(x, index, axis=-1)
    kth = np.sort(x, axis=-1)[:, 2:3]
    assert (parted[:, :2] <= kth).all() and (parted[:, 3:] >= kth).all()
    np.testing.assert_array_equal(parted[:, 2:3], kth)
