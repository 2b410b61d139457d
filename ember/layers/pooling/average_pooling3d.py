"""`AveragePooling3D`: average pooling over 3D spatial data (volumes)."""

from ember.backend.arguments import passed
from ember.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Average pooling over 3D spatial data (volumes).

    Slides a window of `pool_size` over the spatial axes with a step of
    `strides` and keeps the average of each window, separately per channel.
    With `padding="same"`, positions added by an even padding (as many before
    as after) are not counted in the average; an odd padding repeats the edge
    values at the end, as Keras does on torch (see `ember.ops.average_pool`).

    Args:
        pool_size: Integer or tuple of 3 integers, the size of the pooling window along
            each spatial axis; an integer is used for every axis.
        strides: Integer, tuple of 3 integers, or `None`, the step between windows along
            each spatial axis. Defaults to `None` (`pool_size`).
        padding: `"valid"` (no padding: windows stay inside the input) or
            `"same"` (pad evenly, the odd position at the end, so that every
            input position starts a window when `strides=1`); case-insensitive.
            Defaults to `"valid"`.
        data_format: `"channels_last"` (inputs `(batch, dim1, dim2, dim3, channels)`) or
            `"channels_first"` (inputs `(batch, channels, dim1, dim2, dim3)`). Defaults
            to the `image_data_format` setting (`"channels_last"` unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 5.

    Input shape:
        `(batch_size, dim1, dim2, dim3, channels)` (channels_last) or
        `(batch_size, channels, dim1, dim2, dim3)` (channels_first).

    Output shape:
        `(batch_size, pooled_dim1, pooled_dim2, pooled_dim3, channels)`
        (channels_last) or
        `(batch_size, channels, pooled_dim1, pooled_dim2, pooled_dim3)`
        (channels_first), where each pooled size is
        `floor((size - pool_size) / strides) + 1` with `"valid"` and
        `floor((size - 1) / strides) + 1` with `"same"`.

    Example:

    >>> AveragePooling3D(2)(torch.ones(2, 4, 4, 4, 3)).shape
    torch.Size([2, 2, 2, 2, 3])
    """

    def __init__(
        self,
        pool_size,
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(pool_dimensions=3, pool_mode="average", **passed(locals()))
