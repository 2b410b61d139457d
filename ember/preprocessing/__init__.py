"""`keras.preprocessing`: the dataset loaders and the `image`, `sequence` and
`text` helper modules (preprocessing layers live in `ember.layers`)."""

from ember.preprocessing import image, sequence, text
from ember.utils.image_dataset_utils import image_dataset_from_directory
from ember.utils.text_dataset_utils import text_dataset_from_directory
from ember.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = [
    "image",
    "image_dataset_from_directory",
    "sequence",
    "text",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
