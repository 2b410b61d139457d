"""The function forms of `ember.metrics` against those of `keras.metrics`."""

import numpy as np
import pytest
import torch
from conftest import keras_or_skip
from metrics_testing import assert_results_close

from ember import metrics

RNG = np.random.default_rng(7)
PROBS = RNG.uniform(0.02, 1, (6, 4)).astype("float32")
PROBS /= PROBS.sum(-1, keepdims=True)
ONE_HOT = np.eye(4, dtype="float32")[RNG.integers(0, 4, 6)]
LABELS = RNG.integers(0, 4, 6)
BINARY = (RNG.random((6, 4)) > 0.5).astype("float32")
SCORES = RNG.uniform(0, 1, (6, 4)).astype("float32")
NORMAL = RNG.standard_normal((2, 6, 4)).astype("float32")
SEQ_PROBS = RNG.uniform(0.02, 1, (6, 3, 4)).astype("float32")
SEQ_LABELS = RNG.integers(0, 4, (6, 3))
INTS = RNG.integers(0, 3, (2, 6, 4))


def case(name, y_true, y_pred, id=None, **kwargs):
    return pytest.param(name, y_true, y_pred, kwargs, id=id or name)


CASES = [
    case("binary_accuracy", BINARY, SCORES),
    case("binary_accuracy", BINARY[:, :1], SCORES[:, 0], id="binary_accuracy-ranks"),
    case("binary_accuracy", BINARY, SCORES, threshold=0.2, id="binary_accuracy-0.2"),
    case("categorical_accuracy", ONE_HOT, PROBS),
    case("sparse_categorical_accuracy", LABELS, PROBS),
    case("sparse_categorical_accuracy", LABELS[:, None], PROBS, id="sparse_acc-col"),
    case("sparse_categorical_accuracy", SEQ_LABELS, SEQ_PROBS, id="sparse_acc-seq"),
    case("top_k_categorical_accuracy", ONE_HOT, PROBS, k=2),
    case("sparse_top_k_categorical_accuracy", LABELS, PROBS, k=3),
    case(
        "sparse_top_k_categorical_accuracy",
        SEQ_LABELS,
        SEQ_PROBS,
        k=2,
        id="sparse_top_k-seq",
    ),
    case("binary_crossentropy", BINARY, SCORES),
    case(
        "binary_crossentropy",
        BINARY,
        NORMAL[0],
        from_logits=True,
        label_smoothing=0.1,
        id="bce-logits",
    ),
    case("binary_focal_crossentropy", BINARY, SCORES),
    case(
        "binary_focal_crossentropy",
        BINARY,
        NORMAL[0],
        apply_class_balancing=True,
        from_logits=True,
        gamma=1.5,
        label_smoothing=0.1,
        id="binary_focal-balanced-logits",
    ),
    case("categorical_crossentropy", ONE_HOT, PROBS),
    case(
        "categorical_crossentropy",
        ONE_HOT,
        NORMAL[0],
        from_logits=True,
        label_smoothing=0.2,
        id="cce-logits",
    ),
    case("categorical_focal_crossentropy", ONE_HOT, PROBS),
    case(
        "categorical_focal_crossentropy",
        ONE_HOT,
        NORMAL[0],
        from_logits=True,
        alpha=0.5,
        label_smoothing=0.1,
        id="categorical_focal-logits",
    ),
    case("sparse_categorical_crossentropy", LABELS, PROBS),
    case(
        "sparse_categorical_crossentropy",
        SEQ_LABELS,
        SEQ_PROBS,
        ignore_class=2,
        id="scce-ignore-class",
    ),
    case("kl_divergence", ONE_HOT, PROBS),
    case("poisson", SCORES, PROBS),
    case("hinge", BINARY, NORMAL[0]),
    case("hinge", BINARY * 2 - 1, NORMAL[0], id="hinge-signed"),
    case("squared_hinge", BINARY, NORMAL[0]),
    case("categorical_hinge", ONE_HOT, NORMAL[0]),
    case("mean_squared_error", *NORMAL),
    case("mean_absolute_error", *NORMAL),
    case("mean_absolute_percentage_error", *NORMAL),
    case("mean_squared_logarithmic_error", SCORES, PROBS),
    case("log_cosh", *NORMAL),
    case("huber", *NORMAL),
    case("huber", *NORMAL, delta=0.3, id="huber-0.3"),
    case("pearson_correlation", *NORMAL),
    case("concordance_correlation", *NORMAL),
    # Integer inputs follow Keras's promotions.
    case("mean_squared_error", *INTS, id="mse-int"),
    case("mean_absolute_error", *INTS, id="mae-int"),
    case("mean_squared_logarithmic_error", *INTS, id="msle-int"),
    case("hinge", *INTS, id="hinge-int"),
    case("categorical_hinge", *INTS, id="categorical_hinge-int"),
    case("poisson", *INTS, id="poisson-int"),
    case("log_cosh", *INTS, id="log_cosh-int"),
    case("huber", *INTS, id="huber-int"),
]


