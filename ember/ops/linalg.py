"""Linear algebra ops (`keras.ops.linalg`), over `torch.linalg`."""

import torch

from ember.backend.symbolic import symbolic_op
from ember.ops._operands import promoted, tensor, to_float


def _float(x):
    return to_float(tensor(x))


@symbolic_op
def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm, as NumPy's `linalg.norm`.

    Args:
        x: Input tensor.
        ord: Order of the norm (`None`, a number, `"fro"`, `"nuc"`, `inf`, ...).
        axis: An int for vector norms, a pair for matrix norms, or `None` (the
            whole tensor: the 2-norm of its flattened values unless `ord` is set).
        keepdims: Whether to keep the reduced axes with size 1.

    Returns:
        The norm(s), as floats.
    """
    x = _float(x)
    if isinstance(axis, int):
        axis = (axis,)
    return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)


@symbolic_op
def inv(x):
    """Computes the inverse of square matrices."""
    return torch.linalg.inv(_float(x))


@symbolic_op
def det(x):
    """Computes the determinant of square matrices."""
    return torch.linalg.det(_float(x))


@symbolic_op
def solve(a, b):
    """Solves the linear system `a @ x = b` for `x`."""
    (a, b), _ = promoted(a, b, extra=(float,))
    return torch.linalg.solve(a, b)


@symbolic_op
def solve_triangular(a, b, lower=False):
    """Solves `a @ x = b` for a triangular `a` (lower or upper)."""
    (a, b), _ = promoted(a, b, extra=(float,))
    if b.ndim == a.ndim - 1:
        out = torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower)
        return out.squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@symbolic_op
def cholesky(x, upper=False):
    """Cholesky factor of positive-definite matrices (lower, unless `upper`)."""
    return torch.linalg.cholesky(_float(x), upper=upper)


@symbolic_op
def cholesky_inverse(x, upper=False):
    """Inverse of a matrix given its Cholesky factor `x`."""
    return torch.cholesky_inverse(_float(x), upper=upper)


@symbolic_op
def qr(x, mode="reduced"):
    """QR decomposition: returns `(q, r)`; `mode` is `"reduced"` or `"complete"`."""
    if mode not in ("reduced", "complete"):
        raise ValueError(
            "Invalid value for argument `mode` of `qr`: expected 'reduced' or "
            f"'complete'. Received: mode={mode!r}."
        )
    return torch.linalg.qr(_float(x), mode=mode)


@symbolic_op
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition: `(u, s, vh)`, or `s` if not `compute_uv`."""
    x = _float(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return torch.linalg.svd(x, full_matrices=full_matrices)


@symbolic_op
def eig(x):
    """Eigenvalues and eigenvectors of square matrices (complex)."""
    return torch.linalg.eig(_float(x))


@symbolic_op
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices."""
    return torch.linalg.eigh(_float(x))


@symbolic_op
def lstsq(a, b, rcond=None):
    """Least-squares solution `x` minimizing `||a @ x - b||`."""
    (a, b), _ = promoted(a, b, extra=(float,))
    vector = b.ndim == a.ndim - 1
    if vector:
        b = b.unsqueeze(-1)
    if rcond is None:
        solution = torch.linalg.lstsq(a, b).solution
    else:
        solution = torch.linalg.pinv(a, rtol=rcond) @ b
    return solution.squeeze(-1) if vector else solution


@symbolic_op
def lu_factor(x):
    """LU factorization with partial pivoting: `(lu, pivots)`, pivots 0-based."""
    lu, pivots = torch.linalg.lu_factor(_float(x))
    return lu, pivots - 1


@symbolic_op
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (`rcond`: relative singular value cutoff)."""
    return torch.linalg.pinv(_float(x), rtol=rcond)


@symbolic_op
def matrix_rank(x, tol=None):
    """Rank of matrices, counting singular values above `tol` (as `int32`)."""
    return torch.linalg.matrix_rank(_float(x), atol=tol).int()
