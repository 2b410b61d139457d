"""`ops.max_pool` / `ops.average_pool` against Keras 3 (torch backend) and by hand:
every rank, both data formats, valid/same, strides, odd/even sizes, layouts."""

import itertools

import numpy as np
import pytest
import torch
from ops_testing import assert_same

from ember.layers.core.input_layer import Input
from ember.ops.nn_pool import average_pool, max_pool

keras = pytest.importorskip("keras")

OPS = {"max_pool": max_pool, "average_pool": average_pool}

# (pool_size, strides): even and odd windows, strides 1, equal, larger than
# the window, and per-axis tuples (cut to the rank).
WINDOWS = [(2, None), (3, 1), (2, 1), (3, 2), (4, 2), (2, 3), ((3, 2, 2), (1, 2, 3))]


def _cases():
    for rank, data_format, padding, (pool, strides), size in itertools.product(
        (1, 2, 3),
        ("channels_last", "channels_first"),
        ("valid", "same"),
        WINDOWS,
        (6, 7),
    ):
        if rank == 3 and size == 7:
            continue  # keeps the 3-D sweep small; odd sizes are covered below
        if isinstance(pool, tuple):
            pool, strides = pool[:rank], strides[:rank]
        spatial = (size, size - 1, size)[:rank]  # mixed odd and even sizes
        shape = (2, *spatial, 3) if data_format == "channels_last" else (2, 3, *spatial)
        name = f"{rank}d-{data_format[9:]}-{padding}-k{pool}-s{strides}-n{spatial}"
        yield pytest.param(shape, pool, strides, padding, data_format, id=name)


@pytest.mark.parametrize("op", OPS, ids=str)
@pytest.mark.parametrize("shape,pool,strides,padding,data_format", list(_cases()))
def test_matches_keras(op, shape, pool, strides, padding, data_format):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    expected = getattr(keras.ops, op)(x, pool, strides, padding, data_format)
    assert_same(OPS[op](x, pool, strides, padding, data_format), expected)


@pytest.mark.parametrize("op", OPS, ids=str)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_gradients_match_keras(op, padding):
    x = np.random.default_rng(1).standard_normal((2, 7, 5, 3)).astype("float32")
    grads = []
    for fn in (getattr(keras.ops, op), OPS[op]):
        t = torch.tensor(x, requires_grad=True)
        (fn(t, 3, 2, padding) ** 2).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-6)


def test_hand_computed_same_padding():
    # 5 steps, window 4, stride 2: 3 windows need 3 padded positions, 1 before
    # and 2 after. Max ignores them; the average repeats the edge values at the
    # uneven end (as Keras on torch does), but not for an even padding.
    x = torch.arange(1.0, 6.0).reshape(1, 5, 1)
    assert max_pool(x, 4, 2, "same").flatten().tolist() == [3.0, 5.0, 5.0]
    assert average_pool(x, 4, 2, "same").flatten().tolist() == [1.75, 3.5, 4.75]
    # Window 3, stride 1: one position each side, not counted.
    assert average_pool(x, 3, 1, "same").flatten().tolist() == [1.5, 2, 3, 4, 4.5]


def test_defaults_and_case_insensitive_padding():
    x = torch.arange(8.0).reshape(1, 8, 1)
    assert max_pool(x, 2).flatten().tolist() == [1, 3, 5, 7]  # strides = pool
    assert max_pool(x, 3, padding="SAME").shape == (1, 3, 1)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("op", OPS, ids=str)
def test_channels_last_runs_without_layout_copies(op, rank):
    # The result comes back channels-last and contiguous: torch pooled the
    # permuted view in its channels_last memory format (3-D average pooling
    # on CPU is the one kernel without that format).
    x = torch.randn(2, *(8,) * rank, 4)
    out = OPS[op](x, 2, padding="same")
    if not (rank == 3 and op == "average_pool"):
        assert out.is_contiguous()


@pytest.mark.parametrize("op", OPS, ids=str)
def test_symbolic_shapes_match_keras(op):
    for shape in [(7, 6, 3), (None, 5, 3), (None, None, 2)]:
        for padding in ("valid", "same"):
            ours = OPS[op](Input(shape=shape), 2, 1, padding)
            theirs = getattr(keras.ops, op)(keras.Input(shape=shape), 2, 1, padding)
            assert ours.shape == tuple(theirs.shape)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"rank 3, 4 or 5.*\(2, 3\)"):
        max_pool(torch.ones(2, 3), 2)
    with pytest.raises(ValueError, match=r"pool_size=\(4,\).*padding='valid'"):
        max_pool(torch.ones(1, 3, 2), 4)
    with pytest.raises(ValueError, match=r"`padding`.*'valid' or 'same'"):
        average_pool(torch.ones(1, 4, 2), 2, padding="full")
    with pytest.raises(ValueError, match=r"`pool_size`.*tuple of 2 integers"):
        max_pool(torch.ones(1, 4, 4, 2), (2, 2, 2))
    with pytest.raises(ValueError, match=r"`strides`.*> 0"):
        max_pool(torch.ones(1, 4, 4, 2), 2, 0)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_exported_as_keras_names_them(op):
    from ember import ops

    assert getattr(ops, op) is getattr(ops.nn, op) is OPS[op]
    assert op in ops.__all__
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6)).astype("float32")
    args = ((3, 2), 2, "same", "channels_first")
    assert_same(getattr(ops, op)(x, *args), getattr(keras.ops, op)(x, *args))
