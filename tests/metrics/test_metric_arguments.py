"""Bad constructor arguments and inputs: refused as Keras refuses them (a
`ValueError`), with a message that names the argument."""

import pytest
import torch
from conftest import keras_or_skip

from ember import metrics

BAD = [
    pytest.param(
        "Precision", {"thresholds": [0.5, 1.5]}, "thresholds", id="thresholds"
    ),
    pytest.param("TruePositives", {"thresholds": -0.1}, "thresholds", id="threshold"),
    pytest.param("AUC", {"num_thresholds": 1}, "num_thresholds", id="auc-count"),
    pytest.param("AUC", {"curve": "XY"}, "curve", id="auc-curve"),
    pytest.param("AUC", {"summation_method": "mid"}, "summation_method", id="auc-sum"),
    pytest.param("AUC", {"num_labels": 3}, "num_labels", id="auc-num-labels"),
    pytest.param("PrecisionAtRecall", {"recall": 1.5}, "recall", id="recall"),
    pytest.param("RecallAtPrecision", {"precision": -1}, "precision", id="precision"),
    pytest.param(
        "SensitivityAtSpecificity", {"specificity": 2}, "specificity", id="spec"
    ),
    pytest.param(
        "SpecificityAtSensitivity",
        {"sensitivity": 0.5, "num_thresholds": 0},
        "num_thresholds",
        id="at-count",
    ),
    pytest.param("FBetaScore", {"beta": 1}, "beta", id="beta-int"),
    pytest.param("FBetaScore", {"beta": -1.0}, "beta", id="beta-negative"),
    pytest.param("F1Score", {"threshold": 1.5}, "threshold", id="f1-threshold"),
    pytest.param("F1Score", {"average": "mean"}, "average", id="f1-average"),
    pytest.param(
        "R2Score", {"class_aggregation": "sum"}, "class_aggregation", id="r2-agg"
    ),
    pytest.param("R2Score", {"num_regressors": -1}, "num_regressors", id="r2-p"),
    pytest.param(
        "IoU", {"num_classes": 2, "target_class_ids": [2]}, "out of range", id="iou"
    ),
]


@pytest.mark.parametrize("class_name, kwargs, message", BAD)
def test_bad_arguments_are_refused_like_keras(class_name, kwargs, message):
    keras = keras_or_skip()
    with pytest.raises(ValueError):
        getattr(keras.metrics, class_name)(**kwargs)
    with pytest.raises(ValueError, match=message):
        getattr(metrics, class_name)(**kwargs)


def test_class_id_needs_a_class_axis():
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=1).update_state([0, 1], [0.2, 0.9])


@pytest.mark.parametrize("class_name", ["F1Score", "R2Score"])
def test_two_dimensional_metrics_refuse_other_ranks(class_name):
    with pytest.raises(ValueError, match="2-D"):
        getattr(metrics, class_name)().update_state(torch.ones(4), torch.ones(4))


def test_auc_multi_label_needs_rank_two():
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state(torch.ones(4), torch.ones(4))


def test_iou_warns_about_float_weights_on_integer_counts():
    metric = metrics.MeanIoU(num_classes=2)
    with pytest.warns(UserWarning, match="float32"):
        metric.update_state([0, 1], [0, 1], sample_weight=torch.tensor([0.5, 1.5]))
    assert metric.total_cm.tolist() == [[0, 0], [0, 1]]


def test_one_hot_iou_with_a_leading_class_axis():
    # Keras fails here (it sums the per-class IoUs over `axis`); ember reads
    # the classes from axis 0 and averages as usual.
    y_true = torch.eye(3)[[0, 1, 2, 1]]
    y_pred = torch.eye(3)[[0, 1, 1, 1]]
    leading = metrics.OneHotMeanIoU(3, axis=0)
    leading.update_state(y_true.T, y_pred.T)
    trailing = metrics.OneHotMeanIoU(3)
    trailing.update_state(y_true, y_pred)
    assert float(leading.result()) == pytest.approx(float(trailing.result()))
