"""Element-wise NumPy-style ops: arithmetic, comparisons, logic, math functions."""

import torch

from ember.backend.dtypes import to_torch_dtype
from ember.backend.symbolic import symbolic_op
from ember.ops._operands import pair, promoted, scalar_for, tensor, to_float
from ember.ops.dtypes import promote_types

# --- Arithmetic ------------------------------------------------------------


@symbolic_op
def add(x1, x2):
    """Adds arguments element-wise."""
    x1, x2 = pair(x1, x2)
    return x1 + x2


@symbolic_op
def subtract(x1, x2):
    """Subtracts arguments element-wise."""
    # torch refuses `-` on bool; Keras subtracts in the other operand's dtype.
    x1 = int(x1) if isinstance(x1, bool) else x1
    x2 = int(x2) if isinstance(x2, bool) else x2
    x1, x2 = pair(x1, x2)
    if isinstance(x1, torch.Tensor) and x1.dtype == torch.bool:
        x1 = x1.to(x2.dtype) if isinstance(x2, torch.Tensor) else x1.int()
    if isinstance(x2, torch.Tensor) and x2.dtype == torch.bool:
        x2 = x2.to(x1.dtype) if isinstance(x1, torch.Tensor) else x2.int()
    return x1 - x2


@symbolic_op
def multiply(x1, x2):
    """Multiplies arguments element-wise."""
    x1, x2 = pair(x1, x2)
    return x1 * x2


@symbolic_op
def divide(x1, x2):
    """Divides arguments element-wise (true division: ints give floats)."""
    x1, x2 = pair(x1, x2)
    return x1 / x2


@symbolic_op
def true_divide(x1, x2):
    """Alias of `divide`."""
    x1, x2 = pair(x1, x2)
    return x1 / x2


@symbolic_op
def divide_no_nan(x1, x2):
    """Divides element-wise, returning 0 where the denominator is 0."""
    (x1, x2), _ = promoted(x1, x2, extra=(float,))
    zero = x2 == 0
    return torch.where(zero, torch.zeros_like(x1), x1 / torch.where(zero, 1, x2))


@symbolic_op
def floor_divide(x1, x2):
    """Returns the largest integer smaller or equal to the division of inputs."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.floor_divide(x1, x2)


@symbolic_op
def mod(x1, x2):
    """Returns the element-wise remainder of division (sign of the divisor)."""
    x1, x2 = pair(x1, x2)
    if _is_bool(x1) and _is_bool(x2):
        x1, x2 = tensor(x1, torch.int32), tensor(x2, torch.int32)
    return x1 % x2


def _is_bool(x) -> bool:
    if isinstance(x, torch.Tensor):
        return x.dtype == torch.bool
    return isinstance(x, bool)


@symbolic_op
def power(x1, x2):
    """First tensor elements raised to powers from second tensor, element-wise."""
    x1, x2 = pair(x1, x2)
    return x1**x2


@symbolic_op
def negative(x):
    """Numerical negative, element-wise."""
    return torch.negative(tensor(x))


@symbolic_op
def absolute(x):
    """Computes the absolute value element-wise."""
    x = tensor(x)
    return x if x.dtype == torch.bool else torch.abs(x)


@symbolic_op
def abs(x):
    """Shorthand for `absolute`."""
    x = tensor(x)
    return x if x.dtype == torch.bool else torch.abs(x)


@symbolic_op
def square(x):
    """Returns the element-wise square of the input."""
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.int()
    return torch.square(x)


@symbolic_op
def reciprocal(x):
    """Returns the reciprocal `1 / x` element-wise."""
    return torch.reciprocal(tensor(x))


@symbolic_op
def sign(x):
    """Returns -1, 0 or 1 for the sign of each element."""
    return torch.sign(tensor(x))


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _extremum(x1, x2, torch_fn, bound):
    for value, other in ((x1, x2), (x2, x1)):
        if _is_number(other) and not _is_number(value):
            # A Python number bound is a clamp: no 0-d tensor to build.
            (value,), _ = promoted(value, extra=(type(other),))
            return torch.clamp(value, **{bound: other})
    (x1, x2), _ = promoted(x1, x2)
    return torch_fn(x1, x2)


@symbolic_op
def maximum(x1, x2):
    """Element-wise maximum of array elements."""
    return _extremum(x1, x2, torch.maximum, "min")


@symbolic_op
def minimum(x1, x2):
    """Element-wise minimum of array elements."""
    return _extremum(x1, x2, torch.minimum, "max")


@symbolic_op
def clip(x, x_min, x_max):
    """Clips (limits) the values in a tensor to `[x_min, x_max]`."""
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.int()
    bounds = (x_min, x_max)
    if not all(b is None or _is_weak_number(b, x) for b in bounds):
        bounds = [None if b is None else tensor(b, like=x) for b in bounds]
    return torch.clip(x, *bounds)


def _is_weak_number(value, x) -> bool:
    """Whether torch promotes Python number `value` with `x` as Keras does."""
    return _is_number(value) and not isinstance(scalar_for(value, x), torch.Tensor)


@symbolic_op
def where(condition, x1=None, x2=None):
    """Returns `x1` where `condition` is true, else `x2`.

    With only `condition`, returns the indices of its true elements as a tensor
    of shape `(rank, count)`.
    """
    condition = tensor(condition, torch.bool)
    if x1 is None and x2 is None:
        return torch.stack(torch.where(condition), dim=0)
    if x1 is None or x2 is None:
        raise ValueError(
            "`x1` and `x2` must be given together or not at all. "
            f"Received: x1={x1!r}, x2={x2!r}."
        )
    x1, x2 = pair(x1, x2)
    return torch.where(condition, x1, x2)


@symbolic_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replaces NaN with `nan`, and infinities with `posinf`/`neginf`."""
    return torch.nan_to_num(tensor(x), nan=nan, posinf=posinf, neginf=neginf)


