"""`RandomContrast`: scales image contrast by a random factor."""

from ember import random
from ember.layers.preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    parse_factor,
)


class RandomContrast(BaseImagePreprocessingLayer):
    """Adjusts each image's contrast by a random factor, in training.

    Per image and channel: `(x - mean) * c + mean`, with `mean` over the
    pixels and `c` drawn from `[1 - factor[0], 1 + factor[1]]`, then clipped
    to `value_range`. As in Keras, a number `f` gives `factor = (0, f)`.

    Args:
        factor: A number in `[0, 1]` or a pair of them.
        value_range: The `(min, max)` range of the pixel values. Defaults to
            `(0, 255)`.
        seed: Integer seed. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`data_format`, `name`).

    Example:

    >>> RandomContrast(0.5, seed=1)(torch.full((2, 4, 4, 3), 9.0)).shape
    torch.Size([2, 4, 4, 3])
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = parse_factor("factor", factor, bounds=(0, 1))
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def transform(self, images, training):
        if not training:
            return images
        contrast = self._uniform(
            (images.shape[0], 1, 1, 1),
            1.0 - self.factor[0],
            1.0 + self.factor[1],
            images,
        ).to(images.dtype)
        mean = images.mean(dim=(-2, -1), keepdim=True)
        out = (images - mean) * contrast + mean
        return out.clamp(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }
