"""`to_categorical` and `normalize`, as `keras.utils` exposes them."""

import numpy as np
import torch


def normalize(x, axis=-1, order=2):
    """Normalizes an array along an axis by its `order`-norm.

    A numpy array gives a numpy array, a tensor a tensor. Rows whose norm is zero
    are left unchanged (divided by 1).

    Args:
        x: Array to normalize.
        axis: Axis along which to normalize. Defaults to `-1`.
        order: Normalization order (e.g. `order=2` for the L2 norm).
            Defaults to `2`.

    Returns:
        A normalized copy of the array.

    Example:

    >>> normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis)
    from ember import ops

    return ops.normalize(x, axis=axis, order=order)


def to_categorical(x, num_classes=None):
    """Converts a vector of class indices to a one-hot (binary class) matrix.

    A trailing axis of size 1 is dropped before encoding, so labels of shape
    `(n, 1)` give `(n, num_classes)`. A numpy/list input gives a float64 numpy
    array (as Keras returns); a torch tensor gives a float32 tensor.

    Args:
        x: Array-like of integer class values, from 0 to `num_classes - 1`.
        num_classes: Total number of classes. `None` infers `max(x) + 1`.
            Defaults to `None`.

    Returns:
        The one-hot encoding, with the class axis last.

    Example:

    >>> to_categorical([0, 1, 2, 3], num_classes=4)[1]
    array([0., 1., 0., 0.])
    """
    if isinstance(x, torch.Tensor):
        if x.ndim > 1 and x.shape[-1] == 1:
            x = x.reshape(x.shape[:-1])
        x = x.long()
        if num_classes is None:
            num_classes = int(x.max()) + 1 if x.numel() else 0
        return torch.nn.functional.one_hot(x, int(num_classes)).float()
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if len(input_shape) > 1 and input_shape[-1] == 1:
        input_shape = input_shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            "Invalid value for argument `x` of `to_categorical`: expected class "
            f"indices in [0, {num_classes}). Received values from {x.min()} to "
            f"{x.max()}. Pass a larger `num_classes` or fix the labels."
        )
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(tuple(input_shape) + (num_classes,))
