"""`BaseImagePreprocessingLayer`: shared logic of the image layers.

Images are `(batch, height, width, channels)` (`channels_last`, the default)
or `(batch, channels, height, width)`, batched or single (rank 3). Inputs are
cast to the layer's compute dtype. Random layers transform only when called
with `training=True` (their default when called directly, and what `fit()`
passes); in inference (`predict()`, `training=False`) they return the input.
"""

import numbers

import torch

from ember import random
from ember.backend import config as backend_config
from ember.backend.errors import ArgumentError
from ember.layers.preprocessing import _image_ops
from ember.layers.preprocessing._base import DataInputLayer


class BaseImagePreprocessingLayer(DataInputLayer):
    """Base of the image layers: data format, rank and dtype handling."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.supports_masking = False
        self.built = True

    def call(self, inputs, training=True):
        images = torch.as_tensor(inputs)
        if images.ndim not in (3, 4):
            raise ValueError(
                f"`{type(self).__name__}` (layer '{self.name}') expects images of "
                "rank 3 (one image) or 4 (a batch), "
                f"{'(batch, height, width, channels)' if self.data_format == 'channels_last' else '(batch, channels, height, width)'}"
                f"; received shape {tuple(images.shape)}."
            )
        images = images.to(self._dtype_policy.torch_compute_dtype)
        first, unbatched = _image_ops.to_channels_first(images, self.data_format)
        out = self.transform(first, training)
        return _image_ops.from_channels_first(out, self.data_format, unbatched)

    def transform(self, images, training):
        """Transforms `(B, C, H, W)` images. Override it."""
        raise TypeError(f"{type(self).__name__} must define `transform`.")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}

    # ------------------------------------------------------------ helpers
    def _uniform(self, shape, low, high, like):
        with torch.device(like.device):
            return random.uniform(shape, low, high, seed=self.generator)


def parse_factor(name, factor, bounds=None, symmetric=True):
    """`(lower, upper)` of a factor given as a number or a pair."""
    expected = "a number or a pair of numbers" + (
        f" in [{bounds[0]}, {bounds[1]}]" if bounds else ""
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(isinstance(f, numbers.Real) for f in factor):
            raise ArgumentError(name, expected, factor)
        lower, upper = sorted(float(f) for f in factor)
        if bounds and (lower < bounds[0] or upper > bounds[1]):
            raise ArgumentError(name, expected, factor)
        return lower, upper
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise ArgumentError(name, expected, factor)
    if bounds and not bounds[0] <= factor <= bounds[1]:
        raise ArgumentError(name, expected, factor)
    factor = abs(float(factor))
    lower = -factor if symmetric else 0.0
    if bounds:
        lower = max(lower, bounds[0])
    return lower, factor


def check_choice(name, value, allowed):
    if value not in allowed:
        raise ArgumentError(name, "one of " + ", ".join(map(repr, allowed)), value)
