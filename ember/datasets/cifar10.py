"""CIFAR-10 small color images, as `keras.datasets.cifar10` loads them."""

import numpy as np

from ember.datasets._cifar import load_archive, to_image_data_format

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
_TRAIN = tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6))
_TEST = "cifar-10-batches-py/test_batch"


def load_data():
    """Loads the CIFAR-10 dataset.

    50,000 training and 10,000 test color images of 32x32 pixels in 10 classes:
    0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse,
    8 ship, 9 truck. The archive is read from the Keras cache
    (`~/.keras/datasets/cifar-10-batches-py-target_archive`, or under
    `$KERAS_HOME`) and downloaded there when absent; its SHA-256 hash is
    checked. A small share of the labels is known to be wrong in the original
    dataset.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`: `uint8` array of shape `(50000, 32, 32, 3)` (or
        `(50000, 3, 32, 32)` when `ember.config.image_data_format()` is
        `"channels_first"`), pixel values from 0 to 255. `y_train`: `uint8`
        array of shape `(50000, 1)`, labels 0 to 9. `x_test`: `uint8` array of
        shape `(10000, 32, 32, 3)`. `y_test`: `uint8` array of shape
        `(10000, 1)`.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = ember.datasets.cifar10.load_data()
    >>> x_train.shape, y_train.shape
    ((50000, 32, 32, 3), (50000, 1))
    """
    batches = load_archive(
        "cifar-10-batches-py-target", _ORIGIN, _FILE_HASH, _TRAIN + (_TEST,), "labels"
    )
    *train, (x_test, y_test) = batches
    x_train = to_image_data_format(np.concatenate([x for x, _ in train]))
    x_test = to_image_data_format(x_test)
    # Keras fills a uint8 buffer with the train labels and casts the test ones
    # to match.
    y_train = np.concatenate([y for _, y in train]).astype(np.uint8).reshape(-1, 1)
    y_test = y_test.astype(np.uint8).reshape(-1, 1)
    return (x_train, y_train), (x_test, y_test)
