"""NumPy-style products: matmul, dot, einsum, tensordot, outer, inner, cross."""

import numpy as np
import torch

from ember.backend import config
from ember.backend.dtypes import to_torch_dtype
from ember.backend.symbolic import symbolic_op
from ember.ops._operands import promoted, tensor


def _is_int8(x):
    dtype = getattr(x, "dtype", None)
    return dtype == torch.int8 or (isinstance(dtype, np.dtype) and dtype == np.int8)


def _product_dtypes(x1, x2):
    """Operands in a dtype torch can multiply, and the dtype Keras returns."""
    both_int8 = _is_int8(x1) and _is_int8(x2)
    (x1, x2), out = promoted(x1, x2)
    if both_int8:
        # int8 products accumulate in int32 so they do not overflow.
        out = torch.int32
        compute = torch.int32
    elif out == torch.bool or (not out.is_floating_point and x1.device.type != "cpu"):
        # No bool matmul anywhere, no integer matmul on accelerators.
        compute = to_torch_dtype(config.floatx())
    else:
        compute = out
    if compute != out:
        x1, x2 = x1.to(compute), x2.to(compute)
    return x1, x2, out


def _cast(x, dtype):
    return x if x.dtype == dtype else x.to(dtype)


@symbolic_op
def matmul(x1, x2):
    """Matrix product of two tensors (batched over leading axes)."""
    x1, x2, out = _product_dtypes(x1, x2)
    return _cast(torch.matmul(x1, x2), out)


@symbolic_op
def dot(x1, x2):
    """Dot product of two tensors, as NumPy's `dot`.

    Scalars multiply; otherwise sums over the last axis of `x1` and the
    second-to-last axis of `x2` (the only axis when `x2` is 1-D).
    """
    x1, x2, out = _product_dtypes(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        result = x1 * x2
    elif x2.ndim <= 2:
        result = torch.matmul(x1, x2)
    else:
        result = torch.tensordot(x1, x2, dims=([-1], [-2]))
    return _cast(result, out)


@symbolic_op
def vdot(x1, x2):
    """Dot product of two flattened tensors (conjugating the first)."""
    x1, x2, out = _product_dtypes(x1, x2)
    return _cast(torch.vdot(x1.reshape(-1), x2.reshape(-1)), out)


@symbolic_op
def inner(x1, x2):
    """Inner product over the last axes of two tensors."""
    x1, x2, out = _product_dtypes(x1, x2)
    return _cast(torch.inner(x1, x2), out)


@symbolic_op
def outer(x1, x2):
    """Outer product of two flattened tensors."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.outer(x1.reshape(-1), x2.reshape(-1))


@symbolic_op
def tensordot(x1, x2, axes=2):
    """Tensor dot product along the given axes.

    Args:
        x1: First tensor.
        x2: Second tensor.
        axes: An int `N` (sum over the last `N` axes of `x1` and the first `N`
            of `x2`), or a pair of axis lists.

    Returns:
        The tensor dot product.
    """
    x1, x2, out = _product_dtypes(x1, x2)
    if isinstance(axes, (list, tuple)):
        first, second = axes
        first = [first] if isinstance(first, int) else list(first)
        second = [second] if isinstance(second, int) else list(second)
        axes = (first, second)
    return _cast(torch.tensordot(x1, x2, dims=axes), out)


@symbolic_op
def einsum(subscripts, *operands, **kwargs):
    """Evaluates the Einstein summation convention on the operands."""
    tensors, dtype = promoted(*operands)
    if dtype == torch.int8:
        # As matmul: int8 operands accumulate in int32.
        tensors = [t.to(torch.int32) for t in tensors]
    return torch.einsum(subscripts, *tensors)


@symbolic_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of two (arrays of) 3-vectors.

    Args:
        x1: Components of the first vector(s).
        x2: Components of the second vector(s).
        axisa: Axis of `x1` holding the vectors.
        axisb: Axis of `x2` holding the vectors.
        axisc: Axis of the result holding the vectors.
        axis: If given, overrides `axisa`, `axisb` and `axisc`.

    Returns:
        The vector cross product(s).
    """
    (x1, x2), _ = promoted(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    x1 = torch.movedim(x1, axisa, -1)
    x2 = torch.movedim(x2, axisb, -1)
    if x1.shape[-1] == 2 or x2.shape[-1] == 2:
        x1 = torch.nn.functional.pad(x1, (0, 3 - x1.shape[-1]))
        x2 = torch.nn.functional.pad(x2, (0, 3 - x2.shape[-1]))
        x1, x2 = torch.broadcast_tensors(x1, x2)
        # 2-vectors: the result is the z component only (as NumPy).
        return torch.linalg.cross(x1, x2, dim=-1)[..., 2]
    x1, x2 = torch.broadcast_tensors(x1, x2)
    return torch.movedim(torch.linalg.cross(x1, x2, dim=-1), -1, axisc)


@symbolic_op
def kron(x1, x2):
    """Kronecker product of two tensors."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.kron(x1, x2)


@symbolic_op
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal of a tensor (small ints and bool sum in `int32`)."""
    x = tensor(x)
    dtype = x.dtype
    if dtype in (torch.bool, torch.int8, torch.int16, torch.uint8):
        dtype = torch.int32
    diagonal = torch.diagonal(x, offset=offset, dim1=axis1, dim2=axis2)
    return torch.sum(diagonal, dim=-1, dtype=dtype)


@symbolic_op
def slogdet(x):
    """Sign and natural log of the absolute determinant: `(sign, logabsdet)`."""
    x = tensor(x)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(to_torch_dtype(config.floatx()))
    return tuple(torch.linalg.slogdet(x))
