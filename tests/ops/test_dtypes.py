"""Dtype promotion: `result_type` and the dtypes ops return, against Keras 3."""

import numpy as np
import pytest
import torch

from ember import ops
from ember.backend import config

keras = pytest.importorskip("keras")

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:keras")

# 64-bit types are left out of the Keras comparisons: Keras's `result_type`
# narrows them to 32 bits while its torch ops mostly keep them (see
# `test_64_bit_types_are_kept`).
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "bfloat16", "float16", "float32"]
ALL_DTYPES = [*DTYPES, "int64", "float64", "uint16", "uint32"]
LATTICE_ARGS = [*ALL_DTYPES, int, float, None]


def _name(value):
    return getattr(value, "__name__", str(value))


@pytest.mark.parametrize("first", LATTICE_ARGS, ids=_name)
def test_result_type_matches_keras(first):
    from keras.src.backend.common import dtypes as keras_dtypes

    for args in [(first,), *((first, b) for b in LATTICE_ARGS)]:
        try:
            expected = keras_dtypes.result_type(*args)
        except ValueError:
            with pytest.raises(ValueError):
                ops.result_type(*args)
            continue
        assert ops.result_type(*args) == expected, args


def test_result_type_examples():
    assert ops.result_type("int32", float) == "float32"
    assert ops.result_type("float16", float) == "float16"
    assert ops.result_type("int8", "int16") == "int16"
    assert ops.result_type("uint8", "int8") == "int16"
    assert ops.result_type("bool", int) == "int32"
    assert ops.result_type() == "float32"
    assert ops.result_type("float32", "int32", "bfloat16") == "float32"


def _tensor(dtype):
    return torch.ones((2, 2), dtype=getattr(torch, dtype))


BINARY = (
    "add subtract multiply divide true_divide power mod floor_divide maximum "
    "minimum arctan2 equal less logical_and matmul where"
).split()


def _call(module, name, a, b):
    if name == "where":
        return module.where(torch.ones((2, 2), dtype=torch.bool), a, b)
    return getattr(module, name)(a, b)


def _keras_dtype(name, *args):
    """The dtype Keras returns, or None where Keras itself refuses the inputs."""
    try:
        return ops.dtype(_call(keras.ops, name, *args))
    except (RuntimeError, TypeError, ValueError, NotImplementedError):
        return None


def _mismatches(names, cases, expected_fn=None):
    found = []
    for name in names:
        for args in cases:
            expected = _keras_dtype(name, *args)
            if expected_fn is not None:
                expected = expected_fn(name, args, expected)
            if expected is None:
                continue
            got = ops.dtype(_call(ops, name, *args))
            if got != expected:
                found.append((name, args, got, expected))
    return found


@pytest.mark.parametrize("first", DTYPES)
def test_binary_op_dtypes_match_keras(first):
    cases = [(_tensor(first), _tensor(second)) for second in DTYPES]
    assert _mismatches(BINARY, cases) == []


SCALARS = [1, 2.5, True]
SCALAR_OPS = (
    "add multiply subtract divide power maximum minimum where equal mod"
).split()


def _narrowed_by_keras(name, args, expected):
    dtype = next(ops.dtype(a) for a in args if isinstance(a, torch.Tensor))
    if "64" in dtype and name in ("maximum", "minimum"):
        # Keras narrows these to 32 bits; ember keeps the tensor's dtype.
        is_float = any(isinstance(a, float) for a in args)
        return "float32" if dtype == "int64" and is_float else dtype
    return expected


@pytest.mark.parametrize("dtype", DTYPES + ["int64", "float64"])
def test_python_scalars_are_weak(dtype):
    a = _tensor(dtype)
    cases = [c for s in SCALARS for c in ((a, s), (s, a))]
    assert _mismatches(SCALAR_OPS, cases, _narrowed_by_keras) == []


UNARY = (
    "sqrt exp log sin tanh floor ceil round abs square sign negative mean sum "
    "prod max argmax cumsum var std all count_nonzero isnan trace relu sigmoid "
    "softmax erf logsumexp norm"
).split()


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_op_dtypes_match_keras(dtype):
    found = []
    for name in UNARY:
        x = _tensor(dtype)
        try:
            expected = ops.dtype(getattr(keras.ops, name)(x))
        except (RuntimeError, TypeError, ValueError, NotImplementedError):
            continue  # Keras itself refuses this dtype
        got = ops.dtype(getattr(ops, name)(x))
        if got != expected:
            found.append((name, got, expected))
    assert found == []


def test_64_bit_types_are_kept():
    # As numpy and torch (and Keras's own add/multiply on torch) do; Keras's
    # result-type-based ops would narrow these to 32 bits.
    f64, i64 = _tensor("float64"), _tensor("int64")
    assert ops.add(f64, _tensor("float32")).dtype == torch.float64
    assert ops.maximum(f64, f64).dtype == torch.float64
    assert ops.maximum(i64, 1).dtype == torch.int64
    assert ops.var(f64).dtype == torch.float64
    assert ops.floor(f64).dtype == torch.float64
    assert ops.add(i64, 1).dtype == torch.int64
    assert ops.add(i64, 1.5).dtype == torch.float32


@pytest.mark.parametrize(
    "value",
    [
        1,
        2**40,
        1.5,
        True,
        [1, 2],
        [1, 2.5],
        [[True, False]],
        [],
        np.float64(2.0),
        np.int64(3),
        np.ones(2, "float64"),
        np.ones(2, "int8"),
        np.ones(2, "uint8"),
        np.array(3, "int16"),
    ],
    ids=[
        "int",
        "big-int",
        "float",
        "bool",
        "int-list",
        "mixed-list",
        "bool-list",
        "empty-list",
        "np-float64",
        "np-int64",
        "np-float64-array",
        "np-int8-array",
        "np-uint8-array",
        "np-0d-int16",
    ],
)
def test_convert_to_tensor_dtypes(value):
    ours = ops.convert_to_tensor(value)
    theirs = keras.ops.convert_to_tensor(value)
    assert ops.dtype(ours) == ops.dtype(theirs)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(ours), ops.convert_to_numpy(theirs)
    )


def test_convert_to_tensor_passes_tensors_through():
    x = torch.ones(3)
    assert ops.convert_to_tensor(x) is x
    assert ops.convert_to_tensor(x, "float32") is x
    assert ops.convert_to_tensor(x, "float16").dtype == torch.float16
    assert ops.cast(x, "int32").dtype == torch.int32


def test_floatx_sets_the_weak_float_type():
    previous = config.floatx()
    config.set_floatx("float16")
    try:
        assert ops.convert_to_tensor(1.5).dtype == torch.float16
        assert ops.add(_tensor("int32"), 1.5).dtype == torch.float16
        assert ops.result_type("int32", float) == "float16"
        assert ops.zeros((2,)).dtype == torch.float16
    finally:
        config.set_floatx(previous)
