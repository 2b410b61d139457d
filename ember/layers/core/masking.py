"""`Masking`: masks the timesteps whose features all equal a padding value."""

import numbers

import torch

from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class Masking(Layer):
    """Masks (skips) timesteps whose features all equal `mask_value`.

    A timestep (axis 1 of a `(batch, timesteps, features)` input) is masked
    when every feature equals `mask_value`. Its output features are set to 0,
    and the output carries a boolean mask (`True` = keep) that downstream
    layers which support masks, such as recurrent layers, use to skip it.

    Args:
        mask_value: The padding value. Defaults to `0.0`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 2 or more.

    Input shape:
        `(batch_size, timesteps, ..., features)`.

    Output shape:
        The input's; the mask has shape `(batch_size, timesteps, ...)`.

    Example:

    >>> x = torch.tensor([[[1.0, 2.0], [0.0, 0.0]]])
    >>> Masking()(x)._keras_mask
    tensor([[ True, False]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Number):
            raise ArgumentError("mask_value", "a number", mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        keep = self._keep(inputs).unsqueeze(-1)
        return torch.where(keep, inputs, 0)

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, mask_value={self.mask_value}"

    def _keep(self, inputs):
        return (inputs != self.mask_value).any(dim=-1)
