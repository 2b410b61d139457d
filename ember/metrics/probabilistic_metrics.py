"""Probabilistic metrics: crossentropies, KL divergence and Poisson, with their
per-sample function forms (the same math as the losses of those names)."""

import warnings

import torch

from ember.losses import categorical, probabilistic
from ember.metrics import metrics_utils as utils
from ember.metrics.reduction_metrics import MeanMetricWrapper
from ember.ops import nn as nn_ops


def binary_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
) -> torch.Tensor:
    """Binary crossentropy, averaged over `axis`.

    Args:
        y_true: Binary labels, the shape of `y_pred`.
        y_pred: Probabilities (logits with `from_logits=True`).
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]: labels move this far towards 0.5.
            Defaults to `0.0`.
        axis: The axis averaged over. Defaults to `-1`.

    Example:

    >>> loss = ember.metrics.binary_crossentropy([[0, 1]], [[0.4, 0.6]])
    >>> [round(v, 4) for v in loss.tolist()]
    [0.5108]
    """
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    return probabilistic._binary_crossentropy(
        y_true, y_pred, from_logits, label_smoothing, axis
    )


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
) -> torch.Tensor:
    """Binary crossentropy scaled by `(1 - p_t) ** gamma`, averaged over `axis`.

    `p_t` is the probability given to the true label, so confident correct
    predictions count less. With `apply_class_balancing`, positives are also
    weighted by `alpha` and negatives by `1 - alpha`.
    """
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    return probabilistic._binary_focal_crossentropy(
        y_true,
        y_pred,
        apply_class_balancing,
        alpha,
        gamma,
        from_logits,
        label_smoothing,
        axis,
    )


def categorical_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
) -> torch.Tensor:
    """Categorical crossentropy between one-hot labels and predictions.

    Args:
        y_true: One-hot labels, the shape of `y_pred`.
        y_pred: Class probabilities (logits with `from_logits=True`).
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]: labels move this far towards
            uniform. Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.

    Example:

    >>> loss = ember.metrics.categorical_crossentropy([[0, 1, 0]], [[0.05, 0.95, 0]])
    >>> [round(v, 4) for v in loss.tolist()]
    [0.0513]
    """
    y_true, y_pred = _categorical_inputs(
        y_true, y_pred, label_smoothing, axis, "categorical_crossentropy"
    )
    return nn_ops.categorical_crossentropy(
        y_true, y_pred, from_logits=from_logits, axis=axis
    )


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
) -> torch.Tensor:
    """Categorical crossentropy with each class term scaled by
    `alpha * (1 - p) ** gamma`, so well-classified classes count less."""
    y_true, y_pred = _categorical_inputs(
        y_true, y_pred, label_smoothing, axis, "categorical_focal_crossentropy"
    )
    return categorical._categorical_focal_crossentropy(
        y_true, y_pred, alpha, gamma, from_logits, axis
    )


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits=False, ignore_class=None, axis=-1
) -> torch.Tensor:
    """Categorical crossentropy with integer class labels.

    Args:
        y_true: Class ids, the shape of `y_pred` without the class axis (or
            with it of size 1).
        y_pred: Class probabilities (logits with `from_logits=True`).
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: A label id whose entries get 0 (and are marked in the
            result's Keras mask). Defaults to `None`.
        axis: The class axis. Defaults to `-1`.

    Example:

    >>> loss = ember.metrics.sparse_categorical_crossentropy([1], [[0.05, 0.95, 0]])
    >>> [round(v, 4) for v in loss.tolist()]
    [0.0513]
    """
    y_pred = utils.to_tensor(y_pred)
    y_true = utils.to_tensor(y_true, device=y_pred.device)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = y_true.squeeze(axis)
    valid = None
    if ignore_class is not None:
        class_axis = axis % y_pred.ndim
        shape = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
        valid = y_true != torch.tensor(ignore_class, dtype=y_pred.dtype)
        y_true = torch.where(valid, y_true, 0)
        y_pred = torch.where(valid.unsqueeze(axis), y_pred, 0.0)
    values = nn_ops.sparse_categorical_crossentropy(
        y_true, y_pred, from_logits=from_logits, axis=axis
    )
    if valid is not None:
        valid = valid.reshape(shape)
        values = torch.where(valid, values, 0.0)
        values._keras_mask = valid
    return values


def kl_divergence(y_true, y_pred) -> torch.Tensor:
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))` over the
    last axis, with both clipped to `[epsilon, 1]`."""
    return probabilistic._kl_divergence(*utils.to_pair(y_true, y_pred))


def poisson(y_true, y_pred) -> torch.Tensor:
    """Poisson deviance `mean(y_pred - y_true * log(y_pred + epsilon))` over the
    last axis."""
    return probabilistic._poisson(*utils.to_pair(y_true, y_pred))


class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"kl_divergence"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.KLDivergence()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(metric.result()), 4)
    0.4581
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(fn=kl_divergence, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class Poisson(MeanMetricWrapper):
    """The mean Poisson deviance between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"poisson"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.Poisson()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(float(metric.result()), 4)
    0.5
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(fn=poisson, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary crossentropy between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to
            `"binary_crossentropy"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]: labels move this far towards 0.5.
            Defaults to `0`.

    Example:

    >>> metric = ember.metrics.BinaryCrossentropy()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(metric.result()), 4)
    0.8149
    """

    def __init__(
        self,
        name="binary_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
    ):
        super().__init__(
            binary_crossentropy,
            name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical crossentropy between one-hot labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to
            `"categorical_crossentropy"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]: labels move this far towards
            uniform. Defaults to `0`.
        axis: The class axis. Defaults to `-1`.

    Example:

    >>> metric = ember.metrics.CategoricalCrossentropy()
    >>> metric.update_state([[0, 1, 0], [0, 0, 1]],
    ...                     [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(float(metric.result()), 4)
    1.1769
    """

    def __init__(
        self,
        name="categorical_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
        axis=-1,
    ):
        super().__init__(
            categorical_crossentropy,
            name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical crossentropy between integer labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to
            `"sparse_categorical_crossentropy"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: A label id whose entries count as 0 (and, with sample
            weights, weigh 0). Defaults to `None`.
        axis: The class axis. Defaults to `-1`.

    Example:

    >>> metric = ember.metrics.SparseCategoricalCrossentropy()
    >>> metric.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(float(metric.result()), 4)
    1.1769
    """

    def __init__(
        self,
        name="sparse_categorical_crossentropy",
        dtype=None,
        from_logits=False,
        ignore_class=None,
        axis=-1,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
        self._direction = "down"

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }


def _categorical_inputs(y_true, y_pred, label_smoothing, axis, fn_name):
    """Checks `axis`, converts, warns on one class, smooths the labels."""
    if isinstance(axis, bool):
        raise ValueError(
            f"`axis` must be an int. Received: axis={axis} of type {type(axis)}."
        )
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"In {fn_name}, `y_pred` should have shape (batch_size, num_classes) "
            f"with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. "
            "With 2 classes, consider 'binary_crossentropy'.",
            SyntaxWarning,
            stacklevel=3,
        )
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return y_true, y_pred
