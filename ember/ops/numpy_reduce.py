"""NumPy-style reductions, statistics, sorting and cumulative ops."""

import builtins

import torch

from ember.backend.dtypes import to_torch_dtype
from ember.backend.symbolic import symbolic_op
from ember.ops._operands import axes, promoted, tensor
from ember.ops.dtypes import promote_types

# Sums and products of small integers and bools accumulate in int32, as in JAX.
_SMALL_INTS = (torch.bool, torch.uint8, torch.int8, torch.int16)


def _empty_axis(axis) -> bool:
    return axis is not None and not isinstance(axis, int) and len(axis) == 0


def _dims(axis, x):
    """`axis` in torch's form: None, an int or a tuple (torch checks the range)."""
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(int(a) for a in axis)


@symbolic_op
def sum(x, axis=None, keepdims=False):
    """Sum of tensor elements over the given axis (or all)."""
    x = tensor(x)
    if _empty_axis(axis):
        return x
    if x.dtype.is_floating_point:
        return torch.sum(x, dim=_dims(axis, x), keepdim=keepdims)
    # torch sums integers in int64; Keras keeps int32 (int32 for small ints too).
    dtype = torch.int32 if x.dtype in _SMALL_INTS else x.dtype
    return torch.sum(x, dim=_dims(axis, x), keepdim=keepdims, dtype=dtype)


@symbolic_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of tensor elements over the given axis (or all)."""
    x = tensor(x)
    if dtype is None:
        out = torch.int32 if x.dtype in _SMALL_INTS else x.dtype
    else:
        out = to_torch_dtype(dtype)
    if axis is None:
        result = torch.prod(x, dtype=out)
        if keepdims:
            result = result.reshape((1,) * x.ndim)
        return result
    for a in reversed(axes(axis, x.ndim)):
        x = torch.prod(x, dim=a, keepdim=keepdims, dtype=out)
    return x


@symbolic_op
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean along the given axis (integers give `float32`)."""
    x = tensor(x)
    if _empty_axis(axis):
        return x
    if x.dtype in (torch.float32, torch.float64):
        return torch.mean(x, dim=_dims(axis, x), keepdim=keepdims)
    # Integers give floats; half precision accumulates in float32.
    compute = to_torch_dtype(promote_types(x.dtype, "float32"))
    out = compute if not x.dtype.is_floating_point else x.dtype
    return torch.mean(x.to(compute), dim=_dims(axis, x), keepdim=keepdims).to(out)


def _extreme(x, axis, keepdims, initial, reduce, combine, name):
    x = tensor(x)
    if x.numel() == 0 and not x.is_meta:
        if initial is None:
            raise ValueError(f"Cannot compute the {name} of an empty tensor.")
        shape = (1,) * x.ndim if keepdims else ()
        return torch.full(shape, initial, dtype=x.dtype)
    if _empty_axis(axis):
        result = x
    else:
        result = reduce(x, dim=_dims(axis, x), keepdim=keepdims)
    if initial is not None:
        result = combine(result, torch.tensor(initial, dtype=result.dtype))
    return result


@symbolic_op
def max(x, axis=None, keepdims=False, initial=None):
    """Maximum of a tensor or maximum along an axis."""
    return _extreme(x, axis, keepdims, initial, torch.amax, torch.maximum, "max")


@symbolic_op
def min(x, axis=None, keepdims=False, initial=None):
    """Minimum of a tensor or minimum along an axis."""
    return _extreme(x, axis, keepdims, initial, torch.amin, torch.minimum, "min")


@symbolic_op
def amax(x, axis=None, keepdims=False):
    """Maximum of a tensor or maximum along an axis."""
    return _extreme(x, axis, keepdims, None, torch.amax, torch.maximum, "max")


@symbolic_op
def amin(x, axis=None, keepdims=False):
    """Minimum of a tensor or minimum along an axis."""
    return _extreme(x, axis, keepdims, None, torch.amin, torch.minimum, "min")


def _float_compute(x):
    """Input in the dtype statistics compute in, and the dtype they return."""
    result = to_torch_dtype(promote_types(x.dtype, float))
    compute = to_torch_dtype(promote_types(x.dtype, "float32"))
    return x.to(compute), result


@symbolic_op
def var(x, axis=None, keepdims=False):
    """Variance along the given axis (population variance, as NumPy)."""
    x, out = _float_compute(tensor(x))
    if _empty_axis(axis):
        return torch.zeros_like(x, dtype=out)
    return torch.var(x, dim=_dims(axis, x), keepdim=keepdims, correction=0).to(out)


