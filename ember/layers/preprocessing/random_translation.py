"""`RandomTranslation`: shifts images by a random offset."""

import torch

from ember.layers.preprocessing._affine_layer import RandomAffineLayer
from ember.layers.preprocessing.base_image_preprocessing_layer import parse_factor


class RandomTranslation(RandomAffineLayer):
    """Shifts each image by a random fraction of its size, in training.

    Args:
        height_factor: A fraction of the height: the vertical shift is drawn
            from `[lower, upper] * height` (a number `f` means `(-f, f)`);
            positive values shift down.
        width_factor: The same for the width; positive values shift right.
        fill_mode: `"reflect"`, `"wrap"`, `"nearest"`, `"mirror"` or
            `"constant"`. Defaults to `"reflect"`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        seed: Integer seed. Defaults to `None`.
        fill_value: The value of `"constant"` filling. Defaults to `0.0`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        **kwargs: Standard layer keyword arguments.

    Example:

    >>> RandomTranslation(0.1, 0.2, seed=1)(torch.zeros(2, 8, 8, 3)).shape
    torch.Size([2, 8, 8, 3])
    """

    def __init__(
        self,
        height_factor,
        width_factor,
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
        self.height_factor = height_factor
        self.height_lower, self.height_upper = parse_factor(
            "height_factor", height_factor, bounds=(-1, 1)
        )
        self.width_factor = width_factor
        self.width_lower, self.width_upper = parse_factor(
            "width_factor", width_factor, bounds=(-1, 1)
        )

    def random_transforms(self, images, batch, height, width):
        dy = self._uniform((batch,), self.height_lower, self.height_upper, images)
        dx = self._uniform((batch,), self.width_lower, self.width_upper, images)
        return translation_transforms(dx * width, dy * height)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }


def translation_transforms(dx, dy):
    """Transforms shifting the image content by `(dx, dy)` pixels."""
    zeros, ones = torch.zeros_like(dx), torch.ones_like(dx)
    return torch.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], dim=1)