# --- Comparisons and logic --------------------------------------------------


@symbolic_op
def equal(x1, x2):
    """Returns `x1 == x2` element-wise."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.eq(x1, x2)


@symbolic_op
def not_equal(x1, x2):
    """Returns `x1 != x2` element-wise."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.ne(x1, x2)


@symbolic_op
def less(x1, x2):
    """Returns `x1 < x2` element-wise."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.lt(x1, x2)


@symbolic_op
def less_equal(x1, x2):
    """Returns `x1 <= x2` element-wise."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.le(x1, x2)


@symbolic_op
def greater(x1, x2):
    """Returns `x1 > x2` element-wise."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.gt(x1, x2)


@symbolic_op
def greater_equal(x1, x2):
    """Returns `x1 >= x2` element-wise."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.ge(x1, x2)


@symbolic_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Returns whether two tensors are element-wise almost equal."""
    (x1, x2), dtype = promoted(x1, x2)
    if dtype.is_floating_point or dtype.is_complex:
        return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.eq(x1, x2)


@symbolic_op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Returns whether all elements of two tensors are almost equal."""
    return torch.all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


@symbolic_op
def logical_and(x1, x2):
    """Computes the element-wise logical AND."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.logical_and(x1, x2)


@symbolic_op
def logical_or(x1, x2):
    """Computes the element-wise logical OR."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.logical_or(x1, x2)


@symbolic_op
def logical_xor(x1, x2):
    """Computes the element-wise logical XOR."""
    x1, x2 = pair(x1, x2, scalars_ok=False)
    return torch.logical_xor(x1, x2)


@symbolic_op
def logical_not(x):
    """Computes the element-wise logical NOT."""
    return torch.logical_not(tensor(x))


@symbolic_op
def isnan(x):
    """Tests element-wise for NaN."""
    return torch.isnan(tensor(x))


@symbolic_op
def isinf(x):
    """Tests element-wise for positive or negative infinity."""
    return torch.isinf(tensor(x))


@symbolic_op
def isfinite(x):
    """Tests element-wise for finiteness (not infinity and not NaN)."""
    return torch.isfinite(tensor(x))


# --- Exponents, logarithms, trigonometry -------------------------------------
# Integer and bool inputs compute in `floatx()`, as in Keras.


