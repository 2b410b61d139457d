"""Weight constraints, as `keras.constraints` exposes them: projections that
layers apply to a weight after each optimizer update.

A constraint is called on a weight tensor and returns the projected tensor.
Layers take them through `kernel_constraint` and `bias_constraint`.
"""

import torch

from ember.backend import config as backend_config
from ember.backend.naming import to_snake_case
from ember.backend.serialization import (
    deserialize_object,
    get_object,
    serialize_object,
)


class Constraint:
    """Base class of weight constraints.

    Subclasses implement `__call__(w)`, returning the projected weight, and,
    when their constructor takes arguments, `get_config()`, returning them.
    The base class returns the weight unchanged.

    Example:

    >>> class Clip(ember.constraints.Constraint):
    ...     def __init__(self, limit=1.0):
    ...         self.limit = limit
    ...     def __call__(self, w):
    ...         return torch.clamp(w, -self.limit, self.limit)
    ...     def get_config(self):
    ...         return {"limit": self.limit}
    >>> Clip(0.5)(torch.tensor([-2.0, 0.25])).tolist()
    [-0.5, 0.25]
    """

    def __call__(self, w) -> torch.Tensor:
        return w

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Constraint":
        """Rebuilds a constraint from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class MaxNorm(Constraint):
    """Rescales the weights incident to each unit so that their L2 norm is at
    most `max_value`.

    Args:
        max_value: Float, the largest norm allowed. Defaults to `2`.
        axis: Integer or list of integers, the axes the norms are taken over.
            For a `Dense` kernel `(input_dim, units)`, `axis=0` constrains the
            weights feeding each unit; for a `Conv2D` kernel
            `(rows, cols, in_channels, filters)`, use `axis=[0, 1, 2]`.
            Defaults to `0`.

    Example:

    >>> w = torch.tensor([[3.0], [4.0]])  # norm 5
    >>> ember.constraints.MaxNorm(1.0)(w).flatten().tolist()
    [0.6000000238418579, 0.800000011920929]
    >>> layer = ember.layers.Dense(3, kernel_constraint="max_norm")
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w) -> torch.Tensor:
        w = torch.as_tensor(w)
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (backend_config.epsilon() + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Rescales the weights incident to each unit so that their L2 norm lies
    in `[min_value, max_value]`, moving it by `rate` of the way there.

    The new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) *
    norm`: `rate=1.0` enforces the bounds strictly, a smaller rate moves the
    norm towards them a little at each step.

    Args:
        min_value: Float, the smallest norm allowed. Defaults to `0.0`.
        max_value: Float, the largest norm allowed. Defaults to `1.0`.
        rate: Float, how far to move towards the bounds at each call.
            Defaults to `1.0`.
        axis: Integer or list of integers, the axes the norms are taken over
            (see `MaxNorm`). Defaults to `0`.

    Example:

    >>> w = torch.tensor([[0.3], [0.4]])  # norm 0.5
    >>> constraint = ember.constraints.MinMaxNorm(min_value=1.0, max_value=2.0)
    >>> round(float(constraint(w).norm()), 4)
    1.0
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w) -> torch.Tensor:
        w = torch.as_tensor(w)
        norms = _norms(w, self.axis)
        desired = (
            self.rate * torch.clamp(norms, self.min_value, self.max_value)
            + (1 - self.rate) * norms
        )
        return w * (desired / (backend_config.epsilon() + norms))

    def get_config(self) -> dict:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


class NonNeg(Constraint):
    """Replaces negative weights by zero.

    Example:

    >>> ember.constraints.NonNeg()(torch.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    >>> layer = ember.layers.Dense(3, kernel_constraint="non_neg")
    """

    def __call__(self, w) -> torch.Tensor:
        return torch.clamp(torch.as_tensor(w), min=0)


class UnitNorm(Constraint):
    """Rescales the weights incident to each unit to unit L2 norm.

    Args:
        axis: Integer or list of integers, the axes the norms are taken over
            (see `MaxNorm`). Defaults to `0`.

    Example:

    >>> w = torch.tensor([[3.0], [4.0]])
    >>> ember.constraints.UnitNorm()(w).flatten().tolist()
    [0.6000000238418579, 0.800000011920929]
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w) -> torch.Tensor:
        w = torch.as_tensor(w)
        return w / (backend_config.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


# Keras's other public spellings of the same classes.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_CLASSES = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
# Every name `get` accepts: class names and their snake_case.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
_EXPECTED = (
    "a string name such as 'max_norm', a Constraint instance or class, a config "
    "dict, a callable or None"
)


def serialize(constraint) -> dict | None:
    """Returns the Keras config dict of a constraint (`None` stays `None`).

    Args:
        constraint: A `Constraint` instance, or `None`.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`,
        in the format Keras writes into `.keras` files.

    Example:

    >>> ember.constraints.serialize(ember.constraints.UnitNorm())["config"]
    {'axis': 0}
    """
    return serialize_object(constraint, ALL_OBJECTS_DICT, "keras.constraints")


def deserialize(config, custom_objects=None) -> Constraint | None:
    """Builds a constraint from a name or a config dict.

    Args:
        config: A string name, a dict from `serialize` (or Keras's
            `{"class_name": ..., "config": ...}`), or `None`.
        custom_objects: Dict mapping names to custom constraint classes.
            Defaults to `None`.

    Returns:
        A constraint instance, or `None`.

    Example:

    >>> ember.constraints.deserialize({"class_name": "MaxNorm", "config": {}})
    MaxNorm(max_value=2, axis=0)
    """
    return deserialize_object(
        config, ALL_OBJECTS_DICT, custom_objects, "constraint", _EXPECTED
    )


def get(identifier):
    """Returns a constraint from any spelling Keras accepts.

    Args:
        identifier: A string name (`"max_norm"`, `"min_max_norm"`, `"non_neg"`,
            `"unit_norm"`), a config dict, a constraint class (instantiated
            with its defaults), a constraint instance or any callable `fn(w)`
            (returned as is), or `None`.

    Returns:
        A callable constraint, or `None`.

    Example:

    >>> ember.constraints.get("non_neg")
    NonNeg()
    """
    return get_object(identifier, ALL_OBJECTS_DICT, "constraint", _EXPECTED)


def _norms(w: torch.Tensor, axis) -> torch.Tensor:
    """L2 norms over `axis`, kept as size-1 dims so they broadcast against `w`."""
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(torch.square(w), dim=dims, keepdim=True))


__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
