"""Small datasets to load as NumPy arrays, as `keras.datasets` offers them.

Each module's `load_data` reads Keras's cache (`~/.keras/datasets/`, or
`$KERAS_HOME/datasets/`) with Keras's file names, so ember and Keras share
downloads; a missing file is downloaded from Keras's origin, its hash checked
and written atomically. The formats are read with the standard library and
NumPy only.
"""

from ember.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = [
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
