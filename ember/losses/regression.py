"""Regression losses: squared, absolute, percentage and logarithmic errors,
Huber, log-cosh and cosine similarity.

Each is a function `fn(y_true, y_pred)` returning one loss per sample (the mean
over the last axis) and a `Loss` class wrapping it. The functions align a
trailing axis of size 1 first, so `(batch,)` targets meet `(batch, 1)`
predictions.
"""

import math

import torch

from ember.backend import config
from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _mean, _true_pred, squeeze_or_expand_to_same_rank
from ember.losses.wrapper import _BuiltinLoss
from ember.ops import nn as nn_ops


@symbolic_op
def mean_squared_error(y_true, y_pred) -> torch.Tensor:
    """Mean squared error per sample: `mean(square(y_true - y_pred), axis=-1)`.

    Example:

    >>> ember.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])
    tensor([0.5000])
    """
    return _mean_squared_error(*_matched(y_true, y_pred))


@symbolic_op
def mean_absolute_error(y_true, y_pred) -> torch.Tensor:
    """Mean absolute error per sample: `mean(abs(y_true - y_pred), axis=-1)`.

    Example:

    >>> ember.losses.mean_absolute_error([[0.0, 1.0]], [[2.0, 1.0]])
    tensor([1.])
    """
    return _mean_absolute_error(*_matched(y_true, y_pred))


@symbolic_op
def mean_absolute_percentage_error(y_true, y_pred) -> torch.Tensor:
    """Mean absolute percentage error per sample:
    `100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`.

    Example:

    >>> ember.losses.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]])
    tensor([25.])
    """
    return _mean_absolute_percentage_error(*_matched(y_true, y_pred))


@symbolic_op
def mean_squared_logarithmic_error(y_true, y_pred) -> torch.Tensor:
    """Mean squared logarithmic error per sample:
    `mean(square(log(y_true + 1) - log(y_pred + 1)), axis=-1)`, with both
    clipped below at `epsilon` first.

    Example:

    >>> ember.losses.mean_squared_logarithmic_error([[0.0]], [[math.e - 1]])
    tensor([1.0000])
    """
    return _mean_squared_logarithmic_error(*_matched(y_true, y_pred))


@symbolic_op
def cosine_similarity(y_true, y_pred, axis=-1) -> torch.Tensor:
    """Negative cosine similarity of `y_true` and `y_pred` along `axis`.

    The result lies in `[-1, 1]`: -1 for vectors pointing the same way, so
    minimizing it aligns them; 0 when either vector is zero.

    Args:
        axis: The axis of the vectors. Defaults to `-1`.

    Example:

    >>> ember.losses.cosine_similarity([[0.0, 1.0]], [[0.0, 3.0]])
    tensor([-1.])
    """
    return -_cosine_similarity(*_matched(y_true, y_pred), axis)


@symbolic_op
def huber(y_true, y_pred, delta=1.0) -> torch.Tensor:
    """Huber loss per sample: quadratic for small errors, linear for large.

    With `error = y_pred - y_true`, each entry contributes
    `0.5 * error**2` where `abs(error) <= delta` and
    `delta * abs(error) - 0.5 * delta**2` elsewhere; the result is their mean
    over the last axis.

    Args:
        delta: The error size where the loss turns linear. Defaults to `1.0`.

    Example:

    >>> ember.losses.huber([[0.0, 0.0]], [[0.5, 3.0]])
    tensor([1.3125])
    """
    y_true, y_pred = _matched(y_true, y_pred)
    delta = torch.full((), delta, dtype=y_pred.dtype, device=y_pred.device)
    return _huber(y_true, y_pred, delta)


@symbolic_op
def log_cosh(y_true, y_pred) -> torch.Tensor:
    """Mean logarithm of the hyperbolic cosine of the error, per sample.

    `log(cosh(x))` is about `x**2 / 2` for small `x` and `abs(x) - log(2)` for
    large `x`: like the squared error, but less swayed by outliers. Computed
    as `x + softplus(-2 * x) - log(2)`, which cannot overflow.

    Example:

    >>> ember.losses.log_cosh([[0.0]], [[0.0]])
    tensor([0.])
    """
    return _log_cosh(*_matched(y_true, y_pred))


