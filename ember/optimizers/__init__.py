"""Optimizers, as `keras.optimizers` exposes them, their learning rate
`schedules`, and their lookup: `get`, `serialize`, `deserialize`.

The trainer calls `optimizer.apply(grads, variables)` once per step; see
`Optimizer` for what it does and the API custom optimizers implement.
"""

import inspect

from ember.backend.errors import ArgumentError
from ember.backend.serialization import lookup_class, serialize_object
from ember.optimizers import schedules
from ember.optimizers.adadelta import Adadelta
from ember.optimizers.adafactor import Adafactor
from ember.optimizers.adagrad import Adagrad
from ember.optimizers.adam import Adam
from ember.optimizers.adamax import Adamax
from ember.optimizers.adamw import AdamW
from ember.optimizers.ftrl import Ftrl
from ember.optimizers.lion import Lion
from ember.optimizers.loss_scale_optimizer import LossScaleOptimizer
from ember.optimizers.nadam import Nadam
from ember.optimizers.optimizer import Optimizer
from ember.optimizers.rmsprop import RMSprop
from ember.optimizers.sgd import SGD

_CLASSES = (
    Adadelta,
    Adafactor,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Ftrl,
    Lion,
    LossScaleOptimizer,
    Nadam,
    Optimizer,
    RMSprop,
    SGD,
)
# Names are looked up case-insensitively, as Keras does: "adam", "Adam", "SGD".
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in _CLASSES}
_BY_CLASS_NAME = {cls.__name__: cls for cls in _CLASSES}
_EXPECTED = (
    "a string name such as 'adam', an Optimizer instance or class, or a config dict"
)


def serialize(optimizer) -> dict:
    """Returns the Keras config dict of an optimizer.

    Args:
        optimizer: An `Optimizer` instance.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`,
        in the format Keras writes into `.keras` files.

    Example:

    >>> ember.optimizers.serialize(ember.optimizers.SGD())["config"]["momentum"]
    0.0
    """
    return serialize_object(optimizer, _BY_CLASS_NAME, "keras.optimizers")


def deserialize(config, custom_objects=None) -> Optimizer:
    """Builds an optimizer from a config dict (or a name).

    Args:
        config: A dict from `serialize` (or written by Keras), or a string
            name such as `"adam"`.
        custom_objects: Dict mapping names to custom optimizer or schedule
            classes. Defaults to `None`.

    Returns:
        An `Optimizer` instance, without state.

    Example:

    >>> ember.optimizers.deserialize(
    ...     {"class_name": "Adam", "config": {"learning_rate": 0.01}})
    <Adam name=adam, built=False>
    """
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ArgumentError("optimizer", _EXPECTED, config)
    class_name = config["class_name"]
    if isinstance(class_name, str) and class_name.lower() in ALL_OBJECTS_DICT:
        class_name = class_name.lower()
    cls = lookup_class(
        class_name,
        config.get("registered_name"),
        ALL_OBJECTS_DICT,
        custom_objects,
        "optimizer",
        _EXPECTED,
    )
    arguments = dict(config.get("config") or {})
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(arguments, custom_objects=custom_objects)
    return cls.from_config(arguments)


def get(identifier) -> Optimizer | None:
    """Returns an optimizer from any spelling Keras accepts.

    Args:
        identifier: A string name (`"adam"`, `"sgd"`, `"rmsprop"`, ...,
            any case), a config dict, an `Optimizer` class (built with its
            defaults) or instance (returned as is), or `None`.

    Returns:
        An `Optimizer` instance, or `None`.

    Example:

    >>> ember.optimizers.get("adam").get_config()["learning_rate"]
    0.0010000000474974513
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        return identifier()
    raise ArgumentError(
        "optimizer",
        _EXPECTED,
        identifier,
        hint="For example `model.compile(optimizer='adam')` or "
        "`optimizer=ember.optimizers.Adam(learning_rate=1e-3)`.",
    )


__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lion",
    "LossScaleOptimizer",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