def _unary_float(torch_fn, name, doc):
    def op(x):
        return torch_fn(to_float(tensor(x)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return symbolic_op(op)


sqrt = _unary_float(torch.sqrt, "sqrt", "Returns the non-negative square root.")
exp = _unary_float(torch.exp, "exp", "Calculates the exponential element-wise.")
exp2 = _unary_float(torch.exp2, "exp2", "Calculates `2**x` element-wise.")
expm1 = _unary_float(torch.expm1, "expm1", "Calculates `exp(x) - 1` element-wise.")
log = _unary_float(torch.log, "log", "Natural logarithm, element-wise.")
log1p = _unary_float(torch.log1p, "log1p", "Returns `log(1 + x)` element-wise.")
log2 = _unary_float(torch.log2, "log2", "Base-2 logarithm, element-wise.")
log10 = _unary_float(torch.log10, "log10", "Base-10 logarithm, element-wise.")
sin = _unary_float(torch.sin, "sin", "Trigonometric sine, element-wise.")
cos = _unary_float(torch.cos, "cos", "Cosine, element-wise.")
tan = _unary_float(torch.tan, "tan", "Computes tangent, element-wise.")
arcsin = _unary_float(torch.arcsin, "arcsin", "Inverse sine, element-wise.")
arccos = _unary_float(torch.arccos, "arccos", "Inverse cosine, element-wise.")
arctan = _unary_float(torch.arctan, "arctan", "Inverse tangent, element-wise.")
sinh = _unary_float(torch.sinh, "sinh", "Hyperbolic sine, element-wise.")
cosh = _unary_float(torch.cosh, "cosh", "Hyperbolic cosine, element-wise.")
tanh = _unary_float(torch.tanh, "tanh", "Hyperbolic tangent, element-wise.")
arcsinh = _unary_float(torch.arcsinh, "arcsinh", "Inverse hyperbolic sine.")
arccosh = _unary_float(torch.arccosh, "arccosh", "Inverse hyperbolic cosine.")
arctanh = _unary_float(torch.arctanh, "arctanh", "Inverse hyperbolic tangent.")


@symbolic_op
def arctan2(x1, x2):
    """Element-wise arc tangent of `x1/x2`, choosing the quadrant correctly."""
    (x1, x2), _ = promoted(x1, x2, extra=(float,))
    return torch.arctan2(x1, x2)


@symbolic_op
def logaddexp(x1, x2):
    """Logarithm of the sum of exponentiations of the inputs."""
    (x1, x2), _ = promoted(x1, x2, extra=(float,))
    return torch.logaddexp(x1, x2)


@symbolic_op
def hypot(x1, x2):
    """Returns `sqrt(x1**2 + x2**2)` element-wise."""
    (x1, x2), _ = promoted(x1, x2, extra=(float,))
    return torch.hypot(x1, x2)


# --- Rounding ----------------------------------------------------------------


def _rounding_dtype(x: torch.Tensor) -> torch.dtype:
    if x.dtype == torch.int64:
        return to_float(x).dtype
    return to_torch_dtype(promote_types(x.dtype, float))


@symbolic_op
def floor(x):
    """Returns the floor of the input, element-wise (as floats)."""
    x = tensor(x)
    return torch.floor(x.to(_rounding_dtype(x)))


@symbolic_op
def ceil(x):
    """Returns the ceiling of the input, element-wise (as floats)."""
    x = tensor(x)
    return torch.ceil(x.to(_rounding_dtype(x)))


@symbolic_op
def trunc(x):
    """Returns the truncated value of the input, element-wise."""
    x = tensor(x)
    return x if x.dtype == torch.bool else torch.trunc(x)


@symbolic_op
def round(x, decimals=0):
    """Evenly rounds to the given number of decimals (integers stay integers)."""
    x = tensor(x)
    if x.dtype.is_floating_point:
        return torch.round(x, decimals=decimals)
    if decimals >= 0:
        return x
    return torch.round(to_float(x), decimals=decimals).to(x.dtype)


# --- Complex numbers ---------------------------------------------------------


@symbolic_op
def real(x):
    """Returns the real part of the complex argument."""
    return torch.real(tensor(x))


@symbolic_op
def imag(x):
    """Returns the imaginary part of the complex argument."""
    x = tensor(x)
    return torch.imag(x) if x.dtype.is_complex else torch.zeros_like(x)


@symbolic_op
def conjugate(x):
    """Returns the complex conjugate, element-wise."""
    return torch.conj(tensor(x)).resolve_conj()


@symbolic_op
def conj(x):
    """Shorthand for `conjugate`."""
    return torch.conj(tensor(x)).resolve_conj()
