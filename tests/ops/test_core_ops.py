"""Core ops: conversion, casting, control flow, scatter and slice updates."""

import numpy as np
import pytest
import torch
from ops_testing import assert_same

from ember import ops
from ember.backend import KerasTensor, Variable

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 3)).astype("float32")


def test_convert_to_numpy_round_trip():
    t = torch.tensor(X, requires_grad=True)
    np.testing.assert_array_equal(ops.convert_to_numpy(t), X)
    out = ops.convert_to_numpy(torch.ones(2, dtype=torch.bfloat16))
    assert out.dtype == np.float32
    assert ops.convert_to_numpy([torch.ones(2), torch.zeros(2)]).shape == (2, 2)


def test_convert_to_tensor_rejects_sparse_and_objects():
    with pytest.raises(ValueError, match="sparse"):
        ops.convert_to_tensor(X, sparse=True)
    with pytest.raises(TypeError, match="Cannot convert"):
        ops.convert_to_tensor({"a": 1})


def test_convert_to_tensor_stacks_lists_of_tensors():
    out = ops.convert_to_tensor([torch.ones(2), torch.zeros(2)])
    assert tuple(out.shape) == (2, 2)


def test_variables_pass_through_ops():
    v = Variable(torch.ones(3))
    assert ops.convert_to_tensor(v) is v
    out = ops.add(v, 1.0)
    assert type(out) is torch.Tensor
    assert out.requires_grad


def test_shape_dtype_is_tensor():
    assert ops.shape(X) == (4, 3)
    assert ops.shape(torch.ones(2, 5)) == (2, 5)
    assert all(type(d) is int for d in ops.shape(torch.ones(2, 5)))
    assert ops.shape(KerasTensor((None, 3))) == (None, 3)
    assert ops.dtype(torch.ones(2, dtype=torch.int8)) == "int8"
    assert ops.dtype(KerasTensor((2,), "int32")) == "int32"
    assert ops.is_tensor(torch.ones(1)) and not ops.is_tensor(X)


@pytest.mark.parametrize(
    "value,dtype",
    [(X * 1e3, "int8"), (X * 1e5, "float16"), (-X, "uint8")],
    ids=["int8", "float16", "uint8"],
)
def test_saturate_cast_matches_keras(value, dtype):
    assert_same(ops.saturate_cast(value, dtype), keras.ops.saturate_cast(value, dtype))


def test_stop_gradient():
    x = torch.ones(3, requires_grad=True)
    y = (ops.stop_gradient(x) * x).sum()
    y.backward()
    torch.testing.assert_close(x.grad, torch.ones(3))


def test_cond_and_switch():
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert ops.cond(torch.tensor(False), lambda: 1, lambda: 2) == 2
    branches = [lambda x: x + 1, lambda x: x * 10]
    assert ops.switch(1, branches, 3) == 30
    assert ops.switch(7, branches, 3) == 30  # clamped, as Keras does
    assert ops.switch(-1, branches, 3) == 4


def test_while_loop_and_fori_loop():
    def cond(i, total):
        return i < 5

    def body(i, total):
        return i + 1, total + i

    ours = ops.while_loop(cond, body, (0, 0))
    assert_same(ours, keras.ops.while_loop(cond, body, (0, 0)))
    single = ops.while_loop(lambda x: x < 10, lambda x: x * 2, 1)
    assert int(single) == 16
    capped = ops.while_loop(lambda x: x < 10, lambda x: x + 1, 0, maximum_iterations=3)
    assert int(capped) == 3
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 10) == 16


