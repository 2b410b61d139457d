"""`Cropping2D`: removes the borders of 2D spatial data (images)."""

from ember.backend import standardize_data_format
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _crop, _pairs, _spatial_axes


class Cropping2D(Layer):
    """Cropping for 2D spatial data (images): removes rows at the top and
    bottom and columns at the left and right. The output is a view of the
    input.

    Args:
        cropping: Non-negative integer (the same on all four sides), a
            tuple of 2 non-negative integers `(symmetric_height_crop,
            symmetric_width_crop)`, or a tuple of 2 pairs
            `((top_crop, bottom_crop), (left_crop, right_crop))`. Defaults to
            `((0, 0), (0, 0))`.
        data_format: `"channels_last"` (inputs `(batch, rows, cols, channels)`)
            or `"channels_first"` (inputs `(batch, channels, rows, cols)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 4, larger than the cropping along every
            spatial axis.

    Input shape:
        `(batch_size, rows, cols, channels)` (channels_last) or
        `(batch_size, channels, rows, cols)` (channels_first).

    Output shape:
        `(batch_size, cropped_rows, cropped_cols, channels)`
        (channels_last) or
        `(batch_size, channels, cropped_rows, cropped_cols)`
        (channels_first), where each cropped size is `size - before - after`.

    Example:

    >>> Cropping2D(1)(torch.ones(2, 6, 7, 3)).shape
    torch.Size([2, 4, 5, 3])
    """

    def __init__(
        self, cropping=((0, 0), (0, 0)), data_format: str | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = _pairs(cropping, 2, "cropping")
        self._axes = _spatial_axes(2, self.data_format)
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        return _crop(self, inputs, self._axes, self.cropping)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cropping": self.cropping,
            "data_format": self.data_format,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, cropping={self.cropping}"
