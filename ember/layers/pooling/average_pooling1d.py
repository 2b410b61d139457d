"""`AveragePooling1D`: average pooling over temporal data (sequences)."""

from ember.backend.arguments import passed
from ember.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling over temporal data (sequences).

    Slides a window of `pool_size` over the spatial axes with a step of
    `strides` and keeps the average of each window, separately per channel.
    With `padding="same"`, positions added by an even padding (as many before
    as after) are not counted in the average; an odd padding repeats the edge
    values at the end, as Keras does on torch (see `ember.ops.average_pool`).

    Args:
        pool_size: Integer, the size of the pooling window.
        strides: Integer or `None`, the step between windows. Defaults to `None`
            (`pool_size`).
        padding: `"valid"` (no padding: windows stay inside the input) or
            `"same"` (pad evenly, the odd position at the end, so that every
            input position starts a window when `strides=1`); case-insensitive.
            Defaults to `"valid"`.
        data_format: `"channels_last"` (inputs `(batch, steps, channels)`) or
            `"channels_first"` (inputs `(batch, channels, steps)`). Defaults to
            the `image_data_format` setting (`"channels_last"` unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3.

    Input shape:
        `(batch_size, steps, channels)` (channels_last) or
        `(batch_size, channels, steps)` (channels_first).

    Output shape:
        `(batch_size, pooled_steps, channels)`
        (channels_last) or
        `(batch_size, channels, pooled_steps)`
        (channels_first), where each pooled size is
        `floor((size - pool_size) / strides) + 1` with `"valid"` and
        `floor((size - 1) / strides) + 1` with `"same"`.

    Example:

    >>> AveragePooling1D(2)(torch.ones(2, 10, 3)).shape
    torch.Size([2, 5, 3])
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
        super().__init__(pool_dimensions=1, pool_mode="average", **passed(locals()))
