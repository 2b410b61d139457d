"""Losses on integer class labels: sparse categorical crossentropy and
generalized crossentropy.

Labels are checked against the number of classes before they index: on CPU at
once, with the bad value in a `ValueError`; on CUDA (and under
`torch.compile`) with an asynchronous device assertion, so that a training
step never waits for the check.
"""

import torch

from ember.backend.arguments import passed
from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _as_tensor
from ember.losses.wrapper import _BuiltinLoss
from ember.ops import nn as nn_ops


@symbolic_op
def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits=False, ignore_class=None, axis=-1
) -> torch.Tensor:
    """Categorical crossentropy with integer class labels.

    Args:
        y_true: Class indices in `[0, num_classes)`, of `y_pred`'s shape
            without `axis` (or with it of size 1). Labels equal to
            `ignore_class` are allowed anywhere.
        y_pred: Probabilities along `axis` or, with `from_logits=True`, logits.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: Optional integer label that contributes no loss, e.g.
            the padding label of a segmentation map. Its entries are 0 in the
            result and masked out (`result._keras_mask`), so the reduction of
            a `Loss` averages over the other entries only. Defaults to `None`.
        axis: The class axis of `y_pred`. Defaults to `-1`.

    Returns:
        The loss per sample: `y_pred`'s shape without `axis`.

    Raises:
        ValueError: For a label outside `[0, num_classes)` (checked at once
            for CPU tensors; on CUDA a device-side assertion fails instead).

    Example:

    >>> ember.losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]])
    tensor([0.6931])
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, None, y_pred)
    if y_pred.ndim == 0:
        raise ValueError(
            "`sparse_categorical_crossentropy` needs predictions with a class "
            "axis, e.g. of shape (batch_size, num_classes). Received: "
            "y_pred.shape=()."
        )
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = torch.squeeze(y_true, dim=axis)
    valid = None
    if ignore_class is not None:
        result_shape = list(y_pred.shape)
        del result_shape[axis]
        valid = y_true != ignore_class
        y_true = torch.where(valid, y_true, 0)
        # Ignored rows get uniform predictions (Keras zeros them, which makes
        # 0/0 on the way); their losses are replaced by 0 below either way.
        filler = 0.0 if from_logits else 1.0
        y_pred = torch.where(torch.unsqueeze(valid, axis), y_pred, filler)
    labels = y_true.long()
    if labels.device.type == "cpu" and not torch.compiler.is_compiling():
        # torch's kernels refuse any out-of-range label on the CPU: the clear
        # error is worked out only then, and a step pays for no check.
        try:
            result = nn_ops.sparse_categorical_crossentropy(
                labels, y_pred, from_logits=from_logits, axis=axis
            )
        except IndexError:
            try:
                _check_labels(
                    labels,
                    y_pred,
                    axis,
                    "sparse_categorical_crossentropy",
                    ignore_class,
                )
            except ValueError as clear:
                raise clear from None  # the clear error alone, not torch's too
            raise
    else:
        _check_labels(
            labels, y_pred, axis, "sparse_categorical_crossentropy", ignore_class
        )
        result = nn_ops.sparse_categorical_crossentropy(
            labels, y_pred, from_logits=from_logits, axis=axis
        )
    if valid is not None:
        valid = torch.reshape(valid, result_shape)
        result = torch.where(valid, result, 0.0)
        result._keras_mask = valid
    return result


@symbolic_op
def categorical_generalized_cross_entropy(y_true, y_pred, q) -> torch.Tensor:
    """Generalized crossentropy (Zhang & Sabuncu, 2018) for noisy labels:
    `(1 - p ** q) / q`, where `p` is the predicted probability of the true
    class. It tends to the crossentropy as `q` goes to 0 and to the mean
    absolute error at `q = 1`.

    Args:
        y_true: Integer class labels, of `y_pred`'s shape without the last
            axis.
        y_pred: Probabilities over the classes (last axis).
        q: Float in `(0, 1)`.

    Example:

    >>> ember.losses.categorical_generalized_cross_entropy([0], [[0.25, 0.75]], 0.5)
    tensor([1.])
    """
    y_pred = _as_tensor(y_pred)
    labels = _as_tensor(y_true, None, y_pred).long()
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = torch.squeeze(labels, dim=-1)
    _check_labels(labels, y_pred, -1, "categorical_generalized_cross_entropy")
    p = torch.gather(y_pred, -1, labels.unsqueeze(-1)).squeeze(-1)
    return (1 - torch.pow(p, q)) / q


class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy between integer class labels and predicted class
    probabilities (or logits), for single-label classification.

    Args:
        from_logits: Whether `y_pred` holds logits rather than probabilities.
            Defaults to `False`.
        ignore_class: Optional label value that adds no loss and is left out
            of the average, e.g. the padding label of segmentation maps.
            Defaults to `None`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        axis: The class axis of `y_pred`. Defaults to `-1`.
        name: Name of the loss. Defaults to `"sparse_categorical_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    A label outside `[0, num_classes)` raises a `ValueError` naming it (on
    CUDA, a device-side assertion fails instead, to keep steps free of host
    syncs).

    Example:

    >>> loss = ember.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss([1, 0], [[0.0, 0.0], [0.0, 0.0]])), 4)
    0.6931
    """

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        # `axis` is in the config, unlike in Keras (whose constructor accepts
        # it, so the files stay loadable there): Keras loses it on reload.
        super().__init__(sparse_categorical_crossentropy, **passed(locals()))