class MeanSquaredError(_BuiltinLoss):
    """Mean of the squares of the errors: `mean(square(y_true - y_pred))`.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"mean_squared_error"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.MeanSquaredError()
    >>> float(loss([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None
    ):
        super().__init__(
            mean_squared_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanAbsoluteError(_BuiltinLoss):
    """Mean of the absolute errors: `mean(abs(y_true - y_pred))`.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"mean_absolute_error"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> float(ember.losses.MeanAbsoluteError()([[0.0, 1.0]], [[2.0, 1.0]]))
    1.0
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None
    ):
        super().__init__(
            mean_absolute_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanAbsolutePercentageError(_BuiltinLoss):
    """Mean absolute error relative to the target, in percent:
    `100 * mean(abs((y_true - y_pred) / y_true))` (the divisor is at least
    `epsilon`).

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"mean_absolute_percentage_error"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.MeanAbsolutePercentageError()
    >>> float(loss([[2.0, 4.0]], [[1.0, 4.0]]))
    25.0
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_absolute_percentage_error",
        dtype=None,
    ):
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanSquaredLogarithmicError(_BuiltinLoss):
    """Mean squared error of the logarithms:
    `mean(square(log(y_true + 1) - log(y_pred + 1)))`. It weighs relative
    rather than absolute errors.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"mean_squared_logarithmic_error"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.MeanSquaredLogarithmicError()
    >>> round(float(loss([[0.0]], [[math.e - 1]])), 4)
    1.0
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_squared_logarithmic_error",
        dtype=None,
    ):
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )


class CosineSimilarity(_BuiltinLoss):
    """Negative cosine similarity between targets and predictions.

    `loss = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=axis)`:
    -1 for vectors pointing the same way, 1 for opposite ones.

    Args:
        axis: The axis of the vectors. Defaults to `-1`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"cosine_similarity"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.CosineSimilarity()
    >>> float(loss([[0.0, 1.0], [1.0, 0.0]], [[0.0, 2.0], [0.0, 1.0]]))
    -0.5
    """

    def __init__(
        self,
        axis=-1,
        reduction="sum_over_batch_size",
        name="cosine_similarity",
        dtype=None,
    ):
        super().__init__(
            cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis
        )


class Huber(_BuiltinLoss):
    """Huber loss: the squared error for small errors, the absolute error for
    large ones, joined smoothly at `delta`.

    Each entry contributes `0.5 * x**2` if `abs(x) <= delta`, else
    `delta * abs(x) - 0.5 * delta**2`, with `x = y_pred - y_true`.

    Args:
        delta: The error size where the loss turns linear. Defaults to `1.0`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"huber_loss"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> float(ember.losses.Huber()([[0.0, 0.0]], [[0.5, 3.0]]))
    1.3125
    """

    def __init__(
        self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None
    ):
        super().__init__(
            huber, reduction=reduction, name=name, dtype=dtype, delta=delta
        )


class LogCosh(_BuiltinLoss):
    """Mean logarithm of the hyperbolic cosine of the prediction error.

    Close to half the squared error for small errors and to the absolute error
    for large ones.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"log_cosh"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> round(float(ember.losses.LogCosh()([[0.0]], [[1.0]])), 4)
    0.4338
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


def _matched(y_true, y_pred):
    """The arguments as tensors (`_true_pred`), a trailing axis of 1 aligned."""
    return squeeze_or_expand_to_same_rank(*_true_pred(y_true, y_pred))


# The per-sample math on tensors, shared with the metrics' function forms (which
# convert their inputs as Keras does, keeping integer predictions).


def _mean_squared_error(y_true, y_pred):
    return _mean(torch.square(y_true - y_pred))


def _mean_absolute_error(y_true, y_pred):
    return _mean(torch.abs(y_true - y_pred))


def _mean_absolute_percentage_error(y_true, y_pred):
    # Epsilon in the inputs' dtype, as Keras has it (0 for integer inputs).
    epsilon = torch.tensor(config.epsilon(), dtype=y_pred.dtype)
    scale = torch.maximum(torch.abs(y_true), epsilon)
    return 100.0 * _mean(torch.abs((y_true - y_pred) / scale))


def _mean_squared_logarithmic_error(y_true, y_pred):
    # Keras takes epsilon as a float32 tensor, for float64 losses too. A 0-d
    # CPU tensor joins device ops as a scalar, with no copy.
    epsilon = torch.tensor(config.epsilon(), dtype=torch.float32)
    first_log = torch.log(torch.maximum(y_pred, epsilon) + 1.0)
    second_log = torch.log(torch.maximum(y_true, epsilon) + 1.0)
    return _mean(torch.square(first_log - second_log))


def _cosine_similarity(y_true, y_pred, axis):
    """The cosine similarity itself (the loss is its negative)."""
    y_pred = nn_ops.normalize(y_pred, axis=axis)
    y_true = nn_ops.normalize(y_true, axis=axis)
    return torch.sum(y_true * y_pred, dim=axis)


def _huber(y_true, y_pred, delta):
    """`delta` is a tensor, in the dtype the caller chose."""
    error = y_pred - y_true
    abs_error = torch.abs(error)
    half = torch.tensor(0.5, dtype=abs_error.dtype)
    quadratic = half * torch.square(error)
    linear = delta * abs_error - half * torch.square(delta)
    return _mean(torch.where(abs_error <= delta, quadratic, linear))


def _log_cosh(y_true, y_pred):
    error = y_pred - y_true
    # Keras computes log(2) in float32, also for float64 losses.
    log_2 = torch.tensor(math.log(2.0), dtype=torch.float32).to(y_pred.dtype)
    return _mean(error + torch.nn.functional.softplus(error * -2.0) - log_2)
