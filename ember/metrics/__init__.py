"""`ember.metrics`: Keras 3's metrics, stateful and on the device.

Every metric accumulates with `update_state(y_true, y_pred, sample_weight)`,
reports with `result()` (a tensor, left on the device) and starts over with
`reset_state()`. The function forms (`binary_accuracy`, `mean_squared_error`,
...) return per-sample values. `get`, `serialize` and `deserialize` resolve
names and configs as `keras.metrics` does.
"""

import inspect

from ember.backend.errors import ArgumentError
from ember.backend.naming import to_snake_case
from ember.backend.serialization import (
    deserialize_object,
    lookup_class,
    serialize_object,
)
from ember.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from ember.metrics.auc_metrics import AUC
from ember.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from ember.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from ember.metrics.f_score_metrics import F1Score, FBetaScore
from ember.metrics.hinge_metrics import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from ember.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from ember.metrics.metric import Metric
from ember.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from ember.metrics.reduction_metrics import (
    Mean,
    MeanMetricWrapper,
    Sum,
    deserialize_function,
    serialize_function,
)
from ember.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)

_CLASSES = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    R2Score,
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
    ConcordanceCorrelation,
    PearsonCorrelation,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    F1Score,
    FBetaScore,
    IoU,
    BinaryIoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
)
# Every name `get` accepts: class names, their snake_case, and Keras's
# abbreviations. Names resolve to classes only, as in Keras ("accuracy" is
# `Accuracy`; compile's "accuracy" shortcut is `resolve_accuracy`).
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update(
    {
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)
# The public function forms, found by name when a `MeanMetricWrapper` config
# is loaded.
FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        binary_crossentropy,
        binary_focal_crossentropy,
        categorical_accuracy,
        categorical_crossentropy,
        categorical_focal_crossentropy,
        categorical_hinge,
        concordance_correlation,
        hinge,
        huber,
        kl_divergence,
        log_cosh,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_error,
        mean_squared_logarithmic_error,
        pearson_correlation,
        poisson,
        sparse_categorical_accuracy,
        sparse_categorical_crossentropy,
        sparse_top_k_categorical_accuracy,
        squared_hinge,
        top_k_categorical_accuracy,
    )
}
_EXPECTED = (
    "a string name such as 'mse' or 'AUC', a Metric instance or class, a config "
    "dict, a callable fn(y_true, y_pred) or None"
)


def serialize(metric) -> dict | None:
    """Returns the Keras config dict of a metric (or metric function).

    Args:
        metric: A `Metric` instance, one of the function forms, or `None`.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`,
        in the format Keras writes into `.keras` files.

    Example:

    >>> ember.metrics.serialize(ember.metrics.Mean())
    {'module': 'keras.metrics', 'class_name': 'Mean', 'config': {'name': 'mean', \
'dtype': 'float32'}, 'registered_name': None}
    """
    if inspect.isfunction(metric):
        return serialize_function(metric)
    return serialize_object(metric, ALL_OBJECTS_DICT, "keras.metrics")


def deserialize(config, custom_objects=None):
    """Builds a metric from a name or a config dict.

    Args:
        config: A string name, a dict from `serialize` (or Keras's
            `{"class_name": ..., "config": ...}`), or `None`.
        custom_objects: Dict mapping names to custom metric classes or
            functions. Defaults to `None`.

    Returns:
        A metric instance (or metric function), or `None`.

    Example:

    >>> ember.metrics.deserialize("mse")
    <MeanSquaredError name=mean_squared_error>
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        return deserialize_function(config)
    return deserialize_object(
        config, ALL_OBJECTS_DICT, custom_objects, "metric", _EXPECTED
    )


def get(identifier):
    """Returns a metric from any spelling Keras accepts.

    Args:
        identifier: A string name (`"mse"`, `"AUC"`, `"precision"`,
            `"binary_accuracy"`, ... giving a new instance with default
            arguments), a config dict, a metric class (instantiated with its
            defaults), or a metric instance or function (returned as is).

    Returns:
        A `Metric` instance or a callable `fn(y_true, y_pred)`, or `None`.

    Example:

    >>> ember.metrics.get("mae")
    <MeanAbsoluteError name=mean_absolute_error>
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup_class(
            identifier, None, ALL_OBJECTS_DICT, None, "metric", _EXPECTED
        )()
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ArgumentError("metric", _EXPECTED, identifier)


def binary_or_sparse_categorical(y_true_shape, y_pred_shape) -> tuple:
    """Whether targets look binary, and whether they look like class ids.

    Binary: the prediction has one column. Sparse categorical: the target has
    fewer axes than the prediction, or one column against several. This is
    the rule Keras's `compile` applies to `"accuracy"` (and, for losses, to
    `"crossentropy"`).

    Returns:
        `(is_binary, is_sparse_categorical)`.
    """
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    is_binary = y_pred_shape[-1] == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and y_pred_shape[-1] > 1
    )
    return is_binary, is_sparse


def resolve_accuracy(name, y_true_shape, y_pred_shape, loss=None) -> Metric:
    """The metric `compile(metrics=["accuracy"])` makes for an output.

    As in Keras 3, the choice is made from the shapes of one batch's target
    and prediction: `BinaryAccuracy` when the prediction has one column,
    `SparseCategoricalAccuracy` when the target holds class ids, otherwise
    `CategoricalAccuracy`. The metric is named `name` as given (`"acc"`
    stays `"acc"`).

    Args:
        name: `"accuracy"` or `"acc"`, in any case.
        y_true_shape: Shape of a batch of targets.
        y_pred_shape: Shape of a batch of predictions.
        loss: The compiled loss. Keras 3 does not look at it (only at the
            shapes); it is accepted so callers can pass it, and ignored.

    Returns:
        A new accuracy metric.

    Example:

    >>> ember.metrics.resolve_accuracy("acc", (32,), (32, 10))
    <SparseCategoricalAccuracy name=acc>
    """
    del loss  # Keras 3 decides from the shapes alone.
    if str(name).lower() not in ("accuracy", "acc"):
        raise ArgumentError("name", "'accuracy' or 'acc'", name, "resolve_accuracy")
    is_binary, is_sparse = binary_or_sparse_categorical(y_true_shape, y_pred_shape)
    if is_binary:
        return BinaryAccuracy(name=str(name))
    if is_sparse:
        return SparseCategoricalAccuracy(name=str(name))
    return CategoricalAccuracy(name=str(name))


# Keras's `keras.metrics` names. `resolve_accuracy` and
# `binary_or_sparse_categorical` are ember's helpers for `compile`.
__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "binary_accuracy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "concordance_correlation",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "pearson_correlation",
    "poisson",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]
