"""Categorical losses on one-hot (or soft) targets: categorical crossentropy and
categorical focal crossentropy. Integer labels are in `sparse_categorical.py`.
"""

import warnings

import torch

from ember.backend import config
from ember.backend.arguments import passed
from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _true_pred
from ember.losses.wrapper import _BuiltinLoss
from ember.ops import nn as nn_ops


@symbolic_op
def categorical_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
) -> torch.Tensor:
    """Categorical crossentropy between one-hot targets and predictions.

    Args:
        y_true: One-hot (or soft) targets, of the shape of `y_pred`.
        y_pred: Probabilities along `axis` (rescaled to sum to 1, then clipped
            to `[epsilon, 1 - epsilon]`) or, with `from_logits=True`, logits.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`: the targets are mixed with a
            uniform distribution over the classes (counted along the last
            axis), `y_true * (1 - label_smoothing) + label_smoothing /
            num_classes`. Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.

    Returns:
        The loss per sample: `y_pred`'s shape without `axis`.

    Example:

    >>> ember.losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])
    tensor([0.6931])
    """
    y_true, y_pred = _categorical_inputs(
        y_true, y_pred, label_smoothing, axis, "categorical_crossentropy"
    )
    return nn_ops.categorical_crossentropy(
        y_true, y_pred, from_logits=from_logits, axis=axis
    )


@symbolic_op
def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
) -> torch.Tensor:
    """Categorical focal crossentropy: each class term of the categorical
    crossentropy is scaled by `alpha * (1 - p) ** gamma`, where `p` is the
    predicted probability of that class, so that well-classified samples
    weigh less (Lin et al., 2017).

    Args:
        y_true: One-hot (or soft) targets, of the shape of `y_pred`.
        y_pred: Probabilities (rescaled and clipped as in
            `categorical_crossentropy`) or, with `from_logits=True`, logits.
        alpha: The weight of every class term. Defaults to `0.25`.
        gamma: The focusing exponent. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: As in `categorical_crossentropy`. Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.

    Example:

    >>> ember.losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])
    tensor([0.0433])
    """
    y_true, y_pred = _categorical_inputs(
        y_true, y_pred, label_smoothing, axis, "categorical_focal_crossentropy"
    )
    return _categorical_focal_crossentropy(
        y_true, y_pred, alpha, gamma, from_logits, axis
    )


class CategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy between one-hot targets and predicted class probabilities
    (or logits), for single-label classification with one-hot labels.

    For integer labels use `SparseCategoricalCrossentropy`.

    Args:
        from_logits: Whether `y_pred` holds logits rather than probabilities.
            Defaults to `False`.
        label_smoothing: Float in `[0, 1]`: the targets are mixed with a
            uniform distribution over the classes. Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"categorical_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.CategoricalCrossentropy()
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)
    0.6931
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(categorical_crossentropy, **passed(locals()))


class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Categorical crossentropy with each class term scaled by
    `alpha * (1 - p) ** gamma`, which down-weighs well-classified samples.

    Args:
        alpha: The weight of every class term. Defaults to `0.25`.
        gamma: The focusing exponent. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`, as in `CategoricalCrossentropy`.
            Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"categorical_focal_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.CategoricalFocalCrossentropy()
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)
    0.0433
    """

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(categorical_focal_crossentropy, **passed(locals()))


def _categorical_inputs(y_true, y_pred, label_smoothing, axis, name):
    """Checks `axis`, converts the arguments, warns on one class and smooths
    the targets."""
    if isinstance(axis, bool):
        raise ValueError(
            "Invalid value for argument `axis`: expected an int. "
            f"Received: axis={axis!r} (of type bool)."
        )
    y_true, y_pred = _true_pred(y_true, y_pred)
    if y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )
    return _smooth(y_true, label_smoothing), y_pred


def _categorical_focal_crossentropy(y_true, y_pred, alpha, gamma, from_logits, axis):
    """The per-sample math on tensors, shared with the metrics' function form."""
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    output = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
    epsilon = config.epsilon()
    output = torch.clamp(output, epsilon, 1.0 - epsilon)
    crossentropy = -y_true * torch.log(output)
    weight = torch.pow(1.0 - output, gamma) * alpha
    return torch.sum(weight * crossentropy, dim=axis)


def _smooth(y_true, label_smoothing):
    """Mixes one-hot targets with the uniform distribution over the classes
    (counted along the last axis, as Keras counts them)."""
    if not label_smoothing:
        return y_true
    num_classes = torch.full(
        (), y_true.shape[-1], dtype=y_true.dtype, device=y_true.device
    )
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
