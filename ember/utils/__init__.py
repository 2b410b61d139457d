"""Utilities, as `keras.utils` exposes them."""

from ember.backend.naming import clear_session
from ember.trainers.data.py_dataset import PyDataset
from ember.utils.audio_dataset_utils import audio_dataset_from_directory
from ember.utils.dataset_utils import split_dataset
from ember.utils.file_utils import get_file
from ember.utils.image_dataset_utils import image_dataset_from_directory
from ember.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from ember.utils.numerical_utils import normalize, to_categorical
from ember.utils.progbar import Progbar
from ember.utils.rng_utils import set_random_seed
from ember.utils.sequence_utils import pad_sequences
from ember.utils.text_dataset_utils import text_dataset_from_directory
from ember.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = [
    "PyDataset",
    "Progbar",
    "array_to_img",
    "audio_dataset_from_directory",
    "clear_session",
    "get_file",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "normalize",
    "pad_sequences",
    "save_img",
    "set_random_seed",
    "split_dataset",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "to_categorical",
]
