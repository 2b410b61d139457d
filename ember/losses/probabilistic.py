"""Probabilistic losses on independent outputs: binary crossentropy, binary
focal crossentropy, Kullback-Leibler divergence and Poisson.

The categorical (softmax) family lives in `categorical.py`.
"""

import torch

from ember.backend import config
from ember.backend.arguments import passed
from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _mean, _true_pred
from ember.losses.wrapper import _BuiltinLoss
from ember.ops import nn as nn_ops


@symbolic_op
def kl_divergence(y_true, y_pred) -> torch.Tensor:
    """Kullback-Leibler divergence per sample:
    `sum(y_true * log(y_true / y_pred), axis=-1)`, with both clipped to
    `[epsilon, 1]` first.

    Example:

    >>> ember.losses.kl_divergence([[0.5, 0.5]], [[0.5, 0.5]])
    tensor([0.])
    """
    return _kl_divergence(*_true_pred(y_true, y_pred))


@symbolic_op
def poisson(y_true, y_pred) -> torch.Tensor:
    """Poisson loss per sample: `mean(y_pred - y_true * log(y_pred + epsilon),
    axis=-1)`, the negative log-likelihood of counts `y_true` under Poisson
    rates `y_pred` (up to a term without `y_pred`).

    Example:

    >>> ember.losses.poisson([[1.0]], [[1.0]])
    tensor([1.0000])
    """
    return _poisson(*_true_pred(y_true, y_pred))


@symbolic_op
def binary_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
) -> torch.Tensor:
    """Binary crossentropy, averaged over `axis`.

    Args:
        y_true: Targets in `[0, 1]`, of the shape of `y_pred`.
        y_pred: Probabilities (clipped to `[epsilon, 1 - epsilon]`) or, with
            `from_logits=True`, logits.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`: targets move this far towards
            0.5, `y_true * (1 - label_smoothing) + 0.5 * label_smoothing`.
            Defaults to `0.0`.
        axis: The axis to average over. Defaults to `-1`.

    Example:

    >>> ember.losses.binary_crossentropy([[1.0, 0.0]], [[0.5, 0.5]])
    tensor([0.6931])
    """
    y_true, y_pred = _true_pred(y_true, y_pred)
    return _binary_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)


@symbolic_op
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
    """Binary focal crossentropy, averaged over `axis`.

    The binary crossentropy of each entry is scaled by `(1 - p_t) ** gamma`,
    where `p_t` is the probability given to the true class, so that entries
    already classified well weigh less (Lin et al., 2017, "Focal Loss for
    Dense Object Detection").

    Args:
        y_true: Targets in `[0, 1]`, of the shape of `y_pred`.
        y_pred: Probabilities or, with `from_logits=True`, logits.
        apply_class_balancing: Whether to weigh positive targets by `alpha`
            and negative ones by `1 - alpha`. Defaults to `False`.
        alpha: The class-balancing weight of positives. Defaults to `0.25`.
        gamma: The focusing exponent; `0` gives the binary crossentropy.
            Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: As in `binary_crossentropy`. Defaults to `0.0`.
        axis: The axis to average over. Defaults to `-1`.

    Example:

    >>> ember.losses.binary_focal_crossentropy([[1.0]], [[0.5]], gamma=1.0)
    tensor([0.3466])
    """
    y_true, y_pred = _true_pred(y_true, y_pred)
    return _binary_focal_crossentropy(
        y_true,
        y_pred,
        apply_class_balancing,
        alpha,
        gamma,
        from_logits,
        label_smoothing,
        axis,
    )


class KLDivergence(_BuiltinLoss):
    """Kullback-Leibler divergence of the predicted distribution from the true
    one: `sum(y_true * log(y_true / y_pred))` over the last axis.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"kl_divergence"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.KLDivergence()
    >>> round(float(loss([[1.0, 0.0]], [[0.5, 0.5]])), 4)
    0.6931
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None
    ):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(_BuiltinLoss):
    """Poisson loss: `mean(y_pred - y_true * log(y_pred))` over the last axis,
    for count targets and positive predicted rates.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"poisson"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> round(float(ember.losses.Poisson()([[1.0]], [[1.0]])), 4)
    1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(_BuiltinLoss):
    """Crossentropy between binary targets and predicted probabilities (or
    logits), for yes/no outputs and multi-label classification.

    Args:
        from_logits: Whether `y_pred` holds logits rather than probabilities.
            Logits are more stable numerically. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`: targets move this far towards 0.5.
            Defaults to `0.0`.
        axis: The axis to average over. Defaults to `-1`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"binary_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.BinaryCrossentropy(from_logits=True)
    >>> round(float(loss([[1.0], [0.0]], [[0.0], [0.0]])), 4)
    0.6931
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(binary_crossentropy, **passed(locals()))


class BinaryFocalCrossentropy(_BuiltinLoss):
    """Binary crossentropy scaled by `(1 - p_t) ** gamma`, which down-weighs
    entries already classified well (`p_t` is the probability of the true
    class), for heavily imbalanced binary problems.

    Args:
        apply_class_balancing: Whether to weigh positives by `alpha` and
            negatives by `1 - alpha`. Defaults to `False`.
        alpha: The class-balancing weight of positives. Defaults to `0.25`.
        gamma: The focusing exponent. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`: targets move this far towards 0.5.
            Defaults to `0.0`.
        axis: The axis to average over. Defaults to `-1`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"binary_focal_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.BinaryFocalCrossentropy(gamma=1.0)
    >>> round(float(loss([[1.0]], [[0.5]])), 4)
    0.3466
    """

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(binary_focal_crossentropy, **passed(locals()))


# The per-sample math on tensors, shared with the metrics' function forms (which
# convert their inputs as Keras does, keeping integer predictions).


def _kl_divergence(y_true, y_pred):
    epsilon = config.epsilon()
    y_true = torch.clamp(y_true, epsilon, 1)
    y_pred = torch.clamp(y_pred, epsilon, 1)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def _poisson(y_true, y_pred):
    # Epsilon in the inputs' dtype, as Keras has it (0 for integer inputs).
    epsilon = torch.tensor(config.epsilon(), dtype=y_pred.dtype)
    return _mean(y_pred - y_true * torch.log(y_pred + epsilon))


def _smooth_binary(y_true, label_smoothing):
    """Moves binary targets `label_smoothing` of the way towards 0.5."""
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _binary_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis):
    y_true = _smooth_binary(y_true, label_smoothing)
    values = nn_ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
    return _mean(values, dim=axis)


def _binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing,
    alpha,
    gamma,
    from_logits,
    label_smoothing,
    axis,
):
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    bce = nn_ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal_bce
    return _mean(focal_bce, dim=axis)
