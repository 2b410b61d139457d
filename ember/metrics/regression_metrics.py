"""Regression metrics: mean squared/absolute/percentage/log errors, RMSE,
cosine similarity, log-cosh and R2, with their per-sample function forms."""

import torch

from ember.backend.errors import ArgumentError
from ember.losses import regression
from ember.metrics import metrics_utils as utils
from ember.metrics.metric import Metric
from ember.metrics.reduction_metrics import Mean, MeanMetricWrapper


def _matched(y_true, y_pred):
    y_true, y_pred = utils.to_pair(y_true, y_pred)
    return utils.squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred) -> torch.Tensor:
    """Mean of `(y_true - y_pred) ** 2` over the last axis."""
    return regression._mean_squared_error(*_matched(y_true, y_pred))


def mean_absolute_error(y_true, y_pred) -> torch.Tensor:
    """Mean of `abs(y_true - y_pred)` over the last axis."""
    return regression._mean_absolute_error(*_matched(y_true, y_pred))


def mean_absolute_percentage_error(y_true, y_pred) -> torch.Tensor:
    """`100 * mean(abs((y_true - y_pred) / y_true))` over the last axis.

    `abs(y_true)` is floored at `epsilon` to avoid dividing by zero.
    """
    return regression._mean_absolute_percentage_error(*_matched(y_true, y_pred))


def mean_squared_logarithmic_error(y_true, y_pred) -> torch.Tensor:
    """Mean of `(log(1 + y_pred) - log(1 + y_true)) ** 2` over the last axis.

    Values are floored at `epsilon` first.
    """
    return regression._mean_squared_logarithmic_error(*_matched(y_true, y_pred))


def log_cosh(y_true, y_pred) -> torch.Tensor:
    """Mean of `log(cosh(y_pred - y_true))` over the last axis, computed stably."""
    return regression._log_cosh(*_matched(y_true, y_pred))


def huber(y_true, y_pred, delta=1.0) -> torch.Tensor:
    """Mean Huber loss over the last axis: quadratic within `delta`, linear beyond."""
    y_true, y_pred = _matched(y_true, y_pred)
    return regression._huber(y_true, y_pred, utils.to_tensor(delta, y_pred.dtype))


def cosine_similarity(y_true, y_pred, axis=-1) -> torch.Tensor:
    """Cosine of the angle between `y_true` and `y_pred` along `axis`."""
    return regression._cosine_similarity(*_matched(y_true, y_pred), axis)


