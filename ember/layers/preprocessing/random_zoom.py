"""`RandomZoom`: zooms images in or out at random."""

import torch

from ember.layers.preprocessing._affine_layer import RandomAffineLayer
from ember.layers.preprocessing.base_image_preprocessing_layer import parse_factor


class RandomZoom(RandomAffineLayer):
    """Zooms each image by a random factor about its center, in training.

    Args:
        height_factor: A fraction: the vertical zoom is drawn from
            `[1 + lower, 1 + upper]`, where a number `f` means
            `(lower, upper) = (-f, f)`. Positive values zoom out (the image
            shrinks), negative values zoom in.
        width_factor: The same for the width. Defaults to `None` (the same
            zoom as the height, preserving the aspect ratio).
        fill_mode: `"reflect"`, `"wrap"`, `"nearest"`, `"mirror"` or
            `"constant"`. Defaults to `"reflect"`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        seed: Integer seed. Defaults to `None`.
        fill_value: The value of `"constant"` filling. Defaults to `0.0`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        **kwargs: Standard layer keyword arguments.

    Example:

    >>> RandomZoom(0.2, seed=1)(torch.zeros(2, 8, 8, 3)).shape
    torch.Size([2, 8, 8, 3])
    """

    def __init__(
        self,
        height_factor,
        width_factor=None,
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
            "height_factor", height_factor, bounds=(-1, float("inf"))
        )
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = parse_factor(
                "width_factor", width_factor, bounds=(-1, float("inf"))
            )

    def random_transforms(self, images, batch, height, width):
        zoom_y = self._uniform(
            (batch,), 1.0 + self.height_lower, 1.0 + self.height_upper, images
        )
        if self.width_factor is not None:
            zoom_x = self._uniform(
                (batch,), 1.0 + self.width_lower, 1.0 + self.width_upper, images
            )
        else:
            zoom_x = zoom_y
        return zoom_transforms(zoom_x, zoom_y, height, width)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }


def zoom_transforms(zoom_x, zoom_y, height, width):
    """Transforms scaling about the image center."""
    zeros = torch.zeros_like(zoom_x)
    x_offset = ((width - 1.0) / 2.0) * (1.0 - zoom_x)
    y_offset = ((height - 1.0) / 2.0) * (1.0 - zoom_y)
    return torch.stack(
        [zoom_x, zeros, x_offset, zeros, zoom_y, y_offset, zeros, zeros], dim=1
    )
