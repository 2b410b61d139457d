"""`RandomRotation`: rotates images by a random angle."""

import math

import torch

from ember.layers.preprocessing._affine_layer import RandomAffineLayer
from ember.layers.preprocessing.base_image_preprocessing_layer import parse_factor


class RandomRotation(RandomAffineLayer):
    """Rotates each image by a random angle about its center, in training.

    Args:
        factor: A fraction of a full turn: `0.2` rotates by an angle drawn
            from `[-0.2 * 360, 0.2 * 360]` degrees; a pair `(lower, upper)`
            sets the range. Positive angles turn counter-clockwise.
        fill_mode: How points outside the image are filled: `"reflect"`
            (`d c b a | a b c d | d c b a`), `"wrap"`, `"nearest"`,
            `"mirror"` or `"constant"`. Defaults to `"reflect"`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        seed: Integer seed. Defaults to `None`.
        fill_value: The value of `"constant"` filling. Defaults to `0.0`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        **kwargs: Standard layer keyword arguments.

    Example:

    >>> RandomRotation(0.1, seed=1)(torch.zeros(2, 8, 8, 3)).shape
    torch.Size([2, 8, 8, 3])
    """

    def __init__(
        self,
        factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(
            fill_mode=fill_mode,
            interpolation=interpolation,
            seed=seed,
            fill_value=fill_value,
            data_format=data_format,
            **kwargs,
        )
        self.factor = parse_factor("factor", factor)

    def random_transforms(self, images, batch, height, width):
        degrees = self._uniform(
            (batch,), self.factor[0] * 360.0, self.factor[1] * 360.0, images
        )
        return rotation_transforms(degrees * (math.pi / 180.0), height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


def rotation_transforms(angles, height, width):
    """Transforms rotating about the image center by `angles` (radians)."""
    cos, sin = torch.cos(angles), torch.sin(angles)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = cx - cx * a0 - cy * a1
    b2 = cy - cx * b0 - cy * b1
    zeros = torch.zeros_like(angles)
    return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)