class MeanSquaredError(MeanMetricWrapper):
    """The mean squared error between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"mean_squared_error"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.MeanSquaredError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(metric.result())
    0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean absolute error between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"mean_absolute_error"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.MeanAbsoluteError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(metric.result())
    0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean absolute percentage error between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to
            `"mean_absolute_percentage_error"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.MeanAbsolutePercentageError()
    >>> metric.update_state([[1.0, 2.0]], [[1.5, 2.0]])
    >>> float(metric.result())
    25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=mean_absolute_percentage_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean squared logarithmic error between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to
            `"mean_squared_logarithmic_error"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.MeanSquaredLogarithmicError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(float(metric.result()), 4)
    0.1201
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=mean_squared_logarithmic_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error.

    Args:
        name: Name of the metric instance. Defaults to
            `"root_mean_squared_error"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.RootMeanSquaredError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(metric.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = utils.to_tensor(y_pred, self.dtype, self._device)
        y_true = utils.to_tensor(y_true, self.dtype, self._device)
        y_true, y_pred = utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(
            torch.square(y_pred - y_true), sample_weight=sample_weight
        )

    def result(self) -> torch.Tensor:
        return torch.sqrt(super().result())


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions.

    Args:
        name: Name of the metric instance. Defaults to `"cosine_similarity"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.
        axis: The axis along which the similarity is computed. Defaults to
            `-1`.

    Example:

    >>> metric = ember.metrics.CosineSimilarity()
    >>> metric.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    >>> round(float(metric.result()), 4)
    0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=cosine_similarity, name=name, dtype=dtype, axis=axis)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class LogCoshError(MeanMetricWrapper):
    """The mean logarithm of the hyperbolic cosine of the prediction error.

    Args:
        name: Name of the metric instance. Defaults to `"logcosh"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.LogCoshError()
    >>> metric.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> round(float(metric.result()), 4)
    0.2169
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class R2Score(Metric):
    """The coefficient of determination: how much of the labels' variance the
    predictions explain (1 is perfect, 0 is as good as predicting the mean).

    Inputs are 2-D, `(batch_size, num_outputs)`; each output gets its own
    score before `class_aggregation`.

    Args:
        class_aggregation: `"uniform_average"` (mean of the outputs' scores),
            `"variance_weighted_average"` (weighted by each output's variance)
            or `None` (one score per output). Defaults to `"uniform_average"`.
        num_regressors: Number of independent variables of the model; when
            non-zero, the adjusted R2 is reported (the plain one when there are
            not enough samples for it). Defaults to `0`.
        name: Name of the metric instance. Defaults to `"r2_score"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.R2Score()
    >>> metric.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
    >>> round(float(metric.result()), 4)
    0.5714
    """

    def __init__(
        self,
        class_aggregation="uniform_average",
        num_regressors=0,
        name="r2_score",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in (
            None,
            "uniform_average",
            "variance_weighted_average",
        ):
            raise ArgumentError(
                "class_aggregation",
                "None, 'uniform_average' or 'variance_weighted_average'",
                class_aggregation,
                "R2Score",
            )
        if num_regressors < 0:
            raise ArgumentError(
                "num_regressors", "an integer >= 0", num_regressors, "R2Score"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "`R2Score` expects 2-D inputs of shape (batch_size, num_outputs). "
                f"Received: y_pred.shape={tuple(y_pred_shape)}, "
                f"y_true.shape={tuple(y_true_shape)}."
            )
        shape = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(shape, "zeros", name="squared_sum")
        self.sum = self.add_variable(shape, "zeros", name="sum")
        self.total_mse = self.add_variable(shape, "zeros", name="residual")
        self.count = self.add_variable(shape, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = utils.to_tensor(y_pred, self.dtype, self._device)
        y_true = utils.to_tensor(y_true, self.dtype, self._device)
        y_true, y_pred = utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if sample_weight is None:
            sample_weight = 1.0
        sample_weight = utils.to_tensor(sample_weight, self.dtype, self._device)
        if sample_weight.ndim == 1:
            sample_weight = sample_weight.unsqueeze(1)
        sample_weight = sample_weight.broadcast_to(y_true.shape).to(y_true.dtype)
        weighted_y_true = y_true * sample_weight
        self.sum.add_(torch.sum(weighted_y_true, dim=0))
        self.squared_sum.add_(torch.sum(y_true * weighted_y_true, dim=0))
        self.total_mse.add_(
            torch.sum(torch.square(y_true - y_pred) * sample_weight, dim=0)
        )
        self.count.add_(torch.sum(sample_weight, dim=0))
        self.num_samples.add_(y_true.numel())

    def result(self) -> torch.Tensor:
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1 - (self.total_mse / total)
        raw_scores = torch.where(torch.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            r2_score = torch.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2_score = torch.sum(total * raw_scores) / torch.sum(total)
        else:
            r2_score = raw_scores
        if self.num_regressors == 0:
            return r2_score
        # Adjusted R2 needs n - p - 1 > 0; otherwise the plain score stands
        # (decided on the device: reading n would stall it).
        n = self.num_samples.to(torch.float32)
        p = float(self.num_regressors)
        adjusted = 1.0 - (1.0 - r2_score) * (n - 1.0) / (n - p - 1.0)
        return torch.where(p < n - 1.0, adjusted, r2_score)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
