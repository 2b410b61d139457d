"""California housing prices, as `keras.datasets.california_housing` loads them."""

import numpy as np

from ember.backend.errors import ArgumentError
from ember.datasets._housing import check_test_split, shuffle_and_split
from ember.utils.file_utils import get_file

_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"
)
_FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(
    version: str = "large",
    path: str = "california_housing.npz",
    test_split: float = 0.2,
    seed: int = 113,
):
    """Loads the California Housing price regression dataset.

    20,640 census block groups of California (1990 census), each with 8
    features: MedInc (median income), HouseAge (median house age), AveRooms and
    AveBedrms (average rooms and bedrooms per household), Population, AveOccup
    (average household size), Latitude and Longitude. The target is the median
    house value, in dollars. The rooms and bedrooms are averages over
    households, so block groups with few households and many empty houses (such
    as vacation resorts) have surprisingly large values.
    `california_housing.npz` is read from the Keras cache (`~/.keras/datasets/`,
    or `$KERAS_HOME/datasets/`) and downloaded there when absent; its SHA-256
    hash is checked.

    Args:
        version: `"large"` for all 20,640 samples, or `"small"` for the first
            600 (a stand-in for the Boston housing dataset). Defaults to
            `"large"`.
        path: File name of the dataset in the cache (relative to
            `~/.keras/datasets`). Defaults to `"california_housing.npz"`.
        test_split: Fraction of the samples, in `[0, 1)`, kept for the test set.
            Defaults to `0.2`.
        seed: Seed of the shuffle done before the split. Defaults to `113`.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`, `x_test`: arrays of shape `(num_samples, 8)`.
        `y_train`, `y_test`: arrays of shape `(num_samples,)`, prices typically
        between 25,000 and 500,000 dollars.

    Example:

    >>> (x_train, y_train), _ = ember.datasets.california_housing.load_data("small")
    >>> x_train.shape
    (480, 8)
    """
    check_test_split(test_split, "california_housing.load_data")
    if version not in ("small", "large"):
        raise ArgumentError(
            "version",
            "one of 'small', 'large'",
            version,
            "california_housing.load_data",
        )
    path = get_file(path, origin=_ORIGIN, file_hash=_FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_and_split(x, y, test_split, seed)
