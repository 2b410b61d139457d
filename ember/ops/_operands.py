"""Argument handling shared by the ops: tensors, weak Python scalars, axes."""

import functools

import torch

from ember.backend import config
from ember.backend.dtypes import standardize_dtype, to_torch_dtype
from ember.ops.core import _to_tensor
from ember.ops.dtypes import promote_types

_SCALARS = (bool, int, float, complex)


def is_python_scalar(x) -> bool:
    return isinstance(x, _SCALARS)


def tensor(x, dtype=None, like=None) -> torch.Tensor:
    """`x` as a tensor; arrays follow `like` onto its device."""
    if isinstance(x, torch.Tensor):
        return _to_tensor(x, dtype)
    device = like.device if isinstance(like, torch.Tensor) else None
    if is_python_scalar(x) or device is None or device.type == "meta":
        return _to_tensor(x, dtype)
    return _to_tensor(x, dtype, device=device)


def weak_dtype(x):
    """The promotion-lattice entry of `x`: Python `int`/`float` stay weak."""
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return int
    if isinstance(x, float):
        return float
    if isinstance(x, complex):
        return "complex64"
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return standardize_dtype(_to_tensor(x).dtype)
    return dtype


@functools.lru_cache(maxsize=4096)
def _promoted_dtype(kinds, floatx):
    return to_torch_dtype(promote_types(*kinds))


def scalar_for(value, other: torch.Tensor):
    """A Python scalar meeting tensor `other`, as Keras promotes it.

    Kept as a Python number where torch's own scalar promotion agrees with
    Keras's (cheaper); otherwise a 0-d CPU tensor of Keras's dtype for it.
    """
    if isinstance(value, float) and not (
        other.dtype.is_floating_point or other.dtype.is_complex
    ):
        return torch.tensor(value, dtype=to_torch_dtype(config.floatx()), device="cpu")
    if type(value) is int and other.dtype == torch.bool:
        return _to_tensor(value, device="cpu")
    return value


def pair(x1, x2, scalars_ok=True):
    """Operands for a torch binary op that promotes as Keras on torch does.

    With `scalars_ok=False`, Python scalars become 0-d tensors (for torch
    functions that only take tensors).
    """
    t1, t2 = isinstance(x1, torch.Tensor), isinstance(x2, torch.Tensor)
    if not t1 and not t2:
        if is_python_scalar(x1) and is_python_scalar(x2):
            return _to_tensor(x1), _to_tensor(x2)
        if is_python_scalar(x1):
            x2, t2 = _to_tensor(x2), True
        else:
            x1, t1 = _to_tensor(x1), True
    if not t1:
        x1 = scalar_for(x1, x2) if is_python_scalar(x1) else tensor(x1, like=x2)
    if not t2:
        x2 = scalar_for(x2, x1) if is_python_scalar(x2) else tensor(x2, like=x1)
    if not scalars_ok:
        if not isinstance(x1, torch.Tensor):
            x1 = torch.tensor(x1, dtype=_scalar_dtype(x1, x2), device="cpu")
        if not isinstance(x2, torch.Tensor):
            x2 = torch.tensor(x2, dtype=_scalar_dtype(x2, x1), device="cpu")
    return x1, x2


def _scalar_dtype(value, other):
    if isinstance(value, bool):
        return torch.bool
    if isinstance(value, complex):
        return torch.complex64
    # A weak scalar next to a tensor of the same kind takes its dtype.
    return other.dtype


def promoted(*values, extra=()):
    """Tensors of `values` cast to their Keras-promoted dtype (with `extra` types).

    Returns `(tensors, torch_dtype)`.
    """
    first = values[0]
    if not extra and isinstance(first, torch.Tensor):
        same = all(
            isinstance(v, torch.Tensor) and v.dtype == first.dtype for v in values
        )
        if same:
            return list(values), first.dtype
    kinds = tuple(weak_dtype(v) for v in values) + tuple(extra)
    dtype = _promoted_dtype(kinds, config.floatx())
    like = next((v for v in values if isinstance(v, torch.Tensor)), None)
    return [tensor(v, dtype, like=like) for v in values], dtype


def float_dtype_for(dtype: torch.dtype) -> torch.dtype:
    """The dtype a float-valued op (exp, sqrt, mean, ...) returns for `dtype`."""
    if dtype.is_floating_point or dtype.is_complex:
        return dtype
    return to_torch_dtype(config.floatx())


def to_float(x: torch.Tensor) -> torch.Tensor:
    dtype = float_dtype_for(x.dtype)
    return x if x.dtype == dtype else x.to(dtype)


def axes(axis, ndim: int):
    """`axis` (None, an int or a sequence) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(
                f"Invalid value for argument `axis`: expected an axis in "
                f"[{-ndim}, {ndim}) for a tensor of rank {ndim}. Received: axis={a}."
            )
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(out))
