"""NumPy-style tensor creation: zeros, ones, full, eye, arange, linspace, ..."""

import torch

from ember.backend import config
from ember.backend.dtypes import standardize_dtype, to_torch_dtype
from ember.backend.symbolic import symbolic_op
from ember.ops._operands import tensor, weak_dtype
from ember.ops.dtypes import promote_types, result_type


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def _dtype(dtype):
    return to_torch_dtype(dtype or config.floatx())


def zeros(shape, dtype=None):
    """Returns a new tensor of given shape and type, filled with zeros."""
    return torch.zeros(_shape(shape), dtype=_dtype(dtype))


def ones(shape, dtype=None):
    """Returns a new tensor of given shape and type, filled with ones."""
    return torch.ones(_shape(shape), dtype=_dtype(dtype))


def empty(shape, dtype=None):
    """Returns a tensor of given shape and type with uninitialized values."""
    return torch.empty(_shape(shape), dtype=_dtype(dtype))


@symbolic_op
def full(shape, fill_value, dtype=None):
    """Returns a tensor of `shape` filled with `fill_value` (`floatx()` by default)."""
    fill = tensor(fill_value, standardize_dtype(dtype))
    return torch.broadcast_to(fill, _shape(shape)).clone()


@symbolic_op
def zeros_like(x, dtype=None):
    """Returns a tensor of zeros with the same shape and type as `x`."""
    x = tensor(x)
    return torch.zeros_like(x, dtype=to_torch_dtype(dtype) if dtype else x.dtype)


@symbolic_op
def ones_like(x, dtype=None):
    """Returns a tensor of ones with the same shape and type as `x`."""
    x = tensor(x)
    return torch.ones_like(x, dtype=to_torch_dtype(dtype) if dtype else x.dtype)


@symbolic_op
def empty_like(x, dtype=None):
    """Returns an uninitialized tensor with the same shape and type as `x`."""
    x = tensor(x)
    return torch.empty_like(x, dtype=to_torch_dtype(dtype) if dtype else x.dtype)


@symbolic_op
def full_like(x, fill_value, dtype=None):
    """Returns a full tensor with the same shape and type as `x`."""
    x = tensor(x)
    dtype = to_torch_dtype(dtype) if dtype else x.dtype
    fill = tensor(fill_value, dtype, like=x)
    return torch.broadcast_to(fill, x.shape).clone()


def eye(N, M=None, k=0, dtype=None):
    """Returns a 2-D tensor with ones on the `k`-th diagonal and zeros elsewhere."""
    M = N if M is None else M
    k = 0 if k is None else int(k)
    out = torch.zeros((N, M), dtype=_dtype(dtype))
    out.diagonal(k).fill_(1)
    return out


def identity(n, dtype=None):
    """Returns the identity matrix of size `n`."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Returns a tensor with ones at and below the `k`-th diagonal."""
    M = N if M is None else M
    return torch.tril(torch.ones((N, M), dtype=_dtype(dtype)), diagonal=k)


def arange(start, stop=None, step=None, dtype=None):
    """Returns evenly spaced values within `[start, stop)`.

    The dtype follows the arguments (Python ints give `int32`) unless given.
    """
    if dtype is None:
        values = [v for v in (start, stop, step) if v is not None]
        dtype = result_type(*(getattr(v, "dtype", type(v)) for v in values))
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    return torch.arange(start, stop, step, dtype=to_torch_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """Returns `num` evenly spaced numbers over `[start, stop]`.

    Args:
        start: The starting value (scalar or tensor).
        stop: The end value (scalar or tensor).
        num: Number of samples.
        endpoint: Whether `stop` is the last sample.
        retstep: If True, also return the spacing.
        dtype: Output dtype; defaults from the inputs (floats).
        axis: The axis of the samples when `start`/`stop` are tensors.

    Returns:
        The samples, or `(samples, step)` when `retstep=True`.
    """
    if dtype is None:
        dtype = promote_types(weak_dtype(start), weak_dtype(stop), float)
    out_dtype = to_torch_dtype(dtype)
    compute = torch.float64 if out_dtype == torch.float64 else torch.float32
    start_t, stop_t = tensor(start, compute), tensor(stop, compute)
    div = (num - 1) if endpoint else num
    step = (stop_t - start_t) / div if div > 0 else torch.full_like(start_t, torch.nan)
    ramp = torch.arange(num, dtype=compute).reshape(num, *([1] * start_t.ndim))
    samples = start_t + ramp * step
    if endpoint and num > 1:
        samples[-1] = stop_t
    if start_t.ndim:
        samples = torch.movedim(samples, 0, axis)
    if not out_dtype.is_floating_point:
        samples = torch.floor(samples)
    samples = samples.to(out_dtype)
    return (samples, step) if retstep else samples


@symbolic_op
def array(x, dtype=None):
    """Creates a tensor from `x` (as `convert_to_tensor`)."""
    return tensor(x, dtype)


def _log_samples(start, stop, num, endpoint, dtype, axis, to_exponent):
    if dtype is None:
        dtype = promote_types(weak_dtype(start), weak_dtype(stop), float)
    exponents = linspace(
        to_exponent(start),
        to_exponent(stop),
        num,
        endpoint=endpoint,
        axis=axis,
        dtype=torch.float64,
    )
    return exponents, to_torch_dtype(dtype)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """Returns `num` numbers spaced evenly on a log scale: `base**linspace(...)`."""
    exponents, out = _log_samples(
        start, stop, num, endpoint, dtype, axis, lambda v: tensor(v, torch.float64)
    )
    return torch.pow(base, exponents).to(out)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Returns `num` numbers spaced evenly on a log scale from `start` to `stop`."""
    start_t, stop_t = tensor(start, torch.float64), tensor(stop, torch.float64)
    exponents, out = _log_samples(
        start,
        stop,
        num,
        endpoint,
        dtype,
        axis,
        lambda v: torch.log10(torch.abs(tensor(v, torch.float64))),
    )
    sign = torch.sign(start_t)
    if start_t.ndim:
        sign = torch.movedim(sign.unsqueeze(0), 0, axis)
    samples = sign * torch.pow(10.0, exponents)
    if endpoint and num > 1:
        # Exact end points, as NumPy gives them.
        first = [slice(None)] * samples.ndim
        last = [slice(None)] * samples.ndim
        first[axis], last[axis] = 0, -1
        samples[tuple(first)] = start_t
        samples[tuple(last)] = stop_t
    return samples.to(out)


@symbolic_op
def vander(x, N=None, increasing=False):
    """Vandermonde matrix: columns are powers of the 1-D input `x`."""
    return torch.vander(tensor(x), N=N, increasing=increasing)
