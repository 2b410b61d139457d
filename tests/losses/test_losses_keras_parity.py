"""Every built-in loss against Keras 3 on the same random inputs: loss classes
under every reduction with and without sample weights, on rank-2 and rank-3
inputs; the function forms; gradients; dtypes."""

import itertools

import numpy as np
import pytest
import torch
from conftest import keras_or_skip
from loss_cases import CASE_IDS, CASES, as_torch, loss_shape, make_inputs

from ember import losses

SHAPES = {"rank2": (6, 5), "rank3": (3, 4, 5)}
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]
WEIGHTS = ["unweighted", "per_sample", "per_entry"]


@pytest.fixture(scope="module")
def keras():
    return keras_or_skip()


def sample_weight(kind, shape, kwargs, weights, seed=1):
    """Weights of the named layout for the losses of inputs of `shape`:
    one per sample (`(batch,)` for per-sample losses, else `(batch, 1)`) or
    one per loss entry."""
    if weights == "unweighted":
        return None
    rng = np.random.default_rng(seed)
    out = loss_shape(kind, kwargs, shape)
    if weights == "per_sample":
        layout = (shape[0],) if len(out) <= 1 else (shape[0], 1)
    else:
        layout = out if out else (shape[0],)
    return rng.uniform(0.1, 2.0, layout).astype("float32")


def assert_matches(ours, theirs, keras, rtol=1e-6, atol=1e-6, context=""):
    theirs = keras.ops.convert_to_numpy(theirs)
    ours = ours.detach().numpy()
    assert ours.shape == theirs.shape, context
    assert ours.dtype == theirs.dtype, context
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=context)


def ignores_with_broadcast_weights(kwargs, shape, weights):
    # Keras multiplies the weights into the mask of ignored labels in place,
    # which fails when (batch, 1) weights meet a (batch, timesteps) mask;
    # ember broadcasts them (see test_loss.py).
    return "ignore_class" in kwargs and len(shape) == 3 and weights == "per_sample"


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_loss_class_equals_keras(keras, case, shape):
    """Every reduction, unweighted and with both layouts of sample weights."""
    name, _, kwargs, kind = case
    y_true, y_pred = make_inputs(kind, shape)
    for reduction, weights in itertools.product(REDUCTIONS, WEIGHTS):
        if ignores_with_broadcast_weights(kwargs, shape, weights):
            continue
        weight = sample_weight(kind, shape, kwargs, weights)
        ours = getattr(losses, name)(reduction=reduction, **kwargs)(
            y_true, y_pred, sample_weight=weight
        )
        # Keras may scale the weights in place: it gets copies.
        theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)(
            y_true.copy(),
            y_pred.copy(),
            sample_weight=None if weight is None else weight.copy(),
        )
        assert_matches(ours, theirs, keras, context=f"{reduction=}, {weights=}")


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_loss_function_equals_keras(keras, case, shape):
    _, function_name, kwargs, kind = case
    y_true, y_pred = make_inputs(kind, shape, seed=2)
    ours = getattr(losses, function_name)(as_torch(y_true), as_torch(y_pred), **kwargs)
    theirs = getattr(keras.losses, function_name)(
        keras.ops.convert_to_tensor(y_true),
        keras.ops.convert_to_tensor(y_pred),
        **kwargs,
    )
    assert_matches(ours, theirs, keras)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_gradients_equal_keras(keras, case, shape):
    name, _, kwargs, kind = case
    y_true, y_pred = make_inputs(kind, shape, seed=3)
    weight = sample_weight(kind, shape, kwargs, "per_entry")
    grads = []
    for module in (losses, keras.losses):
        prediction = as_torch(y_pred, requires_grad=True)
        loss = getattr(module, name)(**kwargs)(
            torch.tensor(y_true), prediction, sample_weight=torch.tensor(weight)
        )
        loss.backward()
        grads.append(prediction.grad)
    assert torch.isfinite(grads[0]).all()
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
def test_circle_equals_keras(keras, reduction):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, (8,)).astype("float32")
    embeddings = rng.normal(size=(8, 6)).astype("float32")
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    weight = rng.uniform(0.5, 2.0, (8,)).astype("float32")
    for kwargs in ({}, {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}):
        ours = losses.Circle(reduction=reduction, **kwargs)(
            labels, embeddings, sample_weight=weight
        )
        theirs = keras.losses.Circle(reduction=reduction, **kwargs)(
            labels.copy(), embeddings.copy(), sample_weight=weight.copy()
        )
        assert_matches(ours, theirs, keras, rtol=1e-5)


