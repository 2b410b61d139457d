"""`Resizing`: resizes images to a target height and width."""

from ember.layers.preprocessing import _image_ops
from ember.layers.preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    check_choice,
)


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to `(height, width)`.

    Args:
        height: Output height.
        width: Output width.
        interpolation: `"bilinear"`, `"nearest"` or `"bicubic"`. Defaults to
            `"bilinear"`.
        crop_to_aspect_ratio: Crop the largest centered region with the
            target aspect ratio before resizing (no distortion). Defaults to
            `False`.
        pad_to_aspect_ratio: Pad the images (centered, with `fill_value`) to
            the target aspect ratio before resizing. Defaults to `False`.
        fill_mode: Must be `"constant"`. Defaults to `"constant"`.
        fill_value: Padding value with `pad_to_aspect_ratio`. Defaults to
            `0.0`.
        antialias: Antialias when downsampling (bilinear/bicubic). Defaults
            to `False`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        **kwargs: Standard layer keyword arguments.

    Input shape:
        `(batch, height, width, channels)` (or rank 3, or channels first).

    Output shape:
        `(batch, target_height, target_width, channels)`.

    Example:

    >>> Resizing(4, 5)(torch.zeros(2, 8, 8, 3)).shape
    torch.Size([2, 4, 5, 3])
    """

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        check_choice("interpolation", interpolation, tuple(_image_ops.INTERPOLATIONS))
        check_choice("fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "`Resizing`: only one of `crop_to_aspect_ratio` and "
                "`pad_to_aspect_ratio` can be True."
            )
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = antialias

    def transform(self, images, training):
        return _image_ops.resize(
            images,
            (self.height, self.width),
            interpolation=self.interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_value=self.fill_value,
        )

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }


def _resized_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    axis = -3 if data_format == "channels_last" else -2
    shape[axis], shape[axis + 1] = height, width
    return tuple(shape)
