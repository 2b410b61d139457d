"""`GlobalAveragePooling3D`: global average pooling over 3D spatial data (volumes)."""

from ember.layers.pooling.base_global_pooling import BaseGlobalPooling, _mean


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Global average pooling over 3D spatial data (volumes).

    Reduces every spatial axis to its average, separately per channel: a
    `(batch, dim1, dim2, dim3, channels)` input becomes `(batch, channels)`.

    Args:
        data_format: `"channels_last"` (inputs `(batch, dim1, dim2, dim3, channels)`)
            or `"channels_first"` (inputs `(batch, channels, dim1, dim2, dim3)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        keepdims: Whether to keep the spatial axes, with size 1 (as
            `torch.mean(..., keepdim=True)` does). Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 5.

    Input shape:
        `(batch_size, dim1, dim2, dim3, channels)` (channels_last) or
        `(batch_size, channels, dim1, dim2, dim3)` (channels_first).

    Output shape:
        `(batch_size, channels)`; with `keepdims=True`,
        `(batch_size, 1, 1, 1, channels)` (channels_last) or
        `(batch_size, channels, 1, 1, 1)` (channels_first).

    Example:

    >>> GlobalAveragePooling3D()(torch.ones(2, 4, 4, 4, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs
    ):
        super().__init__(
            pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs
        )

    def call(self, inputs):
        return _mean(inputs, self.spatial_axes, self.keepdims)
