"""`UpSampling3D`: repeats each voxel of a volume."""

from ember.backend import standardize_data_format
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _repeat_axes, _spatial_axes
from ember.ops.nn_pool import _int_tuple


class UpSampling3D(Layer):
    """Upsampling for 3D data: repeats each voxel `size[i]` times along the
    `i`-th spatial axis.

    Args:
        size: Positive integer or tuple of 3 positive integers, the factors
            along `dim1`, `dim2` and `dim3`; an integer is used for every
            axis. Defaults to `(2, 2, 2)`.
        data_format: `"channels_last"` (inputs `(batch, dim1, dim2, dim3,
            channels)`) or `"channels_first"` (inputs `(batch, channels, dim1,
            dim2, dim3)`). Defaults to the `image_data_format` setting
            (`"channels_last"` unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 5.

    Input shape:
        `(batch_size, dim1, dim2, dim3, channels)` (channels_last) or
        `(batch_size, channels, dim1, dim2, dim3)` (channels_first).

    Output shape:
        `(batch_size, dim1 * size[0], dim2 * size[1], dim3 * size[2],
        channels)` (channels_last) or `(batch_size, channels, dim1 * size[0],
        dim2 * size[1], dim3 * size[2])` (channels_first).

    Example:

    >>> UpSampling3D()(torch.ones(2, 1, 2, 3, 4)).shape
    torch.Size([2, 2, 4, 6, 4])
    """

    def __init__(self, size=(2, 2, 2), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = _int_tuple(size, 3, "size")
        self._axes = _spatial_axes(3, self.data_format)
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def call(self, inputs):
        return _repeat_axes(inputs, self._axes, self.size)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, size={self.size}"