def test_scan_map_and_vectorized_map():
    xs = RNG.standard_normal((5, 2)).astype("float32")

    def step(carry, x):
        carry = carry + x
        return carry, carry * 2

    ours = ops.scan(step, np.zeros(2, "float32"), xs)
    assert_same(ours, keras.ops.scan(step, np.zeros(2, "float32"), xs))
    assert_same(
        ops.scan(step, np.zeros(2, "float32"), xs, reverse=True),
        keras.ops.scan(step, np.zeros(2, "float32"), xs, reverse=True),
    )
    assert_same(ops.map(lambda x: x * 2, xs), keras.ops.map(lambda x: x * 2, xs))
    assert_same(
        ops.vectorized_map(lambda x: x.sum(), torch.from_numpy(xs)),
        keras.ops.vectorized_map(lambda x: x.sum(), torch.from_numpy(xs)),
    )


def test_associative_scan_matches_keras():
    xs = RNG.standard_normal((6, 3)).astype("float32")
    assert_same(
        ops.associative_scan(ops.add, xs), keras.ops.associative_scan(ops.add, xs)
    )
    assert_same(
        ops.associative_scan(ops.maximum, xs, reverse=True, axis=1),
        keras.ops.associative_scan(keras.ops.maximum, xs, reverse=True, axis=1),
    )


def test_scatter_and_scatter_update():
    indices = np.array([[0, 1], [2, 0], [0, 1]])
    values = np.array([1.0, 2.0, 3.0], "float32")
    assert_same(
        ops.scatter(indices, values, (3, 2)), keras.ops.scatter(indices, values, (3, 2))
    )
    rows = np.array([[1], [3]])
    updates = np.ones((2, 3), "float32")
    assert_same(
        ops.scatter_update(X, rows, updates), keras.ops.scatter_update(X, rows, updates)
    )
    for reduction in ("add", "max", "min", "mul"):
        assert_same(
            ops.scatter_update(X, rows, updates * 2, reduction=reduction),
            keras.ops.scatter_update(X, rows, updates * 2, reduction=reduction),
        )
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(X, rows, updates, reduction="mean")


def test_slice_and_slice_update():
    assert_same(ops.slice(X, (1, 0), (2, 2)), keras.ops.slice(X, (1, 0), (2, 2)))
    assert_same(
        ops.slice(X, torch.tensor([1, 1]), torch.tensor([3, 2])),
        keras.ops.slice(X, torch.tensor([1, 1]), torch.tensor([3, 2])),
    )
    updates = np.zeros((2, 2), "float32")
    assert_same(
        ops.slice_update(X, (2, 1), updates), keras.ops.slice_update(X, (2, 1), updates)
    )


def test_unstack():
    parts = ops.unstack(X, axis=1)
    assert len(parts) == 3 and tuple(parts[0].shape) == (4,)
    with pytest.raises(ValueError, match="num"):
        ops.unstack(X, num=2)


def test_custom_gradient():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

        return ops.log(1 + e), grad

    x = torch.tensor([100.0, 0.0], requires_grad=True)
    log1pexp(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([1.0, 0.5]))


def test_get_item_numpy_keys():
    a = np.arange(60).reshape(3, 4, 5)
    keys = [
        (slice(None), 1),
        (Ellipsis, slice(None, None, -1)),
        (slice(2, 0, -1), None, [0, 3]),
        (a[..., 0] > 20,),
        (np.array([2, 0]), slice(1, None, 2), -1),
        (slice(None, None, -2), slice(None, None, -3), slice(4, None, -2)),
        (0,),
        (slice(5, 7, -1),),
    ]
    for key in keys:
        expected = a[key]
        out = ops.get_item(a, key if len(key) > 1 else key[0])
        np.testing.assert_array_equal(ops.convert_to_numpy(out), expected)


def test_convert_to_numpy_copies_as_keras_does():
    tensor = torch.zeros(3)
    variable = Variable(torch.zeros(2))
    arrays = ops.convert_to_numpy(tensor), ops.convert_to_numpy(variable)
    with torch.no_grad():
        tensor.add_(1.0)
        variable.add_(1.0)
    np.testing.assert_array_equal(arrays[0], np.zeros(3))
    np.testing.assert_array_equal(arrays[1], np.zeros(2))
