"""`keras.preprocessing.image`: image file helpers and the legacy
`ImageDataGenerator` with its iterators and random transformations."""

from ember.preprocessing.image.affine_transformations import (
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    random_brightness,
    random_channel_shift,
    random_rotation,
    random_shear,
    random_shift,
    random_zoom,
)
from ember.preprocessing.image.directory_iterator import DirectoryIterator
from ember.preprocessing.image.image_data_generator import ImageDataGenerator
from ember.preprocessing.image.iterator import Iterator
from ember.preprocessing.image.numpy_array_iterator import NumpyArrayIterator
from ember.utils.image_utils import (
    array_to_img,
    img_to_array,
    load_img,
    save_img,
    smart_resize,
)

__all__ = [
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "array_to_img",
    "img_to_array",
    "load_img",
    "random_brightness",
    "random_channel_shift",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "save_img",
    "smart_resize",
]
