"""Accumulating confusion-matrix counts (TP, FP, TN, FN) at many thresholds.

The counts of a batch are added to state variables keyed `"tp"`, `"fp"`,
`"tn"`, `"fn"`, one entry per threshold (per threshold and label with
`multi_label=True`). Evenly spaced thresholds take a bucketing path that is
linear in the batch size; others compare every prediction to every threshold.
"""

import numpy as np
import torch

from ember.backend import config
from ember.backend.errors import ArgumentError
from ember.metrics.metrics_utils import squeeze_or_expand_to_same_rank, to_tensor

# The score given to predictions outside the top k (below any threshold).
NEG_INF = -1e10


def parse_thresholds(thresholds, default, owner) -> list:
    """`thresholds` as a list of floats in [0, 1]; `[default]` when `None`."""
    if thresholds is None:
        return [default]
    listed = list(thresholds) if isinstance(thresholds, (list, tuple)) else None
    listed = [thresholds] if listed is None else listed
    for value in listed:
        if value is None or not 0 <= value <= 1:
            raise ArgumentError(
                "thresholds", "a float or list of floats in [0, 1]", thresholds, owner
            )
    return [float(t) for t in listed]


def evenly_distributed(thresholds) -> bool:
    """Whether `thresholds` are (about) `i / (n - 1)` for `i < n`, with n >= 3."""
    count = len(thresholds)
    if count < 3:
        return False
    even = np.arange(count, dtype=np.float32) / (count - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def update_confusion_matrix_variables(
    variables,
    y_true,
    y_pred,
    thresholds,
    thresholds_tensor,
    top_k=None,
    class_id=None,
    sample_weight=None,
    multi_label=False,
    label_weights=None,
    evenly=False,
):
    """Adds a batch's weighted confusion counts to `variables`.

    Args:
        variables: Dict from `"tp"`, `"fp"`, `"tn"`, `"fn"` to state variables.
        y_true: Labels; any non-zero value counts as positive.
        y_pred: Scores, compared with `>` to each threshold.
        thresholds: The thresholds as a list of Python floats.
        thresholds_tensor: The same thresholds as a tensor on the state's device.
        top_k: Only the `top_k` largest scores of each row count as predicted.
        class_id: Only this class (last axis entry) is counted.
        sample_weight: Weights broadcastable to the labels.
        multi_label: Keep the label axis (counts of shape `(thresholds, labels)`).
        label_weights: Per-label weights (only with `multi_label=False`).
        evenly: Whether `thresholds` are evenly spaced (enables bucketing).
    """
    first = next(iter(variables.values()))
    dtype, device = first.dtype, first.device
    y_pred = to_tensor(y_pred, dtype, device)
    y_true = to_tensor(y_true, dtype, device)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype, device).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight, expand_rank_1=False
        )
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When `class_id` is given, `y_pred` must have shape "
                f"(num_samples, num_classes). Received: y_pred.shape="
                f"{tuple(y_pred.shape)}."
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        counts = _bucketed_counts(
            y_true,
            y_pred,
            len(thresholds),
            sample_weight,
            label_weights,
            multi_label,
            with_epsilon,
            variables,
        )
    else:
        counts = _compared_counts(
            y_true,
            y_pred,
            thresholds_tensor,
            sample_weight,
            label_weights,
            multi_label,
            variables,
        )
    for key, variable in variables.items():
        variable.add_(counts[key].to(variable.dtype))


def _filter_top_k(x, k):
    """Scores outside each row's top `k` become `NEG_INF`."""
    indices = torch.topk(x, k, dim=-1).indices
    keep = torch.zeros_like(x).scatter_(-1, indices, 1.0)
    return x * keep + NEG_INF * (1 - keep)


