"""`GlobalMaxPooling2D`: global maximum pooling over 2D spatial data (images)."""

import torch

from ember.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Global maximum pooling over 2D spatial data (images).

    Reduces every spatial axis to its maximum, separately per channel: a
    `(batch, height, width, channels)` input becomes `(batch, channels)`.

    Args:
        data_format: `"channels_last"` (inputs `(batch, height, width, channels)`)
            or `"channels_first"` (inputs `(batch, channels, height, width)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        keepdims: Whether to keep the spatial axes, with size 1 (as
            `torch.mean(..., keepdim=True)` does). Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 4.

    Input shape:
        `(batch_size, height, width, channels)` (channels_last) or
        `(batch_size, channels, height, width)` (channels_first).

    Output shape:
        `(batch_size, channels)`; with `keepdims=True`,
        `(batch_size, 1, 1, channels)` (channels_last) or
        `(batch_size, channels, 1, 1)` (channels_first).

    Example:

    >>> GlobalMaxPooling2D()(torch.ones(2, 8, 8, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs
    ):
        super().__init__(
            pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs
        )

    def call(self, inputs):
        return torch.amax(inputs, dim=self.spatial_axes, keepdim=self.keepdims)
