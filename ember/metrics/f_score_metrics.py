"""`FBetaScore` and `F1Score`: the weighted harmonic mean of precision and
recall, per class or averaged."""

import torch

from ember.backend import config
from ember.backend.errors import ArgumentError
from ember.metrics.metric import Metric
from ember.metrics.metrics_utils import to_tensor

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """The F-beta score: `(1 + beta^2) * p * r / (beta^2 * p + r)`.

    Precision `p` and recall `r` are counted per class over 2-D inputs
    `(batch_size, num_classes)` with one-hot (or multi-hot) labels.

    Args:
        average: `None` (one score per class), `"micro"` (counts pooled over
            classes), `"macro"` (mean of the class scores) or `"weighted"`
            (class scores weighted by their number of true instances).
            Defaults to `None`.
        beta: Float > 0, the weight of recall (recall counts `beta` times as
            much as precision). Defaults to `1.0`.
        threshold: Float in (0, 1]: predictions above it count as positive.
            With `None`, the highest prediction of each row counts (if
            non-zero). Defaults to `None`.
        name: Name of the metric instance. Defaults to `"fbeta_score"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.FBetaScore(beta=2.0, threshold=0.5)
    >>> metric.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                     [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(v, 4) for v in metric.result().tolist()]
    [0.3846, 0.9091, 0.8333]
    """

    def __init__(
        self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        owner = type(self).__name__
        if average not in _AVERAGES:
            raise ArgumentError(
                "average", "None, 'micro', 'macro' or 'weighted'", average, owner
            )
        if not isinstance(beta, float) or beta <= 0.0:
            raise ArgumentError("beta", "a Python float > 0", beta, owner)
        if threshold is not None and (
            not isinstance(threshold, float) or not 0.0 < threshold <= 1.0
        ):
            raise ArgumentError(
                "threshold", "None or a Python float in (0, 1]", threshold, owner
            )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"`{type(self).__name__}` expects 2-D inputs of shape "
                "(batch_size, num_classes). Received: "
                f"y_pred.shape={tuple(y_pred_shape)}, "
                f"y_true.shape={tuple(y_true_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in (
            "true_positives",
            "false_positives",
            "false_negatives",
            "intermediate_weights",
        ):
            variable = self.add_variable(shape, "zeros", dtype=self.dtype, name=name)
            setattr(self, name, variable)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred, self.dtype, self._device)
        y_true = to_tensor(y_true, self.dtype, self._device)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            row_max = torch.amax(y_pred, dim=-1, keepdim=True)
            # The row maximum is positive, unless the whole row is 0.
            y_pred = (y_pred >= row_max) & (torch.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(y_true.dtype)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, self.dtype, self._device)

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight.unsqueeze(1)
            if self.axis is None:
                return torch.sum(values)
            return torch.sum(values, dim=self.axis)

        self.true_positives.add_(weighted_sum(y_pred * y_true))
        self.false_positives.add_(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.add_(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(weighted_sum(y_true))

    def result(self) -> torch.Tensor:
        epsilon = config.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + epsilon)
        recall = tp / (tp + self.false_negatives + epsilon)
        beta_squared = self.beta**2
        score = precision * recall / (beta_squared * precision + recall + epsilon)
        score = score * (1 + beta_squared)
        if self.average == "weighted":
            weights = self.intermediate_weights
            weights = weights / (torch.sum(weights) + epsilon)
            return torch.sum(score * weights)
        if self.average is not None:
            return torch.mean(score)
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """The F1 score: the harmonic mean of precision and recall.

    `F1Score` is `FBetaScore` with `beta=1.0`.

    Args:
        average: `None` (one score per class), `"micro"`, `"macro"` or
            `"weighted"`; see `FBetaScore`. Defaults to `None`.
        threshold: Float in (0, 1]: predictions above it count as positive.
            With `None`, the highest prediction of each row counts. Defaults to
            `None`.
        name: Name of the metric instance. Defaults to `"f1_score"`.
        dtype: Dtype of the metric's computations. Defaults to `None`.

    Example:

    >>> metric = ember.metrics.F1Score(threshold=0.5)
    >>> metric.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                     [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(v, 4) for v in metric.result().tolist()]
    [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(
            average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
