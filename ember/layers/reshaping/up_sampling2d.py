"""`UpSampling2D`: enlarges images by integer factors."""

import torch
import torch.nn.functional as F

from ember.backend import standardize_data_format
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _repeat_axes, _spatial_axes
from ember.ops.nn_pool import _from_torch_layout, _int_tuple, _to_torch_layout

# The interpolations Keras supports on torch, and torch's names for them.
_INTERPOLATIONS = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}


class UpSampling2D(Layer):
    """Upsampling for 2D data: enlarges images by `size` along rows and columns.

    With `"nearest"` interpolation each pixel is repeated `size[0]` times
    along the rows and `size[1]` times along the columns. `"bilinear"` and
    `"bicubic"` interpolate as `torch.nn.functional.interpolate` with
    `align_corners=False` does, which is what Keras computes on torch
    (bicubic uses torch's kernel, `a = -0.75`).

    Args:
        size: Positive integer or tuple of 2 positive integers, the factors
            along rows and columns; an integer is used for both. Defaults to
            `(2, 2)`.
        data_format: `"channels_last"` (inputs `(batch, height, width,
            channels)`) or `"channels_first"` (inputs `(batch, channels,
            height, width)`). Defaults to the `image_data_format` setting
            (`"channels_last"` unless changed).
        interpolation: `"nearest"`, `"bilinear"` or `"bicubic"`
            (case-insensitive). Keras's `"area"`, `"lanczos3"` and
            `"lanczos5"` are refused, as by Keras on torch. Defaults to
            `"nearest"`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 4.

    Input shape:
        `(batch_size, rows, cols, channels)` (channels_last) or
        `(batch_size, channels, rows, cols)` (channels_first).

    Output shape:
        `(batch_size, rows * size[0], cols * size[1], channels)`
        (channels_last) or `(batch_size, channels, rows * size[0],
        cols * size[1])` (channels_first).

    Example:

    >>> UpSampling2D(size=(2, 3))(torch.ones(2, 4, 5, 3)).shape
    torch.Size([2, 8, 15, 3])
    """

    def __init__(
        self,
        size=(2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = _int_tuple(size, 2, "size")
        value = interpolation.lower() if isinstance(interpolation, str) else None
        if value not in _INTERPOLATIONS:
            raise ArgumentError(
                "interpolation",
                "one of 'nearest', 'bilinear', 'bicubic'",
                interpolation,
                hint="Keras's 'area', 'lanczos3' and 'lanczos5' are not "
                "available on torch.",
            )
        self.interpolation = value
        self._axes = _spatial_axes(2, self.data_format)
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        if self.interpolation == "nearest":
            return _repeat_axes(inputs, self._axes, self.size)
        x = _to_torch_layout(inputs, self.data_format)
        dtype = x.dtype
        if dtype not in (torch.float32, torch.float64):
            # As Keras: interpolate in float32, round back to integer types.
            x = x.to(torch.float32)
        out = F.interpolate(
            x,
            size=(x.shape[2] * self.size[0], x.shape[3] * self.size[1]),
            mode=_INTERPOLATIONS[self.interpolation],
            align_corners=False,
        )
        if dtype == torch.uint8 and self.interpolation == "bicubic":
            out = out.clamp(0, 255)  # bicubic overshoots; Keras clamps uint8
        if out.dtype != dtype:
            out = out.to(dtype) if dtype.is_floating_point else out.round().to(dtype)
        return _from_torch_layout(out, self.data_format, 2)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, size={self.size}, "
            f"interpolation={self.interpolation!r}"
        )