@symbolic_op
def std(x, axis=None, keepdims=False):
    """Standard deviation along the given axis (population, as NumPy)."""
    x, out = _float_compute(tensor(x))
    if _empty_axis(axis):
        return torch.zeros_like(x, dtype=out)
    return torch.std(x, dim=_dims(axis, x), keepdim=keepdims, correction=0).to(out)


@symbolic_op
def average(x, axis=None, weights=None):
    """Weighted average along the given axis (weights 1-D along `axis`, or full)."""
    values = (x,) if weights is None else (x, weights)
    tensors, _ = promoted(*values, extra=(float,))
    x = tensors[0]
    if _empty_axis(axis):
        return x
    if weights is None:
        return torch.mean(x, dim=_dims(axis, x))
    w = tensors[1]
    if axis is not None and w.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axes(axis, x.ndim)[0]] = -1
        w = w.reshape(shape)
    w = torch.broadcast_to(w, x.shape)
    dims = _dims(axis, x)
    return torch.sum(x * w, dim=dims) / torch.sum(w, dim=dims)


@symbolic_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """Computes the `q`-th quantile(s) of the data along the given axis.

    Args:
        x: Input tensor.
        q: A probability or sequence of probabilities in `[0, 1]`.
        axis: Axis or axes to reduce; `None` reduces all.
        method: `"linear"`, `"lower"`, `"higher"`, `"midpoint"` or `"nearest"`.
        keepdims: Whether to keep the reduced axes with size 1.

    Returns:
        The quantiles; a leading axis indexes `q` when it is a sequence.
    """
    x, out = _float_compute(tensor(x))
    q = tensor(q, like=x).to(x.dtype)
    dims = axes(axis, x.ndim)
    kept = [d for d in range(x.ndim) if d not in dims]
    flat = x.permute(*kept, *dims).reshape(*[x.shape[d] for d in kept], -1)
    y = torch.quantile(flat, q, dim=-1, interpolation=method)
    if keepdims:
        offset = 1 if q.ndim else 0
        for d in dims:
            y = y.unsqueeze(d + offset)
    return y.to(out)


