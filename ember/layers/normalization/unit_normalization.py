"""`UnitNormalization`: scales each sample to unit L2 norm."""

import torch

from ember.layers.layer import Layer
from ember.layers.normalization.base_normalization import (
    resolve_axes,
    standardize_axis,
)

# Keras's floor on the norm: at most a factor 1e12 of amplification.
_MAX_INVERSE_NORM = 1e12


class UnitNormalization(Layer):
    """Divides each sample by its L2 norm over `axis`, so that norm becomes 1.

    An all-zero slice stays zero (the inverse norm is capped at `1e12`).

    Args:
        axis: Integer or list of integers, the axes whose L2 norm is made 1.
            Defaults to `-1`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> UnitNormalization()(torch.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = standardize_axis(axis, "UnitNormalization")
        self.supports_masking = True
        self._dims_by_rank = {}
        self.built = True

    def call(self, inputs):
        dims = self._dims_by_rank.get(inputs.ndim)
        if dims is None:
            dims = tuple(resolve_axes(self, self.axis, inputs.shape))
            self._dims_by_rank[inputs.ndim] = dims
        square_sum = torch.sum(torch.square(inputs), dim=dims, keepdim=True)
        return inputs * torch.rsqrt(square_sum).clamp(max=_MAX_INVERSE_NORM)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, axis={self.axis}"
