"""`RandomAffineLayer`: the shared base of RandomRotation, RandomZoom and
RandomTranslation (random per-image affine transforms, then resampling)."""

from ember import random
from ember.layers.preprocessing import _image_ops
from ember.layers.preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    check_choice,
)


class RandomAffineLayer(BaseImagePreprocessingLayer):
    """Resamples images through a random affine transform in training."""

    def __init__(
        self,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        check_choice("fill_mode", fill_mode, _image_ops.FILL_MODES)
        check_choice("interpolation", interpolation, ("nearest", "bilinear"))
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.seed = seed
        self.fill_value = fill_value
        self.generator = random.SeedGenerator(seed)

    def transform(self, images, training):
        if not training:
            return images
        height, width = images.shape[-2], images.shape[-1]
        transforms = self.random_transforms(images, images.shape[0], height, width)
        return _image_ops.affine_transform(
            images, transforms, self.interpolation, self.fill_mode, self.fill_value
        )

    def random_transforms(self, images, batch, height, width):
        """`(batch, 8)` transforms mapping output to input pixels."""
        raise TypeError(f"{type(self).__name__} must define `random_transforms`.")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        }