class CategoricalGeneralizedCrossEntropy(_BuiltinLoss):
    """Generalized crossentropy for learning from noisy labels:
    `(1 - p ** q) / q`, with `p` the predicted probability of the true class
    (Zhang & Sabuncu, 2018). Small `q` behaves like the crossentropy, `q`
    near 1 like the mean absolute error, which is more robust to wrong labels.

    Args:
        q: Float in `(0, 1)`. Defaults to `0.5`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to
            `"categorical_generalized_cross_entropy"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.CategoricalGeneralizedCrossEntropy(q=0.5)
    >>> float(loss([0], [[0.25, 0.75]]))
    1.0
    """

    def __init__(
        self,
        q=0.5,
        reduction="sum_over_batch_size",
        name="categorical_generalized_cross_entropy",
        dtype=None,
    ):
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ValueError(
                "Invalid value for argument `q` of "
                "`CategoricalGeneralizedCrossEntropy`: expected a float in "
                f"(0, 1). Received: q={q!r}."
            )
        super().__init__(
            categorical_generalized_cross_entropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            q=q,
        )


def _check_labels(labels, y_pred, axis, loss_name, ignore_class=None):
    """Raises a `ValueError` for a label outside `[0, num_classes)`.

    CPU tensors are checked at once. On CUDA, and while `torch.compile`
    traces, an asynchronous assertion runs on the device instead: reading the
    answer on the host would make every training step wait for the device.
    """
    if labels.device.type == "meta" or y_pred.ndim == 0:
        return  # nothing to read, or the op raises its shape error
    expected_shape = list(y_pred.shape)
    del expected_shape[axis]
    if list(labels.shape) != expected_shape:
        return  # the op raises its shape error
    num_classes = y_pred.shape[axis]
    if labels.device.type == "cuda" or torch.compiler.is_compiling():
        in_range = torch.all((labels >= 0) & (labels < num_classes))
        torch._assert_async(
            in_range,
            f"{loss_name}: a label is outside [0, {num_classes}), the range "
            f"of class indices for the {num_classes} classes of y_pred.",
        )
        return
    if labels.numel() == 0:
        return
    low, high = torch.aminmax(labels)
    if low >= 0 and high < num_classes:
        return
    bad = (labels < 0) | (labels >= num_classes)
    value = int(labels[bad][0])
    axis_text = "the last axis" if axis == -1 else f"axis {axis}"
    hint = (
        "If the labels count from 1, subtract 1 from them; if the model "
        "should predict more classes, give its output layer one unit per class."
    )
    if value < 0:
        hint = (
            f"To leave entries labelled {value} out of the loss, pass "
            f"`ignore_class={value}`."
        )
        if ignore_class is not None:
            hint = f"Only the label `ignore_class={ignore_class}` is skipped."
    raise ValueError(
        f"Received a label value of {value} which is outside the valid range "
        f"of [0, {num_classes}) for `{loss_name}` with {num_classes} classes "
        f"({axis_text} of y_pred, of shape {tuple(y_pred.shape)}). Labels must "
        f"be integers in [0, num_classes). {hint}"
    )
