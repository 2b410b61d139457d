"""Overlap losses for segmentation: Dice and Tversky.

Both compare soft masks (`y_pred` in `[0, 1]`) with binary ones, summing over
`axis`: by default over everything, which gives one loss for the batch; with
e.g. `axis=(1, 2)` on `(batch, height, width)` masks, one loss per image.
"""

import torch

from ember.backend import config
from ember.backend.arguments import passed
from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _true_pred
from ember.losses.wrapper import _BuiltinLoss


@symbolic_op
def dice(y_true, y_pred, axis=None) -> torch.Tensor:
    """Dice loss: `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`,
    the sums taken over `axis` (all axes when `None`; `epsilon` is added to
    the denominator).

    Example:

    >>> ember.losses.dice([[1.0, 0.0]], [[1.0, 0.0]])
    tensor(0.)
    """
    y_true, y_pred = _true_pred(y_true, y_pred)
    intersection = torch.sum(y_true * y_pred, dim=axis)
    total = torch.sum(y_true, dim=axis) + torch.sum(y_pred, dim=axis)
    return 1 - 2.0 * intersection / (total + config.epsilon())


@symbolic_op
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None) -> torch.Tensor:
    """Tversky loss: `1 - TP / (TP + alpha * A + beta * B)` on soft counts over
    `axis` (all axes when `None`): `TP = sum(y_true * y_pred)`, the overlap;
    `A = sum(y_true * (1 - y_pred))`, the foreground the prediction misses;
    `B = sum(y_pred * (1 - y_true))`, the prediction outside the foreground.
    `alpha = beta = 0.5` gives the Dice loss.

    Args:
        alpha: Weight of the missed foreground `A`. Defaults to `0.5`.
        beta: Weight of the prediction outside the foreground `B`. Defaults
            to `0.5`.
        axis: Axes to sum over. Defaults to `None`.

    Example:

    >>> ember.losses.tversky([[1.0, 1.0]], [[1.0, 0.0]], alpha=0.5, beta=0.5)
    tensor(0.3333)
    """
    y_true, y_pred = _true_pred(y_true, y_pred)
    intersection = torch.sum(y_true * y_pred, dim=axis)
    missed = torch.sum((1 - y_pred) * y_true, dim=axis)
    outside = torch.sum(y_pred * (1 - y_true), dim=axis)
    denominator = intersection + missed * alpha + outside * beta
    return 1 - intersection / (denominator + config.epsilon())


class Dice(_BuiltinLoss):
    """Dice loss, one minus the soft Dice coefficient (F1 score) of the masks:
    `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"dice"`.
        axis: Axes to sum over; `None` sums over all of them. Defaults to
            `None`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.Dice()
    >>> round(float(loss([[1.0, 1.0]], [[1.0, 0.0]])), 4)
    0.3333
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None
    ):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)


class Tversky(_BuiltinLoss):
    """Tversky loss: `1 - TP / (TP + alpha * A + beta * B)`, a Dice loss whose
    two kinds of error weigh differently. On soft counts, `TP` is the overlap
    `sum(y_true * y_pred)`, `A = sum(y_true * (1 - y_pred))` the foreground the
    prediction misses and `B = sum(y_pred * (1 - y_true))` the prediction
    outside the foreground.

    Args:
        alpha: Weight of the missed foreground `A`. Defaults to `0.5`.
        beta: Weight of the prediction outside the foreground `B`. Defaults
            to `0.5`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"tversky"`.
        axis: Axes to sum over; `None` sums over all of them. Defaults to
            `None`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.Tversky(alpha=0.7, beta=0.3)
    >>> round(float(loss([[1.0, 1.0]], [[1.0, 0.0]])), 4)
    0.4118
    """

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(tversky, **passed(locals()))
