"""More element-wise NumPy-style ops: bit operations, float tests, special functions."""

import torch

from ember.backend.symbolic import symbolic_op
from ember.ops._operands import pair, promoted, tensor, to_float

# --- Bit operations (integers and bools) ------------------------------------------


@symbolic_op
def bitwise_and(x, y):
    """Computes the bit-wise AND of two integer or bool tensors."""
    (x, y), _ = promoted(x, y)
    return torch.bitwise_and(x, y)


@symbolic_op
def bitwise_or(x, y):
    """Computes the bit-wise OR of two integer or bool tensors."""
    (x, y), _ = promoted(x, y)
    return torch.bitwise_or(x, y)


@symbolic_op
def bitwise_xor(x, y):
    """Computes the bit-wise XOR of two integer or bool tensors."""
    (x, y), _ = promoted(x, y)
    return torch.bitwise_xor(x, y)


@symbolic_op
def bitwise_invert(x):
    """Computes the bit-wise NOT of an integer or bool tensor."""
    return torch.bitwise_not(tensor(x))


@symbolic_op
def bitwise_not(x):
    """Computes the bit-wise NOT of an integer or bool tensor."""
    return torch.bitwise_not(tensor(x))


@symbolic_op
def bitwise_left_shift(x, y):
    """Shifts the bits of an integer tensor to the left by `y`."""
    (x, y), _ = promoted(x, y)
    return torch.bitwise_left_shift(x, y)


@symbolic_op
def left_shift(x, y):
    """Shifts the bits of an integer tensor to the left by `y`."""
    (x, y), _ = promoted(x, y)
    return torch.bitwise_left_shift(x, y)


@symbolic_op
def bitwise_right_shift(x, y):
    """Shifts the bits of an integer tensor to the right by `y`."""
    (x, y), _ = promoted(x, y)
    return torch.bitwise_right_shift(x, y)


@symbolic_op
def right_shift(x, y):
    """Shifts the bits of an integer tensor to the right by `y`."""
    (x, y), _ = promoted(x, y)
    return torch.bitwise_right_shift(x, y)


@symbolic_op
def gcd(x1, x2):
    """Greatest common divisor of two integer tensors, element-wise."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.gcd(x1, x2)


@symbolic_op
def lcm(x1, x2):
    """Least common multiple of two integer tensors, element-wise."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.lcm(x1, x2)


# --- Float tests -------------------------------------------------------------------


@symbolic_op
def isneginf(x):
    """Tests element-wise for negative infinity."""
    return torch.isneginf(tensor(x))


@symbolic_op
def isposinf(x):
    """Tests element-wise for positive infinity."""
    return torch.isposinf(tensor(x))


@symbolic_op
def isreal(x):
    """Tests element-wise whether the imaginary part is zero."""
    return torch.isreal(tensor(x))


@symbolic_op
def signbit(x):
    """Returns whether the sign bit is set (negative numbers, `-0.0`)."""
    x = tensor(x)
    return torch.signbit(x) if x.dtype != torch.bool else torch.zeros_like(x)


@symbolic_op
def isin(x1, x2, assume_unique=False, invert=False):
    """Tests element-wise whether each value of `x1` is in `x2`."""
    (x1, x2), dtype = promoted(x1, x2)
    if dtype == torch.bool:
        x1, x2 = x1.int(), x2.int()
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


# --- Special functions ---------------------------------------------------------------


@symbolic_op
def fabs(x):
    """Absolute values as floats."""
    return torch.abs(to_float(tensor(x)))


@symbolic_op
def cbrt(x):
    """Cube root, element-wise (negative inputs give negative roots)."""
    x = to_float(tensor(x))
    return torch.sign(x) * torch.pow(torch.abs(x), 1.0 / 3.0)


@symbolic_op
def deg2rad(x):
    """Converts angles from degrees to radians."""
    return torch.deg2rad(to_float(tensor(x)))


@symbolic_op
def rad2deg(x):
    """Converts angles from radians to degrees."""
    return torch.rad2deg(to_float(tensor(x)))


@symbolic_op
def sinc(x):
    """Normalized sinc: `sin(pi * x) / (pi * x)`, 1 at 0."""
    return torch.sinc(to_float(tensor(x)))


@symbolic_op
def i0(x):
    """Modified Bessel function of the first kind, order 0."""
    return torch.i0(to_float(tensor(x)))


@symbolic_op
def angle(x):
    """Returns the angle (argument) of complex values; 0 or pi for reals."""
    return torch.angle(to_float(tensor(x)))


@symbolic_op
def logaddexp2(x1, x2):
    """Base-2 logarithm of the sum of base-2 exponentiations of the inputs."""
    (x1, x2), _ = promoted(x1, x2, extra=(float,))
    return torch.logaddexp2(x1, x2)


@symbolic_op
def fmod(x1, x2):
    """Element-wise remainder of division, with the sign of the dividend."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.fmod(x1, x2)


@symbolic_op
def fmax(x1, x2):
    """Element-wise maximum, ignoring NaNs (NaN only where both are NaN)."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.fmax(x1, x2)


@symbolic_op
def fmin(x1, x2):
    """Element-wise minimum, ignoring NaNs (NaN only where both are NaN)."""
    (x1, x2), _ = promoted(x1, x2)
    return torch.fmin(x1, x2)


@symbolic_op
def heaviside(x1, x2):
    """Heaviside step: 0 where `x1 < 0`, `x2` where `x1 == 0`, 1 where `x1 > 0`."""
    (x1, x2), dtype = promoted(x1, x2)
    if not dtype.is_floating_point:
        x1, x2 = to_float(x1), to_float(x2)
    return torch.heaviside(x1, x2)


@symbolic_op
def ldexp(x1, x2):
    """Returns `x1 * 2**x2` element-wise (`x2` integer)."""
    x1, x2 = pair(x1, x2)
    if getattr(x2, "dtype", torch.int32).is_floating_point:
        raise TypeError(
            f"`ldexp` needs an integer exponent `x2`. Received: x2.dtype={x2.dtype}."
        )
    (x1, x2), dtype = promoted(x1, x2, extra=(float,))
    return torch.ldexp(x1, x2).to(dtype)


@symbolic_op
def nextafter(x1, x2):
    """The next representable float after `x1` towards `x2`."""
    (x1, x2), _ = promoted(x1, x2, extra=(float,))
    return torch.nextafter(x1, x2)