def _bucketed_counts(
    y_true,
    y_pred,
    num_thresholds,
    sample_weight,
    label_weights,
    multi_label,
    with_epsilon,
    variables,
):
    """Counts by bucketing each score between evenly spaced thresholds.

    A score s lands in bucket `ceil(s * (n - 1)) - 1`: it exceeds exactly the
    thresholds up to that index, so a reversed cumulative sum over buckets
    gives the positives predicted at each threshold.
    """
    weights = 1.0
    if sample_weight is not None:
        weights = sample_weight.to(y_pred.dtype).broadcast_to(y_pred.shape)
        weights = weights if multi_label else weights.reshape(-1)
    if label_weights is not None:
        labels = label_weights.unsqueeze(0).broadcast_to(y_pred.shape)
        weights = weights * (labels if multi_label else labels.reshape(-1))
    y_pred = torch.clamp(y_pred, 0.0, 1.0)
    y_true = (y_true != 0).to(y_true.dtype)
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    true_labels = y_true * weights
    false_labels = (1.0 - y_true) * weights

    buckets = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        buckets = torch.relu(buckets)
    buckets = buckets.to(torch.int32).long()
    # Out-of-range buckets (a score of exactly 0) go to a spare slot.
    buckets = torch.where(
        (buckets >= 0) & (buckets < num_thresholds), buckets, num_thresholds
    )
    if multi_label:
        true_labels, false_labels, buckets = true_labels.T, false_labels.T, buckets.T

    def reversed_cumsum_of_buckets(values):
        values = values.broadcast_to(buckets.shape)
        sums = torch.zeros(
            (*buckets.shape[:-1], num_thresholds + 1), device=values.device
        )
        sums = sums.scatter_add_(-1, buckets, values.float())[..., :-1]
        sums = sums.to(values.dtype).flip(-1).cumsum(-1).flip(-1)
        return sums.T if multi_label else sums

    counts = {"tp": reversed_cumsum_of_buckets(true_labels)}
    counts["fp"] = reversed_cumsum_of_buckets(false_labels)
    if "tn" in variables or "fn" in variables:
        true_labels = true_labels.broadcast_to(buckets.shape)
        false_labels = false_labels.broadcast_to(buckets.shape)
        counts["fn"] = torch.sum(true_labels, dim=-1) - counts["tp"]
        counts["tn"] = torch.sum(false_labels, dim=-1) - counts["fp"]
    return counts


def _compared_counts(
    y_true, y_pred, thresholds, sample_weight, label_weights, multi_label, variables
):
    """Counts by comparing every score with every threshold."""
    if multi_label:
        predictions, labels = y_pred.unsqueeze(0), (y_true != 0).unsqueeze(0)
        thresholds = thresholds.to(y_pred.dtype).reshape(-1, 1, 1)
    else:
        predictions, labels = y_pred.reshape(1, -1), (y_true != 0).reshape(1, -1)
        thresholds = thresholds.to(y_pred.dtype).reshape(-1, 1)
    weights = None
    if sample_weight is not None:
        weights = sample_weight.to(y_pred.dtype).broadcast_to(y_pred.shape)
        weights = weights.unsqueeze(0) if multi_label else weights.reshape(1, -1)
    if label_weights is not None and not multi_label:
        labels_w = label_weights.unsqueeze(0).broadcast_to(y_pred.shape)
        labels_w = labels_w.reshape(1, -1)
        weights = labels_w if weights is None else weights * labels_w

    predicted = predictions > thresholds

    def count(label, pred):
        both = label & pred
        if weights is None:
            return torch.sum(both.to(y_pred.dtype), dim=1)
        return torch.sum(torch.where(both, weights, 0.0), dim=1)

    counts = {"tp": count(labels, predicted)}
    if "fp" in variables or "tn" in variables:
        counts["fp"] = count(~labels, predicted)
    if "fn" in variables or "tn" in variables:
        counts["fn"] = count(labels, ~predicted)
    if "tn" in variables:
        counts["tn"] = count(~labels, ~predicted)
    return counts
