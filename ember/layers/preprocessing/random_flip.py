"""`RandomFlip`: flips images horizontally and/or vertically at random."""

import torch

from ember import random
from ember.layers.preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    check_choice,
)

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image with probability 1/2 during training.

    With `"horizontal_and_vertical"`, one coin decides both flips of an
    image (as in Keras). In inference (`training=False`) images pass through.

    Args:
        mode: `"horizontal"`, `"vertical"` or `"horizontal_and_vertical"`.
            Defaults to `"horizontal_and_vertical"`.
        seed: Integer seed. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        **kwargs: Standard layer keyword arguments.

    Example:

    >>> RandomFlip("horizontal", seed=1)(torch.zeros(2, 4, 4, 3)).shape
    torch.Size([2, 4, 4, 3])
    """

    def __init__(
        self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        check_choice("mode", mode, (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL))
        self.mode = mode
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def transform(self, images, training):
        if not training:
            return images
        flips = self._uniform((images.shape[0], 1, 1, 1), 0.0, 1.0, images) <= 0.5
        out = images
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            out = torch.where(flips, out.flip(-1), out)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            out = torch.where(flips, out.flip(-2), out)
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
