"""`ZeroPadding2D`: adds zeros around 2D spatial data (images)."""

import torch.nn.functional as F

from ember.backend import standardize_data_format
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _pairs


class ZeroPadding2D(Layer):
    """Zero-padding for 2D spatial data (images): adds rows and columns of
    zeros at the top, bottom, left and right.

    Args:
        padding: Non-negative integer (the same on all four sides), a tuple
            of 2 non-negative integers `(symmetric_height_pad,
            symmetric_width_pad)`, or a tuple of 2 pairs
            `((top_pad, bottom_pad), (left_pad, right_pad))`. Defaults to
            `(1, 1)`.
        data_format: `"channels_last"` (inputs `(batch, rows, cols, channels)`)
            or `"channels_first"` (inputs `(batch, channels, rows, cols)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 4.

    Input shape:
        `(batch_size, rows, cols, channels)` (channels_last) or
        `(batch_size, channels, rows, cols)` (channels_first).

    Output shape:
        `(batch_size, padded_rows, padded_cols, channels)` (channels_last) or
        `(batch_size, channels, padded_rows, padded_cols)` (channels_first), where each
        padded size is `before + size + after`.

    Example:

    >>> ZeroPadding2D(1)(torch.ones(2, 3, 4, 5)).shape
    torch.Size([2, 5, 6, 5])
    """

    def __init__(self, padding=(1, 1), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = _pairs(padding, 2, "padding")
        # `F.pad` lists the last axis first.
        tail = (0, 0) if self.data_format == "channels_last" else ()
        self._torch_padding = tail + sum(reversed(self.padding), ())
        self.input_spec = InputSpec(ndim=4)
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
