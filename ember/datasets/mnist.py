"""MNIST handwritten digits, as `keras.datasets.mnist` loads them."""

import os

import numpy as np

from ember.datasets._formats import load_idx_folder
from ember.utils.file_utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
_FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz"):
    """Loads the MNIST dataset of handwritten digits.

    60,000 training and 10,000 test grayscale images of 28x28 pixels, each
    labeled with its digit, 0 to 9. Keras's copy, `mnist.npz`, is read from the
    Keras cache (`~/.keras/datasets/`, or `$KERAS_HOME/datasets/`) and downloaded
    there when absent; its SHA-256 hash is checked.

    `path` may instead name a folder holding the original IDX files of the MNIST
    site (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
    `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`, gzipped or not);
    they are read from there and nothing is downloaded. Fashion-MNIST's files
    use the same names, so its folder loads this way too.

    Args:
        path: File name of the dataset in the cache (relative to
            `~/.keras/datasets`), or the path of a folder of IDX files.
            Defaults to `"mnist.npz"`.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`: `uint8` array of shape `(60000, 28, 28)`, pixel values from
        0 to 255. `y_train`: `uint8` array of shape `(60000,)`, the digits.
        `x_test`: `uint8` array of shape `(10000, 28, 28)`. `y_test`: `uint8`
        array of shape `(10000,)`.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = ember.datasets.mnist.load_data()
    >>> x_train.shape, y_train.dtype
    ((60000, 28, 28), dtype('uint8'))
    >>> (x_train, y_train), _ = ember.datasets.mnist.load_data("data/mnist")
    >>> x_train.shape  # from data/mnist/train-images-idx3-ubyte.gz, ...
    (60000, 28, 28)

    License: MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges,
    derived from NIST's data, under the Creative Commons Attribution-Share Alike
    3.0 license.
    """
    if path is not None and os.path.isdir(path):
        return load_idx_folder(os.fspath(path))
    path = get_file(fname=path, origin=_ORIGIN, file_hash=_FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
