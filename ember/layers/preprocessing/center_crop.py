"""`CenterCrop`: crops the central region of images."""

from ember.layers.preprocessing import _image_ops
from ember.layers.preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from ember.layers.preprocessing.resizing import _resized_shape


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the central `(height, width)` region of images.

    Images smaller than the target are first cropped to the target aspect
    ratio and resized (bilinear), as Keras's `smart_resize`, so the output
    always has the target size.

    Args:
        height: Output height.
        width: Output width.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        **kwargs: Standard layer keyword arguments.

    Example:

    >>> CenterCrop(2, 2)(torch.arange(16.0).reshape(1, 4, 4, 1))[0, ..., 0].tolist()
    [[5.0, 6.0], [9.0, 10.0]]
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def transform(self, images, training):
        height, width = images.shape[-2], images.shape[-1]
        if height >= self.height and width >= self.width:
            top, left = (height - self.height) // 2, (width - self.width) // 2
            return images[..., top : top + self.height, left : left + self.width]
        return _image_ops.resize(
            images, (self.height, self.width), crop_to_aspect_ratio=True
        )

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}