@pytest.mark.parametrize("name, y_true, y_pred, kwargs", CASES)
def test_function_matches_keras(name, y_true, y_pred, kwargs):
    keras = keras_or_skip()
    ours = getattr(metrics, name)(
        torch.from_numpy(np.array(y_true)), torch.from_numpy(np.array(y_pred)), **kwargs
    )
    theirs = getattr(keras.metrics, name)(
        torch.from_numpy(np.array(y_true)), torch.from_numpy(np.array(y_pred)), **kwargs
    )
    assert ours.dtype == theirs.dtype
    assert_results_close(ours, theirs, atol=1e-5, rtol=1e-6)


@pytest.mark.parametrize("name", ["mean_squared_error", "binary_accuracy", "hinge"])
def test_functions_take_numpy_and_lists(name):
    keras = keras_or_skip()
    y_true, y_pred = BINARY.tolist(), SCORES
    ours = getattr(metrics, name)(y_true, y_pred)
    theirs = getattr(keras.metrics, name)(y_true, y_pred)
    assert_results_close(ours, theirs)


def test_sparse_top_k_from_sorted_ids():
    keras = keras_or_skip()
    ids = np.stack([RNG.permutation(10)[:4] for _ in range(6)])
    labels = RNG.integers(0, 10, 6)
    ours = metrics.sparse_top_k_categorical_accuracy(
        labels, ids, k=2, from_sorted_ids=True
    )
    theirs = keras.metrics.sparse_top_k_categorical_accuracy(
        labels, ids, k=2, from_sorted_ids=True
    )
    assert_results_close(ours, theirs)


def test_ignore_class_marks_the_mask():
    values = metrics.sparse_categorical_crossentropy(
        torch.tensor([0, 2, 1]), torch.full((3, 3), 1 / 3), ignore_class=2
    )
    assert values._keras_mask.tolist() == [True, False, True]
    assert values[1] == 0.0


def test_hinge_decides_label_format_on_device():
    # {0, 1} labels become {-1, 1}; any other labels stay as they are.
    signed = metrics.hinge(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 0.5]]))
    kept = metrics.hinge(torch.tensor([[0.0, 2.0]]), torch.tensor([[0.5, 0.5]]))
    assert signed.tolist() == [1.0]
    assert kept.tolist() == [0.5]


@pytest.mark.parametrize(
    "name", ["mean_squared_error", "binary_crossentropy", "hinge", "log_cosh"]
)
def test_function_forms_are_differentiable(name):
    # Keras's metric functions double as losses: gradients must flow.
    y_pred = torch.from_numpy(SCORES.copy()).requires_grad_()
    getattr(metrics, name)(torch.from_numpy(BINARY), y_pred).sum().backward()
    assert y_pred.grad is not None and torch.all(torch.isfinite(y_pred.grad))
