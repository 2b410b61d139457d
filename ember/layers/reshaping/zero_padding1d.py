"""`ZeroPadding1D`: adds zeros at the start and end of a sequence."""

import torch.nn.functional as F

from ember.backend import standardize_data_format
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.ops.nn_pool import _int_tuple


class ZeroPadding1D(Layer):
    """Zero-padding for temporal data: adds zero steps before and after.

    Args:
        padding: Non-negative integer (as many steps before as after), or a
            tuple of 2 non-negative integers `(before, after)`. Defaults to
            `1`.
        data_format: `"channels_last"` (inputs `(batch, steps, features)`) or
            `"channels_first"` (inputs `(batch, features, steps)`). Defaults
            to the `image_data_format` setting (`"channels_last"` unless
            changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3.

    Input shape:
        `(batch_size, steps, features)` (channels_last) or
        `(batch_size, features, steps)` (channels_first).

    Output shape:
        `(batch_size, before + steps + after, features)` (channels_last) or
        `(batch_size, features, before + steps + after)` (channels_first).

    Example:

    >>> ZeroPadding1D((1, 2))(torch.ones(2, 3, 4)).shape
    torch.Size([2, 6, 4])
    """

    def __init__(self, padding=1, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = _int_tuple(padding, 2, "padding", allow_zero=True)
        # `F.pad` lists the last axis first.
        tail = (0, 0) if self.data_format == "channels_last" else ()
        self._torch_padding = (*tail, *self.padding)
        self.input_spec = InputSpec(ndim=3)
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
