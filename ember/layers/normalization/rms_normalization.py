"""`RMSNormalization`: divides by the root mean square, times a learned scale."""

import torch

from ember.layers.layer import Layer
from ember.layers.normalization.base_normalization import (
    check_axis_sizes,
    resolve_axes,
    standardize_axis,
)


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang and Sennrich, 2019).

    Computes `x / sqrt(mean(x ** 2) + epsilon) * scale` over `axis`, without
    centering; `scale` is a learned weight of the normalized axes' shape
    (initialized to ones). Computed in at least float32; the output has the
    input's dtype.

    Args:
        axis: Integer or list of integers, the axes to normalize over.
            Defaults to `-1`.
        epsilon: Small float added to the mean square. Defaults to `1e-6`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> RMSNormalization()(torch.randn(2, 5, 8)).shape
    torch.Size([2, 5, 8])
    """

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = standardize_axis(axis, "RMSNormalization")
        self.epsilon = epsilon

    def build(self, input_shape):
        dims = resolve_axes(self, self.axis, input_shape)
        check_axis_sizes(self, input_shape, dims)
        # As Keras: `axis` becomes a sorted list, the weight follows its order.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        self.scale = self.add_weight(shape=shape, initializer="ones", name="scale")
        rank = len(input_shape)
        self._dims = tuple(dims)
        self._broadcast_shape = [
            input_shape[d] if d in dims else 1 for d in range(rank)
        ]
        # As in `LayerNormalization`: only trailing axes listed in increasing
        # order go to the fused kernel; the weight is reshaped otherwise.
        in_order = [a % rank for a in self.axis]
        self._trailing = in_order == list(range(rank - len(dims), rank))
        self.built = True

    def call(self, inputs):
        x = inputs if inputs.dtype in _FULL_PRECISION else inputs.float()
        scale = self.scale if self.scale.dtype == x.dtype else self.scale.to(x.dtype)
        if self._trailing:
            outputs = torch.nn.functional.rms_norm(x, scale.shape, scale, self.epsilon)
        else:
            mean_square = torch.mean(torch.square(x), dim=self._dims, keepdim=True)
            outputs = x * torch.rsqrt(mean_square + self.epsilon)
            outputs = outputs * scale.reshape(self._broadcast_shape)
        return outputs if outputs.dtype == inputs.dtype else outputs.to(inputs.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, axis={self.axis}"


_FULL_PRECISION = (torch.float32, torch.float64)
