"""Metrics built on confusion-matrix counts: the four counts themselves,
`Precision`, `Recall`, and the metrics read at a constraint on another
(`PrecisionAtRecall`, `RecallAtPrecision`, `SensitivityAtSpecificity`,
`SpecificityAtSensitivity`). `AUC` lives in `auc_metrics.py`."""

import numbers

import torch

from ember.backend.errors import ArgumentError
from ember.metrics import confusion_utils
from ember.metrics.metric import Metric
from ember.metrics.metrics_utils import divide_no_nan, floatx


class _ConfusionMetric(Metric):
    """Shared state handling: count variables over a list of thresholds."""

    def _setup(self, thresholds, keys, top_k=None, class_id=None):
        self.thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self._thresholds_distributed_evenly = confusion_utils.evenly_distributed(
            thresholds
        )
        self._add_constant("thresholds", thresholds, floatx())
        self._counts = {}
        for key in keys:
            variable = self.add_variable(
                shape=(len(thresholds),), initializer="zeros", name=_NAMES[key]
            )
            setattr(self, _NAMES[key], variable)
            self._counts[key] = variable

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the confusion counts of a batch.

        Args:
            y_true: Labels; any non-zero value counts as positive.
            y_pred: Predicted scores, in [0, 1] for thresholds to make sense.
            sample_weight: Optional weights, broadcastable to `y_true`.
        """
        confusion_utils.update_confusion_matrix_variables(
            self._counts,
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_tensor=self._constants["thresholds"],
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
            evenly=self._thresholds_distributed_evenly,
        )

    def _per_threshold(self, values):
        """The value at the only threshold, or the vector at several."""
        return values[0].clone() if len(self.thresholds) == 1 else values


_NAMES = {
    "tp": "true_positives",
    "fp": "false_positives",
    "tn": "true_negatives",
    "fn": "false_negatives",
}


class _ConfusionMatrixConditionCount(_ConfusionMetric):
    """One weighted confusion count at one or more thresholds."""

    _key = "tp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        thresholds = confusion_utils.parse_thresholds(
            thresholds, 0.5, type(self).__name__
        )
        self._setup(thresholds, ())
        self.accumulator = self.add_variable(
            shape=(len(thresholds),), initializer="zeros", name="accumulator"
        )
        self._counts = {self._key: self.accumulator}

    def result(self) -> torch.Tensor:
        return self._per_threshold(self.accumulator.clone())

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives.

    Args:
        thresholds: A float or list of floats in [0, 1]: a prediction above a
            threshold counts as positive. One result per threshold. Defaults to
            `None`, meaning `0.5`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"true_positives"` made unique.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.TruePositives()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(metric.result())
    2.0
    """

    _key = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives.

    Args:
        thresholds: A float or list of floats in [0, 1]: a prediction above a
            threshold counts as positive. One result per threshold. Defaults to
            `None`, meaning `0.5`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"false_positives"` made unique.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.FalsePositives()
    >>> metric.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    >>> float(metric.result())
    2.0
    """

    _key = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives.

    Args:
        thresholds: A float or list of floats in [0, 1]: a prediction above a
            threshold counts as positive. One result per threshold. Defaults to
            `None`, meaning `0.5`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"true_negatives"` made unique.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.TrueNegatives()
    >>> metric.update_state([0, 1, 0, 0], [1, 1, 0, 0])
    >>> float(metric.result())
    2.0
    """

    _key = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives.

    Args:
        thresholds: A float or list of floats in [0, 1]: a prediction above a
            threshold counts as positive. One result per threshold. Defaults to
            `None`, meaning `0.5`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"false_negatives"` made unique.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.FalseNegatives()
    >>> metric.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    >>> float(metric.result())
    2.0
    """

    _key = "fn"


class _PrecisionRecall(_ConfusionMetric):
    """Shared constructor and config of `Precision` and `Recall`."""

    _keys = ()

    def __init__(
        self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        default = 0.5 if top_k is None else confusion_utils.NEG_INF
        parsed = confusion_utils.parse_thresholds(
            thresholds, default, type(self).__name__
        )
        self._setup(parsed, self._keys, top_k=top_k, class_id=class_id)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecall):
    """The precision of the predictions: `tp / (tp + fp)`.

    Args:
        thresholds: A float or list of floats in [0, 1]: a prediction above a
            threshold counts as positive. One result per threshold. Defaults to
            `None`, meaning `0.5` (or, with `top_k`, any top-k score).
        top_k: Only the `top_k` highest scores of each row count as positive.
            Defaults to `None`.
        class_id: Only this class (entry of the last axis) is scored. Defaults
            to `None`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"precision"` made unique.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.Precision()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(metric.result()), 4)
    0.6667
    """

    _keys = ("tp", "fp")

    def result(self) -> torch.Tensor:
        tp, fp = self.true_positives, self.false_positives
        return self._per_threshold(divide_no_nan(tp, tp + fp))


