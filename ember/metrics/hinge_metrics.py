"""Hinge metrics (`Hinge`, `SquaredHinge`, `CategoricalHinge`) and their
per-sample function forms."""

import torch

from ember.losses.hinge import _categorical_hinge, _hinge_margins
from ember.metrics import metrics_utils as utils
from ember.metrics.reduction_metrics import MeanMetricWrapper


def hinge(y_true, y_pred) -> torch.Tensor:
    """Mean of `max(1 - y_true * y_pred, 0)` over the last axis.

    Labels are -1 or 1; labels given as 0 or 1 are converted.

    Example:

    >>> [round(v, 4) for v in ember.metrics.hinge([[0, 1]], [[0.6, 0.4]]).tolist()]
    [1.1]
    """
    margins = _hinge_margins(*utils.to_pair(y_true, y_pred))
    return utils.mean(margins, dim=-1)


def squared_hinge(y_true, y_pred) -> torch.Tensor:
    """Mean of `max(1 - y_true * y_pred, 0) ** 2` over the last axis.

    Labels are -1 or 1; labels given as 0 or 1 are converted.
    """
    margins = _hinge_margins(*utils.to_pair(y_true, y_pred))
    return utils.mean(torch.square(margins), dim=-1)


def categorical_hinge(y_true, y_pred) -> torch.Tensor:
    """`max(neg - pos + 1, 0)` per sample, for one-hot labels.

    `pos` is the score of the true class, `neg` the highest other score.
    """
    return _categorical_hinge(*utils.to_pair(y_true, y_pred))


class Hinge(MeanMetricWrapper):
    """The mean hinge loss between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"hinge"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.Hinge()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(metric.result()), 4)
    1.3
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class SquaredHinge(MeanMetricWrapper):
    """The mean squared hinge loss between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"squared_hinge"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.SquaredHinge()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(metric.result()), 4)
    1.86
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class CategoricalHinge(MeanMetricWrapper):
    """The mean categorical hinge loss between one-hot labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"categorical_hinge"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.CategoricalHinge()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(metric.result()), 4)
    1.4
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}
