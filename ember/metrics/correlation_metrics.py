"""Correlation metrics (`PearsonCorrelation`, `ConcordanceCorrelation`) and their
per-sample function forms."""

import torch

from ember.backend import config
from ember.metrics import metrics_utils as utils
from ember.metrics.reduction_metrics import MeanMetricWrapper


def pearson_correlation(y_true, y_pred, axis=-1) -> torch.Tensor:
    """Pearson correlation coefficient between `y_true` and `y_pred` along `axis`.

    Example:

    >>> ember.metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
    tensor([0.9934])
    """
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    y_true, y_pred = utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    true_centered = y_true - utils.mean(y_true, dim=axis, keepdim=True)
    pred_centered = y_pred - utils.mean(y_pred, dim=axis, keepdim=True)
    true_centered = true_centered / _std(true_centered, axis)
    pred_centered = pred_centered / _std(pred_centered, axis)
    return utils.mean(true_centered * pred_centered, dim=axis)


def concordance_correlation(y_true, y_pred, axis=-1) -> torch.Tensor:
    """Concordance correlation coefficient along `axis`, as Keras computes it.

    `2 * cov / (var_true + var_pred + (mean_true - mean_pred) ** 2)`, where
    Keras centers `y_true` on the mean of `y_pred` in the covariance term; the
    same formula is kept here so results match.
    """
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    y_true, y_pred = utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    true_mean = utils.mean(y_true, dim=axis, keepdim=True)
    pred_mean = utils.mean(y_pred, dim=axis, keepdim=True)
    true_var = torch.var(y_true - true_mean, dim=axis, keepdim=True, correction=0)
    pred_var = torch.var(y_pred - pred_mean, dim=axis, keepdim=True, correction=0)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + torch.square(true_mean - pred_mean)
    return utils.mean(2 * covariance / (norm + config.epsilon()), dim=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean Pearson correlation between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"pearson_correlation"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.
        axis: The axis along which the correlation is computed. Defaults to
            `-1`.

    Example:

    >>> metric = ember.metrics.PearsonCorrelation()
    >>> metric.update_state([[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]])
    >>> round(float(metric.result()), 4)
    -1.0
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean concordance correlation between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to
            `"concordance_correlation"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.
        axis: The axis along which the correlation is computed. Defaults to
            `-1`.

    Example:

    >>> metric = ember.metrics.ConcordanceCorrelation()
    >>> metric.update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
    >>> round(float(metric.result()), 4)
    1.0
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


def _std(x, axis):
    return torch.std(x, dim=axis, keepdim=True, correction=0)
