"""Fashion-MNIST, as `keras.datasets.fashion_mnist` loads it."""

import os

from ember.datasets._formats import read_idx
from ember.utils.file_utils import get_file

_ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


def load_data():
    """Loads the Fashion-MNIST dataset of clothing images.

    60,000 training and 10,000 test grayscale images of 28x28 pixels in 10
    classes, a drop-in replacement for MNIST: 0 T-shirt/top, 1 Trouser,
    2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag,
    9 Ankle boot.

    The four gzip IDX files are read from the Keras cache
    (`~/.keras/datasets/fashion-mnist/`, or under `$KERAS_HOME`) and downloaded
    there when absent. Keras publishes no hashes for them; each file is checked
    instead by gzip's CRC and the IDX header, and a damaged file raises an error
    naming it. A folder of the original files (same names) can also be read with
    `ember.datasets.mnist.load_data(path=folder)`.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`: `uint8` array of shape `(60000, 28, 28)`. `y_train`: `uint8`
        array of shape `(60000,)`, labels 0 to 9. `x_test`: `uint8` array of
        shape `(10000, 28, 28)`. `y_test`: `uint8` array of shape `(10000,)`.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = (
    ...     ember.datasets.fashion_mnist.load_data())
    >>> x_train.shape, y_test.shape
    ((60000, 28, 28), (10000,))

    License: Fashion-MNIST is by Zalando SE (Han Xiao, Kashif Rasul, Roland
    Vollgraf), under the MIT license.
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    arrays = []
    for name in _FILES:
        origin = _ORIGIN_FOLDER + name
        path = get_file(name, origin=origin, cache_subdir=subdir)
        arrays.append(read_idx(path, origin=origin))
    y_train, x_train, y_test, x_test = arrays
    for x, y, split in ((x_train, y_train, "train"), (x_test, y_test, "t10k")):
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(
                f"The cached Fashion-MNIST {split} files do not match: expected "
                "images of shape (n, 28, 28) and n labels. Received: images of "
                f"shape {x.shape} and labels of shape {y.shape}. Delete them from "
                f"{os.path.dirname(path)} to download them again."
            )
    return (x_train, y_train), (x_test, y_test)
