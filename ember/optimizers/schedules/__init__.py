"""Learning rate schedules, as `keras.optimizers.schedules` exposes them, and
their `serialize` / `deserialize`."""

from ember.backend.serialization import deserialize_object, serialize_object
from ember.optimizers.schedules.cosine_decay import CosineDecay
from ember.optimizers.schedules.cosine_decay_restarts import CosineDecayRestarts
from ember.optimizers.schedules.exponential_decay import ExponentialDecay
from ember.optimizers.schedules.inverse_time_decay import InverseTimeDecay
from ember.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from ember.optimizers.schedules.piecewise_constant_decay import (
    PiecewiseConstantDecay,
)
from ember.optimizers.schedules.polynomial_decay import PolynomialDecay

ALL_OBJECTS_DICT = {
    cls.__name__: cls
    for cls in (
        CosineDecay,
        CosineDecayRestarts,
        ExponentialDecay,
        InverseTimeDecay,
        LearningRateSchedule,
        PiecewiseConstantDecay,
        PolynomialDecay,
    )
}
_EXPECTED = "a learning rate schedule config dict such as {'class_name': ...}"


def serialize(learning_rate_schedule) -> dict:
    """Returns the Keras config dict of a schedule.

    Args:
        learning_rate_schedule: A `LearningRateSchedule` instance.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`,
        in the format Keras writes into `.keras` files.

    Example:

    >>> schedule = ember.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    >>> ember.optimizers.schedules.serialize(schedule)["class_name"]
    'ExponentialDecay'
    """
    return serialize_object(
        learning_rate_schedule, ALL_OBJECTS_DICT, "keras.optimizers.schedules"
    )


def deserialize(config, custom_objects=None) -> LearningRateSchedule:
    """Builds a schedule from a config dict written by `serialize` (or Keras).

    Args:
        config: A dict with `class_name` and `config`.
        custom_objects: Dict mapping names to custom schedule classes.
            Defaults to `None`.

    Returns:
        A `LearningRateSchedule` instance.

    Example:

    >>> ember.optimizers.schedules.deserialize(
    ...     {"class_name": "CosineDecay", "config": {
    ...         "initial_learning_rate": 0.1, "decay_steps": 100}})
    CosineDecay(initial_learning_rate=0.1, decay_steps=100, ...)
    """
    return deserialize_object(
        config, ALL_OBJECTS_DICT, custom_objects, "learning_rate_schedule", _EXPECTED
    )


__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