class Recall(_PrecisionRecall):
    """The recall of the predictions: `tp / (tp + fn)`.

    Args:
        thresholds: A float or list of floats in [0, 1]: a prediction above a
            threshold counts as positive. One result per threshold. Defaults to
            `None`, meaning `0.5` (or, with `top_k`, any top-k score).
        top_k: Only the `top_k` highest scores of each row count as positive.
            Defaults to `None`.
        class_id: Only this class (entry of the last axis) is scored. Defaults
            to `None`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"recall"` made unique.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.Recall()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(metric.result()), 4)
    0.6667
    """

    _keys = ("tp", "fn")

    def result(self) -> torch.Tensor:
        tp, fn = self.true_positives, self.false_negatives
        return self._per_threshold(divide_no_nan(tp, tp + fn))


class _AtConstraint(_ConfusionMetric):
    """One rate, maximized over thresholds where another rate meets `value`."""

    _constraint = ""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        self._direction = "up"
        if not 0 <= value <= 1:
            raise ArgumentError(self._constraint, "a number in [0, 1]", value, owner)
        if not isinstance(num_thresholds, numbers.Integral) or num_thresholds <= 0:
            raise ArgumentError(
                "num_thresholds", "an integer > 0", num_thresholds, owner
            )
        setattr(self, self._constraint, value)
        self.value = value
        self.num_thresholds = num_thresholds
        if num_thresholds == 1:
            thresholds = [0.5]
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            thresholds = [0.0, *inner, 1.0]
        self._setup(thresholds, ("tp", "fp", "tn", "fn"), class_id=class_id)
        self._thresholds_distributed_evenly = num_thresholds > 1

    def _rates(self):
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        return {
            "recall": divide_no_nan(tp, tp + fn),
            "precision": divide_no_nan(tp, tp + fp),
            "specificity": divide_no_nan(tn, tn + fp),
        }

    def _max_where_feasible(self, constrained, dependent):
        feasible = constrained >= self.value
        return torch.clamp(torch.amax(torch.where(feasible, dependent, 0.0)), min=0)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._constraint: self.value,
        }


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) where specificity is at least `specificity`.

    Args:
        specificity: A float in [0, 1], the specificity to reach.
        num_thresholds: Number of evenly spaced thresholds to try. Defaults to
            `200`.
        class_id: Only this class (entry of the last axis) is scored. Defaults
            to `None`.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.SensitivityAtSpecificity(0.5)
    >>> metric.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(metric.result())
    0.5
    """

    _constraint = "specificity"

    def __init__(
        self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_where_feasible(rates["specificity"], rates["recall"])


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity where sensitivity (recall) is at least `sensitivity`.

    Args:
        sensitivity: A float in [0, 1], the sensitivity to reach.
        num_thresholds: Number of evenly spaced thresholds to try. Defaults to
            `200`.
        class_id: Only this class (entry of the last axis) is scored. Defaults
            to `None`.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.SpecificityAtSensitivity(0.5)
    >>> metric.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> round(float(metric.result()), 4)
    0.6667
    """

    _constraint = "sensitivity"

    def __init__(
        self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_where_feasible(rates["recall"], rates["specificity"])


class PrecisionAtRecall(_AtConstraint):
    """The best precision where recall is at least `recall`.

    Args:
        recall: A float in [0, 1], the recall to reach.
        num_thresholds: Number of evenly spaced thresholds to try. Defaults to
            `200`.
        class_id: Only this class (entry of the last axis) is scored. Defaults
            to `None`.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.PrecisionAtRecall(0.5)
    >>> metric.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(metric.result())
    0.5
    """

    _constraint = "recall"

    def __init__(
        self, recall, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_where_feasible(rates["recall"], rates["precision"])


class RecallAtPrecision(_AtConstraint):
    """The best recall where precision is at least `precision`.

    Args:
        precision: A float in [0, 1], the precision to reach.
        num_thresholds: Number of evenly spaced thresholds to try. Defaults to
            `200`.
        class_id: Only this class (entry of the last axis) is scored. Defaults
            to `None`.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.RecallAtPrecision(0.8)
    >>> metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(metric.result())
    0.5
    """

    _constraint = "precision"

    def __init__(
        self, precision, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_where_feasible(rates["precision"], rates["recall"])
