"""`ZeroPadding3D`: adds zeros around 3D spatial data (volumes)."""

import torch.nn.functional as F

from ember.backend import standardize_data_format
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _pairs


class ZeroPadding3D(Layer):
    """Zero-padding for 3D spatial data (volumes): adds zeros before and
    after each of the three spatial axes.

    Args:
        padding: Non-negative integer (the same on every side), a tuple of 3
            non-negative integers (symmetric padding per axis), or a tuple of
            3 pairs `((before_1, after_1), (before_2, after_2), (before_3,
            after_3))`. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` (inputs `(batch, dim1, dim2, dim3, channels)`)
            or `"channels_first"` (inputs `(batch, channels, dim1, dim2, dim3)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 5.

    Input shape:
        `(batch_size, dim1, dim2, dim3, channels)` (channels_last) or
        `(batch_size, channels, dim1, dim2, dim3)` (channels_first).

    Output shape:
        `(batch_size, padded_dim1, padded_dim2, padded_dim3, channels)`
        (channels_last) or
        `(batch_size, channels, padded_dim1, padded_dim2, padded_dim3)`
        (channels_first), where each padded size is `before + size + after`.

    Example:

    >>> ZeroPadding3D(1)(torch.ones(2, 3, 4, 5, 6)).shape
    torch.Size([2, 5, 6, 7, 6])
    """

    def __init__(
        self, padding=((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = _pairs(padding, 3, "padding")
        # `F.pad` lists the last axis first.
        tail = (0, 0) if self.data_format == "channels_last" else ()
        self._torch_padding = tail + sum(reversed(self.padding), ())
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def call(self, inputs):
        return F.pad(inputs, self._torch_padding)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "padding": self.padding,
            "data_format": self.data_format,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, padding={self.padding}"
