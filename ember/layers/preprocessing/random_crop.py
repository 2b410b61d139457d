"""`RandomCrop`: crops images at a random position."""

from ember import random
from ember.layers.preprocessing import _image_ops
from ember.layers.preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from ember.layers.preprocessing.resizing import _resized_shape
from ember.random.seed_generator import make_default_seed


class RandomCrop(BaseImagePreprocessingLayer):
    """Crops a random `(height, width)` region in training.

    One offset is drawn per batch (as Keras does). When an image is not
    larger than the target, the largest centered region with the target
    aspect ratio is cropped and resized to the target instead. In inference
    (`training=False`) the images pass through unchanged, as in Keras.

    Args:
        height: Output height.
        width: Output width.
        seed: Integer seed. Defaults to `None` (one is drawn, and kept in the
            config).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        **kwargs: Standard layer keyword arguments.

    Example:

    >>> RandomCrop(3, 3, seed=1)(torch.zeros(2, 8, 8, 3)).shape
    torch.Size([2, 3, 3, 3])
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height = height
        self.width = width
        self.seed = seed if seed is not None else make_default_seed()
        self.generator = random.SeedGenerator(self.seed)

    def transform(self, images, training):
        if not training:
            return images
        height, width = images.shape[-2], images.shape[-1]
        if height > self.height and width > self.width:
            # Two draws, as Keras makes them (same seed, same crops).
            top = int(self._uniform((), 0.0, float(height - self.height + 1), images))
            left = int(self._uniform((), 0.0, float(width - self.width + 1), images))
        else:
            # Keras's offsets center the target-aspect region; the window
            # cut there (of the target size, clipped) is resized to fit.
            crop_height = max(
                min(height, int(float(width * self.height) / self.width)), 1
            )
            crop_width = max(
                min(width, int(float(height * self.width) / self.height)), 1
            )
            top = int(float(height - crop_height) / 2)
            left = int(float(width - crop_width) / 2)
        images = images[..., top : top + self.height, left : left + self.width]
        if tuple(images.shape[-2:]) != (self.height, self.width):
            images = _image_ops.resize(images, (self.height, self.width))
        return images

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "seed": self.seed,
        }
