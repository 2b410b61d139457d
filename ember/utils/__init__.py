"""Utilities, as `keras.utils` exposes them."""

from ember.backend.naming import clear_session
from ember.trainers.data.py_dataset import PyDataset
from ember.utils.file_utils import get_file
from ember.utils.progbar import Progbar
from ember.utils.rng_utils import set_random_seed

__all__ = [
    "PyDataset",
    "Progbar",
    "clear_session",
    "get_file",
    "set_random_seed",
]