def test_circle_function_with_references_equals_keras(keras):
    rng = np.random.default_rng(5)
    labels, ref_labels = rng.integers(0, 3, (5,)), rng.integers(0, 3, (7,))
    queries = torch.nn.functional.normalize(torch.randn(5, 4), dim=1)
    references = torch.nn.functional.normalize(torch.randn(7, 4), dim=1)
    kwargs = {"ref_labels": ref_labels, "remove_diagonal": False, "gamma": 4}
    ours = losses.circle(labels, queries, ref_embeddings=references, **kwargs)
    theirs = keras.losses.circle(labels, queries, ref_embeddings=references, **kwargs)
    assert_matches(ours, theirs, keras, rtol=1e-5)
    torch.testing.assert_close(ours._keras_mask, ours > 0)


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
def test_ctc_equals_keras(keras, reduction):
    rng = np.random.default_rng(6)
    labels = rng.integers(1, 5, (3, 4))
    labels[0, 2:] = 0  # padding
    logits = rng.normal(size=(3, 9, 5)).astype("float32")
    weight = np.array([0.5, 1.0, 2.0], dtype="float32")
    ours = losses.CTC(reduction=reduction)(labels, logits, sample_weight=weight)
    theirs = keras.losses.CTC(reduction=reduction)(
        labels, logits.copy(), sample_weight=weight.copy()
    )
    assert_matches(ours, theirs, keras, rtol=1e-5)
    for dtype in ("float32", "float64"):
        ours = losses.ctc(labels, logits.astype(dtype))
        theirs = keras.losses.ctc(labels, logits.astype(dtype))
        assert_matches(ours, theirs, keras, rtol=1e-5)


@pytest.mark.parametrize(
    "name, kind",
    [
        ("MeanSquaredError", "real"),
        ("LogCosh", "real"),
        ("MeanSquaredLogarithmicError", "positive"),
        ("BinaryCrossentropy", "binary"),
        ("CategoricalCrossentropy", "onehot"),
        ("SparseCategoricalCrossentropy", "sparse"),
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["float64", "float16"], ids=str)
def test_loss_dtype_equals_keras(keras, name, kind, dtype):
    y_true, y_pred = make_inputs(kind, (6, 5), seed=7)
    ours = getattr(losses, name)(dtype=dtype)
    theirs = getattr(keras.losses, name)(dtype=dtype)
    assert ours.dtype == theirs.dtype == dtype
    result = ours(y_true, y_pred)
    # float16 rounds each step to 3 decimal digits.
    tolerance = 1e-6 if dtype == "float64" else 1e-3
    assert_matches(
        result, theirs(y_true, y_pred), keras, rtol=tolerance, atol=tolerance
    )


def test_default_dtype_casts_float64_inputs_to_float32(keras):
    y_true, y_pred = make_inputs("real", (4, 3), seed=8)
    y_true, y_pred = y_true.astype("float64"), y_pred.astype("float64")
    ours = losses.MeanSquaredError()(y_true, torch.tensor(y_pred))
    assert ours.dtype == torch.float32
    assert_matches(ours, keras.losses.MeanSquaredError()(y_true, y_pred), keras)
    # The function forms keep the dtype of y_pred and cast y_true to it.
    ours = losses.mean_squared_error(y_true.astype("float32"), y_pred)
    assert ours.dtype == torch.float64
    assert_matches(
        ours,
        keras.losses.mean_squared_error(
            keras.ops.convert_to_tensor(y_true.astype("float32")),
            keras.ops.convert_to_tensor(y_pred),
        ),
        keras,
    )


def test_python_lists_and_integer_labels(keras):
    y_true, y_pred = [[0, 1], [1, 0]], [[0.9, 0.2], [0.3, 0.4]]
    for name in ("BinaryCrossentropy", "MeanAbsoluteError", "Hinge"):
        ours = getattr(losses, name)()(y_true, y_pred)
        assert_matches(ours, getattr(keras.losses, name)()(y_true, y_pred), keras)
    # Keras needs an array here; ember takes the nested list as well.
    ours = losses.SparseCategoricalCrossentropy()(np.array([1, 0]), y_pred)
    theirs = keras.losses.SparseCategoricalCrossentropy()(
        np.array([1, 0]), np.array(y_pred, dtype="float32")
    )
    assert_matches(ours, theirs, keras)