@symbolic_op
def median(x, axis=None, keepdims=False):
    """Median along the given axis (the mean of the two middle values if even)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


@symbolic_op
def all(x, axis=None, keepdims=False):
    """Tests whether all elements along the given axis evaluate to True."""
    x = tensor(x)
    if _empty_axis(axis):
        return x.bool()
    return torch.all(x, dim=_dims(axis, x), keepdim=keepdims).bool()


@symbolic_op
def any(x, axis=None, keepdims=False):
    """Tests whether any element along the given axis evaluates to True."""
    x = tensor(x)
    if _empty_axis(axis):
        return x.bool()
    return torch.any(x, dim=_dims(axis, x), keepdim=keepdims).bool()


@symbolic_op
def count_nonzero(x, axis=None):
    """Counts the non-zero values along the given axis (as `int32`)."""
    x = tensor(x)
    if _empty_axis(axis):
        return (x != 0).int()
    return torch.count_nonzero(x, dim=_dims(axis, x)).int()


def _arg_reduce(torch_fn, x, axis, keepdims):
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None and keepdims:
        out = torch_fn(x.reshape(-1)).reshape((1,) * x.ndim)
    else:
        out = torch_fn(x, dim=axis, keepdim=keepdims)
    return out.int()


@symbolic_op
def argmax(x, axis=None, keepdims=False):
    """Returns the indices of the maximum values along an axis (as `int32`)."""
    return _arg_reduce(torch.argmax, x, axis, keepdims)


@symbolic_op
def argmin(x, axis=None, keepdims=False):
    """Returns the indices of the minimum values along an axis (as `int32`)."""
    return _arg_reduce(torch.argmin, x, axis, keepdims)


@symbolic_op
def argsort(x, axis=-1):
    """Returns the indices that would sort a tensor (stable, as `int32`)."""
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.argsort(x, dim=axis, stable=True).int()


@symbolic_op
def sort(x, axis=-1):
    """Returns a sorted copy of a tensor along `axis` (flattened for `None`)."""
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.sort(x, dim=axis, stable=True).values


def _cumulative(torch_fn, x, axis, dtype):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if dtype is None:
        out = torch.int32 if x.dtype == torch.bool else x.dtype
    else:
        out = to_torch_dtype(dtype)
    return torch_fn(x, dim=axis, dtype=out)


@symbolic_op
def cumsum(x, axis=None, dtype=None):
    """Returns the cumulative sum of elements along a given axis."""
    return _cumulative(torch.cumsum, x, axis, dtype)


@symbolic_op
def cumprod(x, axis=None, dtype=None):
    """Returns the cumulative product of elements along a given axis."""
    return _cumulative(torch.cumprod, x, axis, dtype)


@symbolic_op
def diff(a, n=1, axis=-1):
    """Calculates the `n`-th discrete difference along the given axis."""
    return torch.diff(tensor(a), n=n, dim=axis)


@symbolic_op
def nonzero(x):
    """Returns the indices of the non-zero elements, one `int32` tensor per axis."""
    return tuple(i.int() for i in torch.nonzero(tensor(x), as_tuple=True))


@symbolic_op
def searchsorted(sorted_sequence, values, side="left"):
    """Indices where `values` would be inserted to keep a 1-D sequence sorted."""
    sorted_sequence = tensor(sorted_sequence)
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "`searchsorted` only supports 1-D sorted sequences. Received: "
            f"sorted_sequence.shape={tuple(sorted_sequence.shape)}."
        )
    values = tensor(values, like=sorted_sequence)
    return torch.searchsorted(sorted_sequence, values, side=side, out_int32=True)


@symbolic_op
def digitize(x, bins):
    """Returns the indices of the bins to which each value of `x` belongs."""
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.bucketize(x, tensor(bins, like=x), right=True).int()


@symbolic_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts the occurrences of each value in a non-negative int tensor.

    For a 2-D `x`, counts each row separately.
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported by ember.")
    x = tensor(x)
    if weights is not None:
        weights = tensor(weights, like=x)
        dtype = to_torch_dtype(promote_types(weights.dtype))
    else:
        dtype = torch.int32
    length = builtins.max(int(minlength), int(x.max()) + 1 if x.numel() else 0)

    def count(row, w):
        return torch.bincount(row, weights=w, minlength=length).to(dtype)

    if x.ndim == 1:
        return count(x, weights)
    return torch.stack(
        [count(x[i], None if weights is None else weights[i]) for i in range(len(x))]
    )


@symbolic_op
def unique(
    x,
    sorted=True,
    return_index=False,
    return_inverse=False,
    return_counts=False,
    axis=None,
    size=None,
    fill_value=None,
):
    """Finds the unique elements of a tensor (sorted), as NumPy's `unique`.

    Args:
        x: Input tensor.
        sorted: Accepted for API compatibility; the result is always sorted.
        return_index: Also return the first index of each unique value.
        return_inverse: Also return indices reconstructing `x` from the result.
        return_counts: Also return the count of each unique value.
        axis: Axis along which to find unique slices; `None` flattens.
        size: Optional fixed output length (padded with `fill_value` or cut).
        fill_value: Padding value when `size` exceeds the unique count
            (defaults to the smallest unique value).

    Returns:
        The unique values, or a tuple with the requested extra outputs.
    """
    x = tensor(x)
    source = x.reshape(-1) if axis is None else x
    dim = 0 if axis is None else axis % x.ndim
    values, inverse, counts = torch.unique(
        source, sorted=True, return_inverse=True, return_counts=True, dim=dim
    )
    first = None
    if return_index:
        n = source.shape[dim]
        positions = torch.arange(n, device=x.device)
        first = torch.full((values.shape[dim],), n, device=x.device)
        first = first.scatter_reduce(0, inverse, positions, "amin")
    if size is not None:
        values = _fit(values, size, dim, 0 if fill_value is None else fill_value)
        counts = _fit(counts, size, 0, 0)
        first = None if first is None else _fit(first, size, 0, 1)
    outputs = [values]
    if return_index:
        outputs.append(first)
    if return_inverse:
        outputs.append(inverse if axis is not None else inverse.reshape(x.shape))
    if return_counts:
        outputs.append(counts)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fit(values, size, dim, fill):
    """Cuts or pads (with `fill`) `values` along `dim` to length `size`."""
    n = values.shape[dim]
    if n >= size:
        return values.narrow(dim, 0, size)
    pad_shape = list(values.shape)
    pad_shape[dim] = size - n
    padding = torch.full(pad_shape, fill, dtype=values.dtype, device=values.device)
    return torch.cat([values, padding], dim=dim)
