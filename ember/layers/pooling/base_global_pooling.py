"""`BaseGlobalPooling`: the shared logic of the global pooling layers."""

import torch

from ember.backend import standardize_data_format
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces all `pool_dimensions` spatial axes of its input at once.

    Subclasses fix `pool_dimensions` and define `call`, reducing over
    `self.spatial_axes`.

    Args:
        pool_dimensions: Number of spatial axes, 1, 2 or 3.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to the
            `image_data_format` setting (`"channels_last"` unless changed).
        keepdims: Whether the spatial axes stay, with size 1. Defaults to
            `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        pool_dimensions: int,
        data_format: str | None = None,
        keepdims: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(keepdims, bool):
            raise ArgumentError("keepdims", "a bool", keepdims)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        first = 1 if self.data_format == "channels_last" else 2
        self.spatial_axes = tuple(range(first, first + pool_dimensions))
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "data_format": self.data_format,
            "keepdims": self.keepdims,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, keepdims={self.keepdims}"


def _mean(inputs, axes, keepdims):
    """Mean over `axes` as Keras computes it: in float32 at least (so integer
    inputs give float32, half-precision ones accumulate in float32)."""
    if inputs.dtype in (torch.float32, torch.float64):
        return torch.mean(inputs, axes, keepdims)
    out = torch.mean(inputs, axes, keepdims, dtype=torch.float32)
    return out.to(inputs.dtype) if inputs.is_floating_point() else out
