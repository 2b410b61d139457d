"""Connectionist temporal classification (CTC) loss, for sequence outputs whose
alignment with the labels is unknown (speech, handwriting recognition)."""

import torch

from ember.backend.dtypes import standardize_dtype, to_torch_dtype
from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _as_tensor
from ember.losses.wrapper import _BuiltinLoss
from ember.ops import result_type


@symbolic_op
def ctc(y_true, y_pred) -> torch.Tensor:
    """CTC loss per sample, with class 0 as the blank and as the padding label.

    Args:
        y_true: Integer labels, shape `(batch, max_label_length)`, padded with
            0 after each sequence's labels (so labels are in `[1, classes)`).
        y_pred: Logits, shape `(batch, timesteps, classes)`; every sample uses
            all `timesteps`.

    Returns:
        The negative log-likelihood of each label sequence, shape `(batch,)`,
        of dtype `ember.ops.result_type(y_pred.dtype, "float32")`, as in Keras.

    Example:

    >>> logits = torch.zeros(1, 4, 3)
    >>> round(float(ember.losses.ctc(torch.tensor([[1, 2]]), logits)[0]), 4)
    1.6864
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, None, y_pred)
    if y_true.ndim != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape "
            "`(batch_size, max_length)` in integer format. "
            f"Received: y_true.shape={tuple(y_true.shape)}."
        )
    if y_pred.ndim != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape "
            "`(batch_size, max_length, num_classes)`. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}."
        )
    batch, timesteps = y_pred.shape[0], y_pred.shape[1]
    dtype = to_torch_dtype(result_type(standardize_dtype(y_pred.dtype), "float32"))
    log_probs = torch.log_softmax(y_pred.to(dtype).transpose(0, 1), dim=-1)
    input_lengths = torch.full(
        (batch,), timesteps, dtype=torch.int32, device=y_pred.device
    )
    label_lengths = torch.sum(y_true != 0, dim=-1, dtype=torch.int32)
    return torch.nn.functional.ctc_loss(
        log_probs,
        y_true.long(),
        input_lengths,
        label_lengths,
        blank=0,
        reduction="none",
    )


class CTC(_BuiltinLoss):
    """Connectionist temporal classification loss: the negative log-likelihood
    of a label sequence summed over all its alignments with the timesteps of
    the predictions (Graves et al., 2006).

    `y_true` holds integer labels `(batch, max_label_length)` padded with 0
    (class 0 is the blank); `y_pred` holds logits `(batch, timesteps,
    classes)`.

    Args:
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"ctc"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> loss = ember.losses.CTC()
    >>> round(float(loss(torch.tensor([[1, 2]]), torch.zeros(1, 4, 3))), 4)
    1.6864
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)
