"""`Flatten`: flattens every axis but the batch axis into one."""

import torch

from ember.backend import standardize_data_format
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class Flatten(Layer):
    """Flattens the input to `(batch_size, features)`; the batch axis stays.

    An input of shape `(batch_size,)` becomes `(batch_size, 1)`.

    Args:
        data_format: `"channels_last"` or `"channels_first"`, the order of
            the input's axes. Channels-first inputs are moved to channels-last
            before flattening, so the flattened features come out in the same
            order whichever layout a model uses. Defaults to the
            `image_data_format` setting (`"channels_last"` unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 1 or more.

    Input shape:
        `(batch_size, ...)`.

    Output shape:
        `(batch_size, product of the other sizes)`.

    Example:

    >>> Flatten()(torch.ones(2, 10, 64)).shape
    torch.Size([2, 640])
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if inputs.ndim == 1:
            return inputs.unsqueeze(-1)
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = inputs.permute(0, *range(2, inputs.ndim), 1)
        return torch.flatten(inputs, start_dim=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}
