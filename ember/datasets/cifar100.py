"""CIFAR-100 small color images, as `keras.datasets.cifar100` loads them."""

from ember.backend.errors import ArgumentError
from ember.datasets._cifar import load_archive, to_image_data_format

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
_MEMBERS = ("cifar-100-python/train", "cifar-100-python/test")


def load_data(label_mode: str = "fine"):
    """Loads the CIFAR-100 dataset.

    50,000 training and 10,000 test color images of 32x32 pixels in 100
    fine-grained classes, grouped into 20 coarse superclasses. The archive is
    read from the Keras cache (`~/.keras/datasets/cifar-100-python-target_archive`,
    or under `$KERAS_HOME`) and downloaded there when absent; its SHA-256 hash
    is checked.

    Args:
        label_mode: `"fine"` for the 100 classes, or `"coarse"` for the 20
            superclasses. Defaults to `"fine"`.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`: `uint8` array of shape `(50000, 32, 32, 3)` (or
        `(50000, 3, 32, 32)` when `ember.config.image_data_format()` is
        `"channels_first"`). `y_train`: `int64` array of shape `(50000, 1)`
        (Keras's documentation says `uint8`, but it returns NumPy's default
        integer, as this does), labels 0 to 99 (or 0 to 19). `x_test`: `uint8`
        array of shape `(10000, 32, 32, 3)`. `y_test`: array of shape
        `(10000, 1)`.

    Example:

    >>> (x_train, y_train), _ = ember.datasets.cifar100.load_data("coarse")
    >>> x_train.shape, int(y_train.max())
    ((50000, 32, 32, 3), 19)
    """
    if label_mode not in ("fine", "coarse"):
        raise ArgumentError(
            "label_mode", "one of 'fine', 'coarse'", label_mode, "cifar100.load_data"
        )
    (x_train, y_train), (x_test, y_test) = load_archive(
        "cifar-100-python-target", _ORIGIN, _FILE_HASH, _MEMBERS, f"{label_mode}_labels"
    )
    x_train, x_test = to_image_data_format(x_train), to_image_data_format(x_test)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))
