"""One row per metric configuration: the class (same name in ember and Keras),
its arguments, the kind of data it is fed, and the sample-weight variants.

The Keras comparison, the config round trips and the no-host-sync checks all
sweep this table, so a new metric is covered by adding a row.
"""

import pytest
from metrics_testing import C

NO_WEIGHTS = ("none",)
SAMPLE = ("none", "sample")
ALL = ("none", "sample", "element")
SAMPLE_COL = ("none", "sample", "sample_col")
MASKED = ("none", "sample", "mask", "mask_and_sample")
INT = ("none", "int_element")


def case(class_name, kwargs, data, weights=SAMPLE, id=None, atol=1e-6):
    return pytest.param(class_name, kwargs, data, weights, atol, id=id or class_name)


# AUC-like results sum hundreds of terms: they get 1e-5.
CASES = [
    # Accuracy
    case("Accuracy", {}, "labels"),
    case("BinaryAccuracy", {}, "binary", ALL),
    case("BinaryAccuracy", {"threshold": 0.7}, "binary_col", id="BinaryAccuracy-col"),
    case("BinaryAccuracy", {}, "binary_seq", MASKED, id="BinaryAccuracy-seq"),
    case("CategoricalAccuracy", {}, "categorical"),
    case("CategoricalAccuracy", {}, "categorical_seq", MASKED, id="CatAcc-seq"),
    case("SparseCategoricalAccuracy", {}, "sparse"),
    case("SparseCategoricalAccuracy", {}, "sparse_col", id="SparseCatAcc-col"),
    case("SparseCategoricalAccuracy", {}, "sparse_seq", MASKED, id="SparseCatAcc-seq"),
    case("TopKCategoricalAccuracy", {"k": 2}, "categorical"),
    case("TopKCategoricalAccuracy", {"k": 2}, "categorical_seq", id="TopK-seq"),
    case("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    case("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse_seq", id="SparseTopK-seq"),
    case(
        "SparseTopKCategoricalAccuracy",
        {"k": 2, "from_sorted_ids": True},
        "sorted_ids",
        id="SparseTopK-sorted-ids",
    ),
    # Confusion counts
    case("TruePositives", {}, "binary", ALL),
    case("FalsePositives", {"thresholds": [0.3, 0.6]}, "binary", ALL),
    case("TrueNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "binary", ALL),
    case("FalseNegatives", {"thresholds": 0.2}, "binary_flat", SAMPLE),
    # Precision and recall
    case("Precision", {}, "binary", ALL),
    case("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "binary", ALL, id="Precision-3"),
    case("Precision", {"top_k": 2}, "binary", SAMPLE, id="Precision-top_k"),
    case("Precision", {"class_id": 1}, "binary", SAMPLE, id="Precision-class_id"),
    case(
        "Precision",
        {"top_k": 2, "class_id": 2},
        "binary",
        SAMPLE,
        id="Precision-top_k-class_id",
    ),
    case("Recall", {}, "binary_col", SAMPLE),
    case(
        "Recall",
        {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]},
        "binary",
        ALL,
        id="Recall-even",
    ),
    case("Recall", {"top_k": 1, "class_id": 0}, "binary", SAMPLE, id="Recall-top_k"),
    # At-constraint metrics
    case("PrecisionAtRecall", {"recall": 0.5}, "binary", ALL, atol=1e-5),
    case("RecallAtPrecision", {"precision": 0.6}, "binary", ALL, atol=1e-5),
    case("SensitivityAtSpecificity", {"specificity": 0.4}, "binary", ALL, atol=1e-5),
    case("SpecificityAtSensitivity", {"sensitivity": 0.7}, "binary", ALL, atol=1e-5),
    case(
        "SensitivityAtSpecificity",
        {"specificity": 0.5, "num_thresholds": 1},
        "binary",
        id="SensAtSpec-1",
    ),
    case(
        "PrecisionAtRecall",
        {"recall": 0.3, "num_thresholds": 13, "class_id": 1},
        "binary",
        id="PrecAtRecall-class_id",
        atol=1e-5,
    ),
    # AUC
    case("AUC", {}, "binary", ALL, atol=1e-5),
    case("AUC", {"curve": "PR"}, "binary", ALL, id="AUC-PR", atol=1e-5),
    case(
        "AUC",
        {"curve": "PR", "summation_method": "minoring"},
        "binary",
        id="AUC-PR-minoring",
        atol=1e-5,
    ),
    case(
        "AUC",
        {"summation_method": "majoring", "num_thresholds": 7},
        "binary_flat",
        id="AUC-majoring",
        atol=1e-5,
    ),
    case("AUC", {"curve": "PRGAIN"}, "binary", id="AUC-PRGAIN", atol=1e-5),
    case(
        "AUC", {"thresholds": [0.1, 0.35, 0.4, 0.9]}, "binary", ALL, id="AUC-thresholds"
    ),
    case(
        "AUC",
        {"thresholds": [0.25, 0.5, 0.75], "curve": "PR"},
        "binary",
        id="AUC-even-thresholds",
        atol=1e-5,
    ),
    case("AUC", {"multi_label": True}, "binary", ALL, id="AUC-multi", atol=1e-5),
    case(
        "AUC",
        {"multi_label": True, "num_labels": 4, "label_weights": [1, 2, 0.5, 0]},
        "binary",
        id="AUC-multi-weights",
        atol=1e-5,
    ),
    case(
        "AUC",
        {"label_weights": [1, 2, 0.5, 0], "curve": "PR"},
        "binary",
        id="AUC-label-weights",
        atol=1e-5,
    ),
    case(
        "AUC",
        {"multi_label": True, "thresholds": [0.3, 0.7], "curve": "PR"},
        "binary",
        id="AUC-multi-thresholds",
        atol=1e-5,
    ),
    case("AUC", {"from_logits": True}, "logits", id="AUC-logits", atol=1e-5),
    # F scores
    case("F1Score", {}, "binary", SAMPLE),
    case("F1Score", {"average": "micro", "threshold": 0.5}, "binary", id="F1-micro"),
    case("F1Score", {"average": "macro"}, "categorical", id="F1-macro"),
    case(
        "F1Score",
        {"average": "weighted", "threshold": 0.4},
        "binary",
        id="F1-weighted",
    ),
    case("FBetaScore", {"beta": 2.0, "threshold": 0.3}, "binary"),
    case("FBetaScore", {"beta": 0.5, "average": "macro"}, "binary", id="FBeta-macro"),
    # IoU
    case("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "class_ids", INT),
    case("MeanIoU", {"num_classes": C}, "class_ids", INT),
    case(
        "MeanIoU",
        {"num_classes": C, "ignore_class": 1, "dtype": "float32"},
        "class_ids",
        ("none", "element"),
        id="MeanIoU-ignore-float",
    ),
    case(
        "MeanIoU",
        {"num_classes": C, "sparse_y_pred": False},
        "class_scores",
        INT,
        id="MeanIoU-scores",
    ),
    case("BinaryIoU", {}, "binary_flat", INT),
    case(
        "BinaryIoU",
        {"target_class_ids": [1], "threshold": 0.3},
        "binary_flat",
        INT,
        id="BinaryIoU-1",
    ),
    case(
        "OneHotIoU",
        {"num_classes": C, "target_class_ids": [1, 3]},
        "one_hot_scores",
        ("none", "int_sample"),
    ),
    case("OneHotMeanIoU", {"num_classes": C}, "one_hot_scores", NO_WEIGHTS),
    # Regression
    case("MeanSquaredError", {}, "regression", SAMPLE_COL),
    case("MeanSquaredError", {}, "regression_seq", MASKED, id="MSE-seq"),
    case("MeanSquaredError", {}, "regression_col", id="MSE-col"),
    case("RootMeanSquaredError", {}, "regression", ALL),
    case("MeanAbsoluteError", {}, "regression_seq", MASKED),
    case("MeanAbsolutePercentageError", {}, "regression"),
    case("MeanSquaredLogarithmicError", {}, "positive"),
    case("CosineSimilarity", {}, "regression"),
    case("CosineSimilarity", {"axis": 1}, "regression_seq", id="Cosine-axis1"),
    case("LogCoshError", {}, "regression", MASKED),
    case("R2Score", {}, "fit", ("none", "sample", "sample_col", "element")),
    case(
        "R2Score",
        {"class_aggregation": "variance_weighted_average"},
        "fit",
        id="R2-variance-weighted",
    ),
    case("R2Score", {"class_aggregation": None}, "fit", id="R2-raw"),
    case("R2Score", {"num_regressors": 2}, "fit", id="R2-adjusted"),
    # Too few samples for the adjustment (n - 1 <= p): the plain score.
    case("R2Score", {"num_regressors": 31}, "fit", id="R2-adjusted-fallback"),
    # Probabilistic
    case("BinaryCrossentropy", {}, "binary", SAMPLE_COL),
    case(
        "BinaryCrossentropy",
        {"from_logits": True, "label_smoothing": 0.1},
        "logits",
        id="BCE-logits",
    ),
    case("CategoricalCrossentropy", {}, "categorical"),
    case(
        "CategoricalCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "categorical_logits",
        id="CCE-logits",
    ),
    case("SparseCategoricalCrossentropy", {}, "sparse"),
    case(
        "SparseCategoricalCrossentropy",
        {"from_logits": True},
        "sparse_logits",
        id="SCCE-logits",
    ),
    case(
        "SparseCategoricalCrossentropy",
        {"ignore_class": 1},
        "sparse_seq",
        ("none", "element", "mask", "mask_and_sample"),
        id="SCCE-ignore-class",
    ),
    case("KLDivergence", {}, "categorical"),
    case("Poisson", {}, "positive"),
    # Hinge
    case("Hinge", {}, "signed", SAMPLE_COL),
    case("Hinge", {}, "binary", id="Hinge-01"),
    case("SquaredHinge", {}, "signed"),
    case("CategoricalHinge", {}, "categorical"),
    # Other dtypes
    case("MeanSquaredError", {"dtype": "float64"}, "regression", id="MSE-float64"),
    case("Precision", {"dtype": "float64"}, "binary", id="Precision-float64"),
    case("AUC", {"dtype": "float64"}, "binary", id="AUC-float64", atol=1e-5),
    case("F1Score", {"dtype": "float64"}, "binary", id="F1-float64"),
    # Correlation
    case("PearsonCorrelation", {}, "fit"),
    case("ConcordanceCorrelation", {}, "fit"),
]
