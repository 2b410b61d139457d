"""Shared harness of the metric tests: random batches of each kind of data,
and a side-by-side run of an ember metric and the same Keras 3 metric."""

import numpy as np
import torch

B, C, T = 8, 4, 3  # batch size, classes (or outputs), time steps


def batches(kind, weights="none", seed=0, count=3):
    """`count` random batches: dicts of NumPy arrays `y_true`, `y_pred`,
    `sample_weight` (or `None`) and `mask` (or `None`, a mask on `y_pred`)."""
    rng = np.random.default_rng(seed)
    return [_batch(kind, weights, rng) for _ in range(count)]


def _batch(kind, weights, rng):
    y_true, y_pred = _DATA[kind](rng)
    sample_weight = mask = None
    if weights == "sample":
        sample_weight = rng.uniform(0, 2, (B,)).astype("float32")
        sample_weight[0] = 0.0
    elif weights == "sample_col":
        sample_weight = rng.uniform(0, 2, (B, 1)).astype("float32")
    elif weights == "element":
        sample_weight = rng.uniform(0, 2, y_true.shape).astype("float32")
    elif weights == "int_sample":
        sample_weight = rng.integers(0, 3, (B,))
    elif weights == "int_element":
        sample_weight = rng.integers(0, 3, y_true.shape)
    elif weights in ("mask", "mask_and_sample"):
        mask = rng.random(y_pred.shape[:2] if y_pred.ndim > 2 else (B,)) > 0.3
        if weights == "mask_and_sample":
            # Keras folds the mask into the weights in place: same shape.
            sample_weight = rng.uniform(0, 2, mask.shape).astype("float32")
    return {
        "y_true": y_true,
        "y_pred": y_pred,
        "sample_weight": sample_weight,
        "mask": mask,
    }


def _probs(rng, *shape):
    logits = rng.standard_normal(shape).astype("float32") * 2
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    return (exp / exp.sum(-1, keepdims=True)).astype("float32")


def _one_hot(rng, *shape):
    return np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]


def _binary(rng, *shape):
    return (rng.random(shape) > 0.5).astype("int64")


def _uniform(rng, *shape):
    values = rng.random(shape).astype("float32")
    values.flat[0], values.flat[1] = 0.0, 1.0  # the end points, exactly
    return values


_DATA = {
    "binary": lambda r: (_binary(r, B, C), _uniform(r, B, C)),
    "binary_col": lambda r: (_binary(r, B, 1), _uniform(r, B, 1)),
    "binary_flat": lambda r: (_binary(r, B), _uniform(r, B)),
    "binary_seq": lambda r: (_binary(r, B, T, 1), _uniform(r, B, T, 1)),
    "labels": lambda r: (r.integers(0, 3, (B, 1)), r.integers(0, 3, (B, 1))),
    "categorical": lambda r: (_one_hot(r, B, C), _probs(r, B, C)),
    "categorical_seq": lambda r: (_one_hot(r, B, T, C), _probs(r, B, T, C)),
    "sparse": lambda r: (r.integers(0, C, (B,)), _probs(r, B, C)),
    "sparse_col": lambda r: (r.integers(0, C, (B, 1)), _probs(r, B, C)),
    "sparse_seq": lambda r: (r.integers(0, C, (B, T)), _probs(r, B, T, C)),
    "sorted_ids": lambda r: (
        r.integers(0, 6, (B,)),
        np.stack([r.permutation(6)[:C] for _ in range(B)]),
    ),
    "logits": lambda r: (
        _binary(r, B, C).astype("float32"),
        r.standard_normal((B, C)).astype("float32") * 3,
    ),
    "categorical_logits": lambda r: (
        _one_hot(r, B, C),
        r.standard_normal((B, C)).astype("float32") * 3,
    ),
    "sparse_logits": lambda r: (
        r.integers(0, C, (B,)),
        r.standard_normal((B, C)).astype("float32") * 3,
    ),
    "regression": lambda r: (
        r.standard_normal((B, C)).astype("float32"),
        r.standard_normal((B, C)).astype("float32"),
    ),
    "regression_seq": lambda r: (
        r.standard_normal((B, T, C)).astype("float32"),
        r.standard_normal((B, T, C)).astype("float32"),
    ),
    "regression_col": lambda r: (
        r.standard_normal((B,)).astype("float32"),
        r.standard_normal((B, 1)).astype("float32"),
    ),
    "fit": lambda r: _fit(r),
    "positive": lambda r: (
        r.uniform(0.01, 1, (B, C)).astype("float32"),
        r.uniform(0.01, 1, (B, C)).astype("float32"),
    ),
    "signed": lambda r: (
        (_binary(r, B, C) * 2 - 1).astype("float32"),
        r.standard_normal((B, C)).astype("float32"),
    ),
    "class_ids": lambda r: (r.integers(-1, C + 1, (B, T)), r.integers(0, C, (B, T))),
    "class_scores": lambda r: (r.integers(0, C, (B, T)), _probs(r, B, T, C)),
    "one_hot_scores": lambda r: (_one_hot(r, B, C), _probs(r, B, C)),
}


def _fit(rng):
    y_true = rng.standard_normal((B, C)).astype("float32")
    return y_true, (y_true + 0.5 * rng.standard_normal((B, C))).astype("float32")


def as_inputs(batch):
    """The batch as torch tensors: `(y_true, y_pred, sample_weight)`.

    Fresh tensors on every call (Keras may write into a weight tensor), with
    the mask, if any, attached to `y_pred` as `_keras_mask`.
    """
    y_true = torch.from_numpy(np.array(batch["y_true"]))
    y_pred = torch.from_numpy(np.array(batch["y_pred"]))
    weight = batch["sample_weight"]
    weight = None if weight is None else torch.from_numpy(np.array(weight))
    if batch["mask"] is not None:
        y_pred._keras_mask = torch.from_numpy(np.array(batch["mask"]))
    return y_true, y_pred, weight


def assert_results_close(actual, expected, atol=1e-6, rtol=1e-6):
    """Same shape and values (NaN where Keras has NaN)."""
    actual = torch.as_tensor(actual).detach().cpu().double()
    expected = torch.as_tensor(expected).detach().cpu().double()
    torch.testing.assert_close(actual, expected, atol=atol, rtol=rtol, equal_nan=True)


def run_side_by_side(ours, theirs, data, atol=1e-6, rtol=1e-6):
    """Updates both metrics batch by batch, comparing `result()` after each,
    then after `reset_state()` and one more update."""
    for batch in data:
        _update_both(ours, theirs, batch)
        assert_results_close(ours.result(), theirs.result(), atol, rtol)
    ours.reset_state()
    theirs.reset_state()
    _update_both(ours, theirs, data[0])
    assert_results_close(ours.result(), theirs.result(), atol, rtol)


def _update_both(ours, theirs, batch):
    y_true, y_pred, weight = as_inputs(batch)
    ours.update_state(y_true, y_pred, sample_weight=weight)
    y_true, y_pred, weight = as_inputs(batch)
    theirs.update_state(y_true, y_pred, sample_weight=weight)
