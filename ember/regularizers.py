"""Weight regularizers, as `keras.regularizers` exposes them: penalties on a
weight's values that layers add to the training loss.

A regularizer is called on a weight tensor and returns a scalar tensor of the
weight's dtype. Layers take them through `kernel_regularizer`,
`bias_regularizer` and `activity_regularizer`.
"""

import math
import numbers

import torch

from ember.backend import config as backend_config
from ember.backend.errors import ArgumentError
from ember.backend.naming import to_snake_case
from ember.backend.serialization import (
    deserialize_object,
    get_object,
    serialize_object,
)


class Regularizer:
    """Base class of regularizers.

    Subclasses implement `__call__(x)`, returning a scalar penalty, and, when
    their constructor takes arguments, `get_config()`, returning them. The base
    class itself adds no penalty.

    Example:

    >>> class SumOfSquares(ember.regularizers.Regularizer):
    ...     def __init__(self, factor=0.01):
    ...         self.factor = factor
    ...     def __call__(self, x):
    ...         return self.factor * torch.sum(torch.square(x))
    ...     def get_config(self):
    ...         return {"factor": self.factor}
    >>> float(SumOfSquares(0.5)(torch.ones(2, 2)))
    2.0
    """

    def __call__(self, x) -> torch.Tensor:
        x = torch.as_tensor(x)
        return torch.zeros((), dtype=x.dtype, device=x.device)

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Regularizer":
        """Rebuilds a regularizer from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class L1L2(Regularizer):
    """Adds both penalties: `l1 * sum(abs(x)) + l2 * sum(square(x))`.

    Args:
        l1: Non-negative float, the L1 factor. Defaults to `0.0`.
        l2: Non-negative float, the L2 factor. Defaults to `0.0`.

    Example:

    >>> regularizer = ember.regularizers.L1L2(l1=0.1, l2=0.01)
    >>> round(float(regularizer(torch.ones(2, 2))), 4)
    0.44
    >>> layer = ember.layers.Dense(3, kernel_regularizer=regularizer)
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1", "L1L2")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2", "L1L2")

    def __call__(self, x) -> torch.Tensor:
        x = torch.as_tensor(x)
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1 != 0.0:
            penalty = penalty + _scalar(self.l1, x) * torch.sum(torch.abs(x))
        if self.l2 != 0.0:
            penalty = penalty + _scalar(self.l2, x) * torch.sum(torch.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """The L1 penalty: `l1 * sum(abs(x))`.

    Args:
        l1: Non-negative float, the factor. Defaults to `0.01`.

    Example:

    >>> round(float(ember.regularizers.L1(0.1)(torch.ones(2, 2))), 4)
    0.4
    >>> layer = ember.layers.Dense(3, kernel_regularizer="l1")
    """

    def __init__(self, l1=0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x) -> torch.Tensor:
        x = torch.as_tensor(x)
        return _scalar(self.l1, x) * torch.sum(torch.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """The L2 penalty: `l2 * sum(square(x))` (no factor of one half).

    Args:
        l2: Non-negative float, the factor. Defaults to `0.01`.

    Example:

    >>> round(float(ember.regularizers.L2(0.1)(torch.full((2, 2), 2.0))), 4)
    1.6
    >>> layer = ember.layers.Dense(3, kernel_regularizer="l2")
    """

    def __init__(self, l2=0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x) -> torch.Tensor:
        x = torch.as_tensor(x)
        return _scalar(self.l2, x) * torch.sum(torch.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a matrix to be orthogonal to each other.

    The penalty is `factor` times the mean absolute cosine similarity over all
    pairs of distinct rows (`mode="rows"`) or columns (`mode="columns"`), times
    one half. For a `Dense` kernel `(input_dim, units)`, `"rows"` makes the
    feature vectors orthogonal.

    Args:
        factor: Non-negative float, the factor. Defaults to `0.01`.
        mode: `"rows"` or `"columns"`. Defaults to `"rows"`.

    Example:

    >>> regularizer = ember.regularizers.OrthogonalRegularizer(factor=1.0)
    >>> float(regularizer(torch.eye(3)))
    0.0
    >>> layer = ember.layers.Dense(4, kernel_regularizer=regularizer)
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ArgumentError(
                "mode", "'rows' or 'columns'", mode, owner="OrthogonalRegularizer"
            )
        self.mode = mode

    def __call__(self, x) -> torch.Tensor:
        x = torch.as_tensor(x)
        if x.ndim != 2:
            raise ValueError(
                "`OrthogonalRegularizer` needs a 2-D weight, but received one of "
                f"shape {tuple(x.shape)}."
            )
        if self.mode == "columns":
            x = x.T
        rows = _l2_normalize_rows(x)
        size = rows.shape[0]
        products = rows @ rows.T
        off_diagonal = products * (
            1.0 - torch.eye(size, dtype=x.dtype, device=x.device)
        )
        pairs = size * (size - 1.0) / 2.0
        return (
            _scalar(self.factor, x) * 0.5 * torch.sum(torch.abs(off_diagonal)) / pairs
        )

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


# Keras's other public spellings of the same classes.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES = (L1, L1L2, L2, OrthogonalRegularizer, Regularizer)
# Every name `get` accepts: class names, their snake_case, and "l1_l2".
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT["l1_l2"] = L1L2
_EXPECTED = (
    "a string name such as 'l2', a Regularizer instance or class, a config dict, "
    "a callable or None"
)


def serialize(regularizer) -> dict | None:
    """Returns the Keras config dict of a regularizer (`None` stays `None`).

    Args:
        regularizer: A `Regularizer` instance, or `None`.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`,
        in the format Keras writes into `.keras` files.

    Example:

    >>> ember.regularizers.serialize(ember.regularizers.L2(0.1))["config"]
    {'l2': 0.1}
    """
    return serialize_object(regularizer, ALL_OBJECTS_DICT, "keras.regularizers")


def deserialize(config, custom_objects=None) -> Regularizer | None:
    """Builds a regularizer from a name or a config dict.

    Args:
        config: A string name, a dict from `serialize` (or Keras's
            `{"class_name": ..., "config": ...}`), or `None`.
        custom_objects: Dict mapping names to custom regularizer classes.
            Defaults to `None`.

    Returns:
        A regularizer instance, or `None`.

    Example:

    >>> ember.regularizers.deserialize({"class_name": "L1", "config": {"l1": 0.1}})
    L1(l1=0.1)
    """
    return deserialize_object(
        config, ALL_OBJECTS_DICT, custom_objects, "regularizer", _EXPECTED
    )


def get(identifier):
    """Returns a regularizer from any spelling Keras accepts.

    Args:
        identifier: A string name (`"l1"`, `"l2"`, `"l1_l2"`,
            `"orthogonal_regularizer"`), a config dict, a regularizer class
            (instantiated with its defaults), a regularizer instance or any
            callable `fn(x)` (returned as is), or `None`.

    Returns:
        A callable regularizer, or `None`.

    Example:

    >>> ember.regularizers.get("l2")
    L2(l2=0.01)
    """
    return get_object(identifier, ALL_OBJECTS_DICT, "regularizer", _EXPECTED)


def _factor(value, name: str, owner: str) -> float:
    """A finite, non-negative penalty factor, as a float."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ArgumentError(name, "a non-negative float", value, owner=owner)
    return float(value)


def _scalar(value: float, x: torch.Tensor) -> torch.Tensor:
    """`value` as a 0-d tensor of `x`'s dtype and device: the factor is rounded
    to the weight's precision first, as Keras does. A fill, not a host copy."""
    return torch.full((), value, dtype=x.dtype, device=x.device)


def _l2_normalize_rows(x: torch.Tensor) -> torch.Tensor:
    """Rows scaled to unit L2 norm; all-zero rows stay zero (the inverse norm is
    capped at `1 / epsilon`)."""
    inverse_norm = torch.rsqrt(torch.sum(torch.square(x), dim=1, keepdim=True))
    return x * torch.clamp(inverse_norm, max=1.0 / backend_config.epsilon())


__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
