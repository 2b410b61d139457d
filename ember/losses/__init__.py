"""Losses, as `keras.losses` exposes them: `Loss` classes that weigh and reduce,
and the plain functions that return one loss per sample.

`get("mse")` returns the function `mean_squared_error`, `get("MeanSquaredError")`
an instance of the class, as Keras does; `model.compile(loss=...)` takes any of
them.
"""

import contextvars
import inspect
import types

from ember.backend.errors import ArgumentError
from ember.backend.serialization import lookup_class, serialize_object
from ember.losses.categorical import (
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
)
from ember.losses.ctc import CTC, ctc
from ember.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from ember.losses.loss import Loss
from ember.losses.probabilistic import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    KLDivergence,
    Poisson,
    binary_crossentropy,
    binary_focal_crossentropy,
    kl_divergence,
    poisson,
)
from ember.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from ember.losses.segmentation import Dice, Tversky, dice, tversky
from ember.losses.similarity import Circle, circle
from ember.losses.sparse_categorical import (
    CategoricalGeneralizedCrossEntropy,
    SparseCategoricalCrossentropy,
    categorical_generalized_cross_entropy,
    sparse_categorical_crossentropy,
)
from ember.losses.wrapper import LossFunctionWrapper

_OBJECTS = (
    Loss,
    LossFunctionWrapper,
    # Probabilistic
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
    # Regression
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    # Hinge
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
    # Segmentation, similarity, sequences
    Dice,
    Tversky,
    dice,
    tversky,
    Circle,
    circle,
    CTC,
    ctc,
)
# Every name `get` and `deserialize` accept: class and function names, and
# Keras's short aliases.
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _OBJECTS}
for _alias, _fn in {
    "bce": binary_crossentropy,
    "kld": kl_divergence,
    "mae": mean_absolute_error,
    "mape": mean_absolute_percentage_error,
    "mse": mean_squared_error,
    "msle": mean_squared_logarithmic_error,
}.items():
    ALL_OBJECTS_DICT[_alias] = ALL_OBJECTS_DICT[_alias.upper()] = _fn

_EXPECTED = (
    "a loss name such as 'mse' or 'sparse_categorical_crossentropy', a Loss "
    "instance or class, a config dict, a loss function or None"
)
# Where Keras files put classes that `keras.losses` does not export by these
# names.
_KERAS_MODULES = {Loss: "keras", LossFunctionWrapper: "keras.src.losses.losses"}
# The `custom_objects` of the `deserialize` call under way, for the nested
# ones (a `LossFunctionWrapper` deserializes its function).
_CUSTOM_OBJECTS = contextvars.ContextVar("custom_objects", default=None)


def serialize(loss) -> dict | None:
    """Returns the Keras config dict of a loss object or function.

    Args:
        loss: A `Loss` instance, a loss function, or `None`.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`, as
        Keras writes it into `.keras` files. Functions are written by name:
        `{"module": "builtins", "class_name": "function", "config":
        "mean_squared_error", "registered_name": "function"}`.

    Example:

    >>> ember.losses.serialize(ember.losses.Huber(delta=2.0))["config"]
    {'name': 'huber_loss', 'reduction': 'sum_over_batch_size', 'delta': 2.0}
    """
    if loss is None:
        return None
    if isinstance(loss, types.FunctionType):
        if loss.__name__ == "<lambda>":
            raise ValueError(
                "Cannot serialize a lambda used as a loss: ember never loads "
                "code from files. Define it as a named function "
                "(`def my_loss(y_true, y_pred): ...`) and pass it to the loading "
                "function as `custom_objects={'my_loss': my_loss}`."
            )
        return {
            "module": "builtins",
            "class_name": "function",
            "config": loss.__name__,
            "registered_name": "function",
        }
    if not hasattr(loss, "get_config"):
        raise ArgumentError("loss", "a Loss instance, a loss function or None", loss)
    config = serialize_object(loss, ALL_OBJECTS_DICT, "keras.losses")
    if type(loss) in _KERAS_MODULES:
        config["module"] = _KERAS_MODULES[type(loss)]
        if type(loss) is LossFunctionWrapper:
            config["registered_name"] = "LossFunctionWrapper"
    return config


def deserialize(config, custom_objects=None):
    """Builds a loss from a name or a config dict.

    Args:
        config: A name (`"mse"`, `"MeanSquaredError"`, ...), a dict from
            `serialize` (or Keras's `{"class_name": ..., "config": ...}`), or
            `None`.
        custom_objects: Dict mapping names to custom loss classes or
            functions. Defaults to `None`.

    Returns:
        A `Loss` instance (for class names and class configs), a loss
        function (for function names), or `None`.

    Example:

    >>> ember.losses.deserialize({"class_name": "Huber", "config": {"delta": 2.0}})
    Huber(name='huber_loss', reduction='sum_over_batch_size', delta=2.0)
    """
    if config is None:
        return None
    custom_objects = {**(_CUSTOM_OBJECTS.get() or {}), **(custom_objects or {})}
    if isinstance(config, str):
        return _instantiate(_lookup(config, None, custom_objects))
    if isinstance(config, dict) and "class_name" in config:
        class_name = config["class_name"]
        if class_name == "__lambda__":
            raise ValueError(
                "Cannot load a loss saved as a lambda: ember never runs code "
                "from files. Pass the function through `custom_objects`."
            )
        if class_name == "function":
            name = config.get("config")
            if config.get("module") not in (None, "builtins"):
                name = config.get("registered_name") or name
            return _lookup(name, config.get("registered_name"), custom_objects)
        cls = _lookup(class_name, config.get("registered_name"), custom_objects)
        token = _CUSTOM_OBJECTS.set(custom_objects)
        try:
            return cls.from_config(config.get("config") or {})
        finally:
            _CUSTOM_OBJECTS.reset(token)
    raise ArgumentError("loss", _EXPECTED, config)


def get(identifier):
    """Returns a loss from any spelling Keras accepts.

    Args:
        identifier: A name (a function name or alias such as `"mse"` gives
            the function, a class name the class built with its defaults), a
            config dict, a `Loss` class (built with its defaults), a `Loss`
            instance or any callable `fn(y_true, y_pred)` (returned as is), or
            `None`.

    Returns:
        A loss function, a `Loss` instance, or `None`.

    Example:

    >>> ember.losses.get("mse").__name__
    'mean_squared_error'
    >>> ember.losses.get("CategoricalCrossentropy").from_logits
    False
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return _instantiate(_lookup(identifier, None, None))
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ArgumentError("loss", _EXPECTED, identifier)


def _lookup(name, registered_name, custom_objects):
    return lookup_class(
        name, registered_name, ALL_OBJECTS_DICT, custom_objects, "loss", _EXPECTED
    )


def _instantiate(obj):
    return obj() if inspect.isclass(obj) else obj


__all__ = [
    "CTC",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]
