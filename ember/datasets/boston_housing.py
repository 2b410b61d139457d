"""Boston housing prices, as `keras.datasets.boston_housing` loads them."""

import numpy as np

from ember.datasets._housing import check_test_split, shuffle_and_split
from ember.utils.file_utils import get_file

_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
)
_FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
):
    """Loads the Boston Housing price regression dataset.

    506 samples of 13 attributes of locations around Boston in the late 1970s
    (from the StatLib library of Carnegie Mellon University); the target is the
    median value of the homes there, in thousands of dollars. The dataset has
    an ethical problem: one attribute, "B", presumes that racial
    self-segregation bears on house prices. Prefer
    `ember.datasets.california_housing` unless that problem is the subject.
    `boston_housing.npz` is read from the Keras cache (`~/.keras/datasets/`, or
    `$KERAS_HOME/datasets/`) and downloaded there when absent; its SHA-256 hash
    is checked.

    Args:
        path: File name of the dataset in the cache (relative to
            `~/.keras/datasets`). Defaults to `"boston_housing.npz"`.
        test_split: Fraction of the samples, in `[0, 1)`, kept for the test set.
            Defaults to `0.2`.
        seed: Seed of the shuffle done before the split. Defaults to `113`.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`, `x_test`: `float64` arrays of shape `(num_samples, 13)`.
        `y_train`, `y_test`: `float64` arrays of shape `(num_samples,)`, prices
        typically between 10 and 50 (k$).

    Example:

    >>> (x_train, y_train), (x_test, y_test) = (
    ...     ember.datasets.boston_housing.load_data())
    >>> x_train.shape, x_test.shape
    ((404, 13), (102, 13))
    """
    check_test_split(test_split, "boston_housing.load_data")
    path = get_file(path, origin=_ORIGIN, file_hash=_FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffle_and_split(x, y, test_split, seed)
