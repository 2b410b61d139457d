"""`Cropping3D`: removes the borders of 3D spatial data (volumes)."""

from ember.backend import standardize_data_format
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _crop, _pairs, _spatial_axes


class Cropping3D(Layer):
    """Cropping for 3D spatial data (volumes): removes positions before and
    after each of the three spatial axes. The output is a view of the input.

    Args:
        cropping: Non-negative integer (the same on every side), a tuple of
            3 non-negative integers (symmetric cropping per axis), or a tuple
            of 3 pairs `((before_1, after_1), (before_2, after_2), (before_3,
            after_3))`. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` (inputs `(batch, dim1, dim2, dim3, channels)`)
            or `"channels_first"` (inputs `(batch, channels, dim1, dim2, dim3)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 5, larger than the cropping along every
            spatial axis.

    Input shape:
        `(batch_size, dim1, dim2, dim3, channels)` (channels_last) or
        `(batch_size, channels, dim1, dim2, dim3)` (channels_first).

    Output shape:
        `(batch_size, cropped_dim1, cropped_dim2, cropped_dim3, channels)`
        (channels_last) or
        `(batch_size, channels, cropped_dim1, cropped_dim2, cropped_dim3)`
        (channels_first), where each cropped size is `size - before - after`.

    Example:

    >>> Cropping3D(1)(torch.ones(2, 4, 5, 6, 3)).shape
    torch.Size([2, 2, 3, 4, 3])
    """

    def __init__(
        self,
        cropping=((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = _pairs(cropping, 3, "cropping")
        self._axes = _spatial_axes(3, self.data_format)
        self.input_spec = InputSpec(ndim=5)
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
