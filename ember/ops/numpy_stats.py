"""NaN-ignoring reductions and more statistics: percentiles, histograms, ..."""

import torch

from ember.backend.symbolic import symbolic_op
from ember.ops._operands import axes, promoted, tensor, to_float
from ember.ops.numpy_reduce import (
    _dims,
    _empty_axis,
    _float_compute,
    argmax,
    argmin,
    cumprod,
    cumsum,
    prod,
    quantile,
    sum,
)


def _nan_extreme(x, axis, keepdims, fill, reduce):
    x = tensor(x)
    if not x.dtype.is_floating_point:
        return (
            x if _empty_axis(axis) else reduce(x, dim=_dims(axis, x), keepdim=keepdims)
        )
    if _empty_axis(axis):
        return x
    nan = torch.isnan(x)
    out = reduce(x.masked_fill(nan, fill), dim=_dims(axis, x), keepdim=keepdims)
    all_nan = torch.all(nan, dim=_dims(axis, x), keepdim=keepdims)
    return out.masked_fill(all_nan, float("nan"))


@symbolic_op
def nanmax(x, axis=None, keepdims=False):
    """Maximum along an axis, ignoring NaNs (NaN where all values are NaN)."""
    return _nan_extreme(x, axis, keepdims, float("-inf"), torch.amax)


@symbolic_op
def nanmin(x, axis=None, keepdims=False):
    """Minimum along an axis, ignoring NaNs (NaN where all values are NaN)."""
    return _nan_extreme(x, axis, keepdims, float("inf"), torch.amin)


def _nan_arg(x, axis, keepdims, fill, arg_fn):
    x = tensor(x)
    if not x.dtype.is_floating_point:
        return arg_fn(x, axis=axis, keepdims=keepdims)
    nan = torch.isnan(x)
    index = arg_fn(x.masked_fill(nan, fill), axis=axis, keepdims=keepdims)
    all_nan = (
        torch.all(nan, dim=axis, keepdim=keepdims)
        if axis is not None
        else (torch.all(nan).reshape((1,) * x.ndim if keepdims else ()))
    )
    return index.masked_fill(all_nan, -1)


@symbolic_op
def nanargmax(x, axis=None, keepdims=False):
    """Indices of the maxima ignoring NaNs (-1 where all values are NaN)."""
    return _nan_arg(x, axis, keepdims, float("-inf"), argmax)


@symbolic_op
def nanargmin(x, axis=None, keepdims=False):
    """Indices of the minima ignoring NaNs (-1 where all values are NaN)."""
    return _nan_arg(x, axis, keepdims, float("inf"), argmin)


@symbolic_op
def nansum(x, axis=None, keepdims=False):
    """Sum along an axis, treating NaNs as zero."""
    x = tensor(x)
    if x.dtype.is_floating_point:
        x = torch.nan_to_num(x, nan=0.0, posinf=float("inf"), neginf=float("-inf"))
    return sum(x, axis=axis, keepdims=keepdims)


@symbolic_op
def nanprod(x, axis=None, keepdims=False):
    """Product along an axis, treating NaNs as one."""
    x = tensor(x)
    if x.dtype.is_floating_point:
        x = x.masked_fill(torch.isnan(x), 1.0)
    if _empty_axis(axis):
        return x
    return prod(x, axis=axis, keepdims=keepdims)


