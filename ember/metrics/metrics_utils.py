"""Tensor helpers the metric families share: conversion, rank matching, masks,
sample-weight reduction and safe division. Everything stays on the device."""

import torch

from ember import ops
from ember.backend import config, dtypes


def to_tensor(x, dtype=None, device=None) -> torch.Tensor:
    """`x` as a tensor of `dtype` (if given) on `device` (if given).

    Tensors keep their dtype unless `dtype` is given; NumPy arrays keep theirs,
    Python floats become `floatx()` (Keras's conversion rules). Gradients flow
    through (the function forms double as losses); `update_state` runs
    without autograd anyway.
    """
    if not isinstance(x, torch.Tensor):
        x = ops.convert_to_tensor(x)
    if dtype is not None:
        dtype = dtypes.to_torch_dtype(dtype)
        if x.dtype != dtype:
            x = x.to(dtype)
    if device is not None and x.device != device:
        x = x.to(device)
    return x


def to_pair(y_true, y_pred, dtype=None, true_dtype="pred"):
    """`y_true`, `y_pred` as tensors on `y_pred`'s device.

    `y_pred` is cast to `dtype` if given; `y_true` to `y_pred`'s dtype when
    `true_dtype="pred"`, to `true_dtype` when it names a dtype, or kept as is
    when it is `None`.
    """
    y_pred = to_tensor(y_pred, dtype)
    if true_dtype == "pred":
        true_dtype = y_pred.dtype
    return to_tensor(y_true, true_dtype, y_pred.device), y_pred


def get_mask(x):
    """The Keras mask a layer attached to `x` (`x._keras_mask`), or `None`."""
    return getattr(x, "_keras_mask", None)


def floatx() -> torch.dtype:
    return dtypes.to_torch_dtype(config.floatx())


def mean(x, dim=None, keepdim=False) -> torch.Tensor:
    """`torch.mean` that, as Keras's, averages integers and booleans as floats."""
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(floatx())
    return torch.mean(x, dim=dim, keepdim=keepdim)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Matches ranks that differ by one when the longer one ends in a 1.

    The trailing 1 is squeezed away, except that a rank-1 partner is expanded
    instead when `expand_rank_1` is set.
    """
    rank1, rank2 = x1.ndim, x2.ndim
    if rank1 == rank2:
        return x1, x2
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    if rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def apply_mask(sample_weight, mask, dtype):
    """Folds a mask into the sample weights (masked entries weigh 0)."""
    if mask is None:
        return sample_weight
    float_mask = to_tensor(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = to_tensor(sample_weight, dtype, float_mask.device)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, sample_weight
    )
    return sample_weight * float_mask


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype, device=None):
    """Per-sample values (rank <= 1) and matching weights, as `Mean` needs.

    Weights are matched to the values' rank; values with more axes than the
    weights are reduced over the extra ones first; weights with more than one
    axis are reduced to one per sample. Returns `(values, sample_weight)`.
    """
    mask = get_mask(values)
    values = to_tensor(values, dtype, device)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype, values.device)
        sample_weight = apply_mask(sample_weight, mask, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, dim=tuple(range(weight_ndim, values.ndim)))
        sample_weight = sample_weight.broadcast_to(values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, dim=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, dim=tuple(range(1, values.ndim)))
    return values, sample_weight


def divide_no_nan(x, y) -> torch.Tensor:
    """`x / y`, with 0 wherever `y` is 0."""
    # Where y is 0 the quotient may be inf or nan; `where` drops it.
    return torch.where(y == 0, 0.0, x / y)
