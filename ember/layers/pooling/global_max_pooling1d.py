"""`GlobalMaxPooling1D`: global maximum pooling over temporal data (sequences)."""

import torch

from ember.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Global maximum pooling over temporal data (sequences).

    Reduces every spatial axis to its maximum, separately per channel: a
    `(batch, steps, channels)` input becomes `(batch, channels)`.

    Masks are not supported (as in Keras): masked steps take part in the
    maximum, and the output carries no mask.

    Args:
        data_format: `"channels_last"` (inputs `(batch, steps, channels)`)
            or `"channels_first"` (inputs `(batch, channels, steps)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        keepdims: Whether to keep the spatial axes, with size 1 (as
            `torch.mean(..., keepdim=True)` does). Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3.

    Input shape:
        `(batch_size, steps, channels)` (channels_last) or
        `(batch_size, channels, steps)` (channels_first).

    Output shape:
        `(batch_size, channels)`; with `keepdims=True`,
        `(batch_size, 1, channels)` (channels_last) or
        `(batch_size, channels, 1)` (channels_first).

    Example:

    >>> GlobalMaxPooling1D()(torch.ones(2, 10, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs
    ):
        super().__init__(
            pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs
        )

    def call(self, inputs):
        return torch.amax(inputs, dim=self.spatial_axes, keepdim=self.keepdims)