@symbolic_op
def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum along an axis, treating NaNs as zero."""
    x = tensor(x)
    if x.dtype.is_floating_point:
        x = x.masked_fill(torch.isnan(x), 0.0)
    return cumsum(x, axis=axis, dtype=dtype)


@symbolic_op
def nancumprod(x, axis=None, dtype=None):
    """Cumulative product along an axis, treating NaNs as one."""
    x = tensor(x)
    if x.dtype.is_floating_point:
        x = x.masked_fill(torch.isnan(x), 1.0)
    return cumprod(x, axis=axis, dtype=dtype)


@symbolic_op
def nanmean(x, axis=None, keepdims=False):
    """Mean along an axis, ignoring NaNs."""
    x, out = _float_compute(tensor(x))
    if _empty_axis(axis):
        return x.to(out)
    return torch.nanmean(x, dim=_dims(axis, x), keepdim=keepdims).to(out)


@symbolic_op
def nanvar(x, axis=None, keepdims=False):
    """Variance along an axis, ignoring NaNs."""
    x, out = _float_compute(tensor(x))
    if _empty_axis(axis):
        return torch.zeros_like(x).masked_fill(torch.isnan(x), float("nan")).to(out)
    dims = _dims(axis, x)
    valid = ~torch.isnan(x)
    mean = torch.nanmean(x, dim=dims, keepdim=True)
    centered = torch.where(valid, x - mean, torch.zeros_like(x))
    count = torch.sum(valid, dim=dims, keepdim=keepdims)
    return (torch.sum(centered.square(), dim=dims, keepdim=keepdims) / count).to(out)


@symbolic_op
def nanstd(x, axis=None, keepdims=False):
    """Standard deviation along an axis, ignoring NaNs."""
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _quantile_along(fn, x, q, axis, method, keepdims):
    x, out = _float_compute(tensor(x))
    q = tensor(q, like=x).to(x.dtype)
    dims = axes(axis, x.ndim)
    kept = [d for d in range(x.ndim) if d not in dims]
    flat = x.permute(*kept, *dims).reshape(*[x.shape[d] for d in kept], -1)
    y = fn(flat, q, dim=-1, interpolation=method)
    if keepdims:
        for d in dims:
            y = y.unsqueeze(d + (1 if q.ndim else 0))
    return y.to(out)


@symbolic_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """Quantile(s) along an axis, ignoring NaNs (see `quantile`)."""
    return _quantile_along(torch.nanquantile, x, q, axis, method, keepdims)


@symbolic_op
def nanmedian(x, axis=None, keepdims=False):
    """Median along an axis, ignoring NaNs."""
    return _quantile_along(torch.nanquantile, x, 0.5, axis, "linear", keepdims)


@symbolic_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentile(s) along an axis (`q` in `[0, 100]`)."""
    q = to_float(tensor(q)) / 100.0
    return quantile(x, q, axis=axis, method=method, keepdims=keepdims)


@symbolic_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentile(s) along an axis, ignoring NaNs."""
    q = to_float(tensor(q)) / 100.0
    return _quantile_along(torch.nanquantile, x, q, axis, method, keepdims)


@symbolic_op
def ptp(x, axis=None, keepdims=False):
    """Range of values (maximum - minimum) along an axis."""
    x = tensor(x)
    if _empty_axis(axis):
        return torch.zeros_like(x)
    dims = _dims(axis, x)
    return torch.amax(x, dim=dims, keepdim=keepdims) - torch.amin(
        x, dim=dims, keepdim=keepdims
    )


@symbolic_op
def histogram(x, bins=10, range=None):
    """Histogram of the values of `x`: returns `(counts, bin_edges)`."""
    x = to_float(tensor(x))
    result = torch.histogram(x.reshape(-1), bins=bins, range=range)
    return result.hist, result.bin_edges


@symbolic_op
def corrcoef(x):
    """Pearson correlation coefficients of the rows (variables) of `x`."""
    x = tensor(x)
    if x.dtype == torch.int64:
        x = x.double()
    return torch.corrcoef(to_float(x))


@symbolic_op
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences (`"valid"`, `"same"` or `"full"`).

    As NumPy: `c[k] = sum_n x1[n + k] * conj(x2[n])`.
    """
    (x1, x2), _ = promoted(x1, x2, extra=(float,))
    n1, n2 = x1.shape[-1], x2.shape[-1]
    full = torch.nn.functional.conv1d(
        x1.reshape(1, 1, -1), x2.conj().reshape(1, 1, -1), padding=n2 - 1
    ).reshape(-1)
    if mode == "full":
        return full
    if mode == "same":
        start = (full.shape[0] - max(n1, n2)) // 2
        return full[start : start + max(n1, n2)]
    if mode == "valid":
        length = max(n1, n2) - min(n1, n2) + 1
        start = min(n1, n2) - 1
        return full[start : start + length]
    raise ValueError(
        "Invalid value for argument `mode` of `correlate`: expected 'valid', "
        f"'same' or 'full'. Received: mode={mode!r}."
    )


@symbolic_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integrates `y` along `axis` with the trapezoidal rule."""
    y = to_float(tensor(y))
    if x is not None:
        return torch.trapezoid(y, x=to_float(tensor(x, like=y)), dim=axis)
    return torch.trapezoid(y, dx=dx, dim=axis)


@symbolic_op
def argpartition(x, kth, axis=-1):
    """Indices that partition `x` around its `kth` smallest element along `axis`.

    The returned order is a full (stable) sort, a valid partition.
    """
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.argsort(x, dim=axis, stable=True).int()


@symbolic_op
def select(condlist, choicelist, default=0):
    """Picks from `choicelist[i]` where `condlist[i]` first holds, else `default`."""
    if len(condlist) != len(choicelist):
        raise ValueError(
            "`condlist` and `choicelist` must have the same length. Received: "
            f"{len(condlist)} and {len(choicelist)}."
        )
    *choices, out = promoted(*choicelist, default)[0]
    for condition, choice in zip(reversed(condlist), reversed(choices), strict=True):
        out = torch.where(tensor(condition, torch.bool), choice, out)
    return out
