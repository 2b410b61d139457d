"""Hinge losses, for maximum-margin ("SVM-like") classifiers: hinge, squared
hinge and categorical hinge.

Binary targets may be given as `{-1, 1}` or as `{0, 1}`; the latter are mapped
to `{-1, 1}` (on the device, without reading the values).
"""

import torch

from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _mean, _true_pred
from ember.losses.wrapper import _BuiltinLoss


@symbolic_op
def hinge(y_true, y_pred) -> torch.Tensor:
    """Hinge loss per sample: `mean(maximum(1 - y_true * y_pred, 0), axis=-1)`.

    Args:
        y_true: Targets in `{-1, 1}` (or `{0, 1}`, mapped to `{-1, 1}`).
        y_pred: Predicted scores.

    Example:

    >>> ember.losses.hinge([[1.0, -1.0]], [[0.5, -2.0]])
    tensor([0.2500])
    """
    return _mean(_hinge_margins(*_true_pred(y_true, y_pred)))


@symbolic_op
def squared_hinge(y_true, y_pred) -> torch.Tensor:
    """Squared hinge loss per sample:
    `mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`.

    Args:
        y_true: Targets in `{-1, 1}` (or `{0, 1}`, mapped to `{-1, 1}`).
        y_pred: Predicted scores.

    Example:

    >>> ember.losses.squared_hinge([[1.0, -1.0]], [[0.5, -2.0]])
    tensor([0.1250])
    """
    return _mean(torch.square(_hinge_margins(*_true_pred(y_true, y_pred))))


@symbolic_op
def categorical_hinge(y_true, y_pred) -> torch.Tensor:
    """Categorical hinge loss per sample: `maximum(neg - pos + 1, 0)`, where
    `pos = sum(y_true * y_pred)` is the score of the true class and
    `neg = max((1 - y_true) * y_pred)` the best score of the others.

    Args:
        y_true: One-hot targets.
        y_pred: Predicted class scores.

    Example:

    >>> ember.losses.categorical_hinge([[0.0, 1.0]], [[0.5, 1.0]])
    tensor([0.5000])
    """
    return _categorical_hinge(*_true_pred(y_true, y_pred))


class Hinge(_BuiltinLoss):
    """Hinge loss: `mean(maximum(1 - y_true * y_pred, 0))` over the last axis.

    Targets are `-1` or `1`; targets that are all `0` or `1` are mapped to
    `-1` and `1`.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"hinge"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> float(ember.losses.Hinge()([[1.0, -1.0]], [[0.5, -2.0]]))
    0.25
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_BuiltinLoss):
    """Squared hinge loss: `mean(square(maximum(1 - y_true * y_pred, 0)))` over
    the last axis, with targets in `{-1, 1}` (or `{0, 1}`, mapped to them).

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"squared_hinge"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> float(ember.losses.SquaredHinge()([[1.0, -1.0]], [[0.5, -2.0]]))
    0.125
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None
    ):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_BuiltinLoss):
    """Categorical hinge loss: `maximum(neg - pos + 1, 0)`, with `pos` the score
    of the true class and `neg` the best score of the other classes.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"categorical_hinge"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> float(ember.losses.CategoricalHinge()([[0.0, 1.0]], [[0.5, 1.0]]))
    0.5
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None
    ):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


def _signed_labels(y_true):
    """Maps `{0, 1}` targets to `{-1, 1}` when every target is 0 or 1, leaves
    them otherwise. A `where` on the device: no host sync."""
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


# The per-sample math on tensors, shared with the metrics' function forms (which
# convert their inputs as Keras does, keeping integer predictions).


def _hinge_margins(y_true, y_pred):
    """`maximum(1 - y_true * y_pred, 0)`, the targets mapped to `{-1, 1}`."""
    return torch.clamp(1.0 - _signed_labels(y_true) * y_pred, min=0.0)


def _categorical_hinge(y_true, y_pred):
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)
