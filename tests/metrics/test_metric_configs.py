"""Configs, serialization and name lookup of metrics, against Keras 3."""

import inspect
import re

import numpy as np
import pytest
import torch
from conftest import keras_or_skip
from metric_cases import CASES
from metrics_testing import as_inputs, batches

from ember import metrics
from ember.backend.errors import ArgumentError


def _plain(value):
    """Config values made comparable: tensors and NumPy scalars as lists/floats."""
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _named(class_name, kwargs):
    """Arguments with an explicit name, so both libraries agree on it."""
    return {**kwargs, "name": f"my_{class_name.lower()}"}


@pytest.mark.parametrize("class_name, kwargs, data, weights, atol", CASES)
def test_config_matches_keras(class_name, kwargs, data, weights, atol):
    keras = keras_or_skip()
    kwargs = _named(class_name, kwargs)
    ours = getattr(metrics, class_name)(**kwargs).get_config()
    theirs = getattr(keras.metrics, class_name)(**kwargs).get_config()
    assert list(ours) == list(theirs)
    assert {k: _plain(v) for k, v in ours.items()} == {
        k: _plain(v) for k, v in theirs.items()
    }


@pytest.mark.parametrize("class_name, kwargs, data, weights, atol", CASES)
def test_from_config_round_trip(class_name, kwargs, data, weights, atol):
    cls = getattr(metrics, class_name)
    metric = cls(**_named(class_name, kwargs))
    config = metric.get_config()
    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls
    assert rebuilt.get_config() == config
    assert metrics.deserialize(metrics.serialize(metric)).get_config() == config


@pytest.mark.parametrize("class_name, kwargs, data, weights, atol", CASES)
def test_loads_keras_config(class_name, kwargs, data, weights, atol):
    keras = keras_or_skip()
    kwargs = _named(class_name, kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    ours = metrics.deserialize(keras.metrics.serialize(theirs))
    assert type(ours) is getattr(metrics, class_name)
    assert ours.get_config() == getattr(metrics, class_name)(**kwargs).get_config()


def test_serialize_matches_keras():
    keras = keras_or_skip()
    assert metrics.serialize(metrics.AUC(name="auc")) == keras.metrics.serialize(
        keras.metrics.AUC(name="auc")
    )
    assert metrics.serialize(metrics.binary_accuracy) == keras.metrics.serialize(
        keras.metrics.binary_accuracy
    )
    assert metrics.serialize(None) is None


def test_mean_metric_wrapper_config_round_trip():
    keras = keras_or_skip()
    ours = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="w", threshold=0.3)
    theirs = keras.metrics.MeanMetricWrapper(
        keras.metrics.binary_accuracy, name="w", threshold=0.3
    )
    assert ours.get_config() == theirs.get_config()
    rebuilt = metrics.MeanMetricWrapper.from_config(theirs.get_config())
    assert rebuilt._fn is metrics.binary_accuracy
    assert rebuilt._fn_kwargs == {"threshold": 0.3}
    assert rebuilt.get_config() == ours.get_config()


def test_mean_metric_wrapper_unknown_function_is_refused():
    def private(y_true, y_pred):
        return y_true - y_pred

    config = metrics.MeanMetricWrapper(private).get_config()
    with pytest.raises(ValueError, match="private"):
        metrics.MeanMetricWrapper.from_config(config)


KERAS_NAMES = [
    "mse",
    "MSE",
    "mae",
    "MAE",
    "mape",
    "MAPE",
    "msle",
    "MSLE",
    "bce",
    "BCE",
    "accuracy",
    "Accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "AUC",
    "auc",
    "precision",
    "Precision",
    "recall",
    "f1_score",
    "F1Score",
    "f_beta_score",
    "binary_io_u",
    "r2_score",
    "mean_squared_error",
    "root_mean_squared_error",
    "log_cosh_error",
    "cosine_similarity",
    "kl_divergence",
    "poisson",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "true_positives",
    "false_negatives",
    "pearson_correlation",
    "concordance_correlation",
    "mean",
    "sum",
]


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_get_resolves_names_as_keras(name):
    keras = keras_or_skip()
    ours, theirs = metrics.get(name), keras.metrics.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    # Generated names carry a per-library counter ("precision_3").
    assert re.sub(r"_\d+$", "", ours.name) == re.sub(r"_\d+$", "", theirs.name)


@pytest.mark.parametrize(
    "name", ["acc", "crossentropy", "ce", "iou", "kld", "fbeta_score"]
)
def test_names_keras_rejects_are_rejected(name):
    keras = keras_or_skip()
    with pytest.raises(ValueError):
        keras.metrics.get(name)
    with pytest.raises(ArgumentError):
        metrics.get(name)


def test_get_other_identifiers():
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.AUC), metrics.AUC)
    metric = metrics.Precision()
    assert metrics.get(metric) is metric
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    config = {"class_name": "Recall", "config": {"name": "r", "thresholds": 0.3}}
    assert metrics.get(config).get_config()["thresholds"] == 0.3


def test_get_errors_name_the_fix():
    with pytest.raises(ArgumentError, match="Did you mean 'Precision'"):
        metrics.get("Precison")
    with pytest.raises(ArgumentError, match="metric"):
        metrics.get(42)


def test_public_names_exist_in_keras():
    keras = keras_or_skip()
    missing = [n for n in metrics.__all__ if not hasattr(keras.metrics, n)]
    assert missing == []
    public = [n for n in dir(keras.metrics) if not n.startswith("_")]
    assert [n for n in public if not hasattr(metrics, n)] == []


def test_classes_take_keras_arguments():
    keras = keras_or_skip()
    for name in metrics.__all__:
        ours = getattr(metrics, name)
        if not inspect.isclass(ours):
            continue
        theirs = getattr(keras.metrics, name)
        ours_params = list(inspect.signature(ours.__init__).parameters)
        theirs_params = list(inspect.signature(theirs.__init__).parameters)
        assert ours_params == theirs_params, name


@pytest.mark.parametrize("class_name, kwargs, data, weights, atol", CASES)
def test_variables_match_keras(class_name, kwargs, data, weights, atol):
    keras = keras_or_skip()
    kwargs = _named(class_name, kwargs)
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    for metric in (ours, theirs):  # lazily built metrics make them on update
        y_true, y_pred, _ = as_inputs(batches(data)[0])
        metric.update_state(y_true, y_pred)

    def describe(metric):
        return [(v.path, tuple(v.shape), str(v.dtype)) for v in metric.variables]

    theirs_described = [
        (path, shape, f"torch.{dtype}") for path, shape, dtype in describe(theirs)
    ]
    assert describe(ours) == theirs_described
