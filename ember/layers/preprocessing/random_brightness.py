"""`RandomBrightness`: shifts image brightness by a random amount."""

from ember import random
from ember.layers.preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    parse_factor,
)


class RandomBrightness(BaseImagePreprocessingLayer):
    """Adds a random brightness delta to each image, in training.

    The delta is drawn from `[factor[0], factor[1]]` times the width of
    `value_range` (a number `f` means `(-f, f)`); results are clipped to
    `value_range`.

    Args:
        factor: A number in `[-1, 1]` or a pair of them.
        value_range: The `(min, max)` range of the pixel values. Defaults to
            `(0, 255)`.
        seed: Integer seed. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`data_format`, `name`).

    Example:

    >>> RandomBrightness(0.2, seed=1)(torch.full((2, 4, 4, 3), 9.0)).shape
    torch.Size([2, 4, 4, 3])
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = parse_factor("factor", factor, bounds=(-1, 1))
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            from ember.backend.errors import ArgumentError

            raise ArgumentError("value_range", "a (min, max) pair", value_range)
        self.value_range = list(value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def transform(self, images, training):
        if not training:
            return images
        low, high = sorted(self.value_range)
        delta = self._uniform(
            (images.shape[0], 1, 1, 1), self.factor[0], self.factor[1], images
        ).to(images.dtype) * (high - low)
        return (images + delta).clamp(low, high)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }
