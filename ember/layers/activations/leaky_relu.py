"""`LeakyReLU`: ReLU with a small slope for negative inputs."""

import numbers
import warnings

import torch

from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit: `x` for `x >= 0`, `negative_slope * x` below.

    Args:
        negative_slope: Non-negative float, the slope for negative inputs.
            Defaults to `0.3`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
            The deprecated `alpha` is read as `negative_slope`, with a
            warning.

    Call arguments:
        inputs: A tensor.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> LeakyReLU()(torch.tensor([-10.0, 2.0]))
    tensor([-3.,  2.])
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "Argument `alpha` of `LeakyReLU` is deprecated: use "
                "`negative_slope` instead.",
                UserWarning,
                stacklevel=2,
            )
        super().__init__(**kwargs)
        if (
            isinstance(negative_slope, bool)
            or not isinstance(negative_slope, numbers.Real)
            or negative_slope < 0
        ):
            raise ArgumentError(
                "negative_slope", "a non-negative float", negative_slope
            )
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return torch.nn.functional.leaky_relu(inputs, self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, negative_slope={self.negative_slope}"
