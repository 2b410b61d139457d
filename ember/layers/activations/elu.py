"""`ELU`: the exponential linear unit."""

import numbers

import torch

from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class ELU(Layer):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` below.

    Args:
        alpha: Float, the scale of the negative part. Defaults to `1.0`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> ELU()(torch.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise ArgumentError("alpha", "a float", alpha)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return torch.nn.functional.elu(inputs, self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, alpha={self.alpha}"
