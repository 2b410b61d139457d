"""Accuracy metrics: how often predictions match labels, in their plain,
binary, categorical, sparse and top-k forms, with their function forms."""

import torch

from ember.metrics import metrics_utils as utils
from ember.metrics.reduction_metrics import MeanMetricWrapper


def accuracy(y_true, y_pred) -> torch.Tensor:
    """1.0 where `y_pred` equals `y_true`, else 0.0, per element."""
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    y_true, y_pred = utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    return torch.eq(y_true, y_pred).to(utils.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5) -> torch.Tensor:
    """1.0 where `y_pred > threshold` matches the binary `y_true`, per element.

    Example:

    >>> ember.metrics.binary_accuracy([1, 0], [0.9, 0.7]).tolist()
    [1.0, 0.0]
    """
    y_true, y_pred = utils.to_pair(y_true, y_pred, true_dtype=None)
    if y_pred.dtype != torch.float32 or not isinstance(threshold, float):
        # Keras compares with a float32 threshold (a float32 prediction
        # compares with a Python float the same way, without a tensor).
        threshold = utils.to_tensor(threshold)
    y_true, y_pred = utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = torch.gt(y_pred, threshold).to(y_true.dtype)
    return torch.eq(y_true, y_pred).to(utils.floatx())


def categorical_accuracy(y_true, y_pred) -> torch.Tensor:
    """1.0 where the argmax of `y_pred` is the one-hot `y_true`'s, per sample.

    Example:

    >>> ember.metrics.categorical_accuracy(
    ...     [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    ... ).tolist()
    [0.0, 1.0]
    """
    y_pred = utils.to_tensor(y_pred)
    y_true = utils.to_tensor(y_true, device=y_pred.device)
    y_true = torch.argmax(y_true, dim=-1).to(y_pred.dtype)
    return _argmax_matches(y_true, y_pred, squeeze_only_ones=False)


def sparse_categorical_accuracy(y_true, y_pred) -> torch.Tensor:
    """1.0 where the argmax of `y_pred` equals the integer `y_true`, per sample.

    Example:

    >>> ember.metrics.sparse_categorical_accuracy(
    ...     [2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]
    ... ).tolist()
    [0.0, 1.0]
    """
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    matches = _argmax_matches(y_true, y_pred, squeeze_only_ones=True)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5) -> torch.Tensor:
    """1.0 where the one-hot `y_true`'s class is among the `k` top scores.

    Example:

    >>> ember.metrics.top_k_categorical_accuracy(
    ...     [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1
    ... ).tolist()
    [0.0, 1.0]
    """
    y_pred = utils.to_tensor(y_pred)
    y_true = utils.to_tensor(y_true, device=y_pred.device)
    y_true = torch.argmax(y_true.to(y_pred.dtype), dim=-1)
    return _in_top_k_matches(y_true, y_pred, k)


def sparse_top_k_categorical_accuracy(
    y_true, y_pred, k=5, from_sorted_ids=False
) -> torch.Tensor:
    """1.0 where the integer `y_true` is among the `k` top predictions.

    Args:
        y_true: Class ids, shape `(batch_size,)`.
        y_pred: Scores `(batch_size, num_classes)`; with `from_sorted_ids=True`,
            class ids sorted from highest to lowest score `(batch_size, N)`.
        k: Number of top predictions that count. Defaults to `5`.
        from_sorted_ids: Whether `y_pred` holds sorted class ids rather than
            scores. Defaults to `False`.

    Example:

    >>> ember.metrics.sparse_top_k_categorical_accuracy(
    ...     [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1
    ... ).tolist()
    [0.0, 1.0]
    """
    true_dtype = "pred" if from_sorted_ids else "int32"
    y_true, y_pred = utils.to_pair(y_true, y_pred, true_dtype=true_dtype)
    if not from_sorted_ids:
        return _in_top_k_matches(y_true, y_pred, k)
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = torch.any(y_true.reshape(-1, 1) == y_pred[:, :k], dim=1)
    return matches.to(utils.floatx()).reshape(shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels.

    Args:
        name: Name of the metric instance. Defaults to `"accuracy"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.

    Example:

    >>> metric = ember.metrics.Accuracy()
    >>> metric.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(metric.result())
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often thresholded predictions match binary labels.

    Args:
        name: Name of the metric instance. Defaults to `"binary_accuracy"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.
        threshold: A prediction above it counts as 1. Defaults to `0.5`.

    Example:

    >>> metric = ember.metrics.BinaryAccuracy()
    >>> metric.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(metric.result())
    0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(
            fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold
        )
        self.threshold = threshold
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the top prediction matches one-hot labels.

    Logits work as well as probabilities: only the argmax counts.

    Args:
        name: Name of the metric instance. Defaults to `"categorical_accuracy"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.

    Example:

    >>> metric = ember.metrics.CategoricalAccuracy()
    >>> metric.update_state([[0, 0, 1], [0, 1, 0]],
    ...                     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(metric.result())
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the top prediction matches integer labels.

    Args:
        name: Name of the metric instance. Defaults to
            `"sparse_categorical_accuracy"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.

    Example:

    >>> metric = ember.metrics.SparseCategoricalAccuracy()
    >>> metric.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(metric.result())
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the `k` top predictions.

    Args:
        k: Number of top predictions that count. Defaults to `5`.
        name: Name of the metric instance. Defaults to
            `"top_k_categorical_accuracy"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.

    Example:

    >>> metric = ember.metrics.TopKCategoricalAccuracy(k=1)
    >>> metric.update_state([[0, 0, 1], [0, 1, 0]],
    ...                     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(metric.result())
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` top predictions.

    Args:
        k: Number of top predictions that count. Defaults to `5`.
        name: Name of the metric instance. Defaults to
            `"sparse_top_k_categorical_accuracy"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.
        from_sorted_ids: Whether `y_pred` holds class ids sorted from highest
            to lowest score (at least `k` per row) instead of scores for all
            classes. Defaults to `False`.

    Example:

    >>> metric = ember.metrics.SparseTopKCategoricalAccuracy(k=1)
    >>> metric.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(metric.result())
    0.5
    """

    def __init__(
        self,
        k=5,
        name="sparse_top_k_categorical_accuracy",
        dtype=None,
        from_sorted_ids=False,
    ):
        super().__init__(
            fn=sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


def _argmax_matches(y_true, y_pred, squeeze_only_ones):
    """Per-sample `argmax(y_pred) == y_true` in `y_true`'s original shape.

    A `y_true` of `y_pred`'s rank loses its last axis first (always for the
    categorical form, only when that axis has size 1 for the sparse form).
    """
    shape = y_true.shape
    squeezed = y_true.ndim == y_pred.ndim and (
        not squeeze_only_ones or y_true.shape[-1] == 1
    )
    if squeezed:
        y_true = y_true.squeeze(-1)
    y_pred = torch.argmax(y_pred, dim=-1).to(y_true.dtype)
    matches = torch.eq(y_true, y_pred).to(utils.floatx())
    return matches.reshape(shape) if squeezed else matches


def _in_top_k_matches(y_true, y_pred, k):
    """Per-sample "is the target among the top `k` scores" (ties count)."""
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    targets = y_true.reshape(-1).long()
    kth = torch.topk(y_pred, k, dim=-1).values[:, -1:]
    target_scores = torch.take_along_dim(y_pred, targets[:, None], dim=-1)
    matches = (target_scores >= kth)[:, 0].to(utils.floatx())
    return matches.reshape(shape) if y_true.ndim > 1 else matches
