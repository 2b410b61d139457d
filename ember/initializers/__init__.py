"""Weight initializers, as `keras.initializers` exposes them, and their lookup:
`get` (by name, config, class, instance or callable), `serialize`,
`deserialize`."""

import numpy as np
import torch

from ember.backend import dtypes
from ember.backend.naming import to_snake_case
from ember.backend.serialization import (
    deserialize_object,
    get_object,
    serialize_object,
)
from ember.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from ember.initializers.initializer import Initializer
from ember.initializers.random_initializers import (
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
)
from ember.initializers.stft_initializer import STFT
from ember.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

# Keras's other public spellings of the same classes.
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
STFTInitializer = STFT
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
stft = STFT
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros

_CLASSES = (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    STFT,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
)
# Every name `get` accepts: class names, their snake_case, and Keras's aliases.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "STFTInitializer": STFT,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    }
)
_EXPECTED = (
    "a string name such as 'glorot_uniform', an Initializer instance or class, "
    "a config dict, a callable `fn(shape, dtype=None)`, a tensor or None"
)


def serialize(initializer) -> dict | None:
    """Returns the Keras config dict of an initializer (`None` stays `None`).

    Args:
        initializer: An `Initializer` instance, or `None`.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`,
        in the format Keras writes into `.keras` files.

    Example:

    >>> ember.initializers.serialize(ember.initializers.Zeros())["class_name"]
    'Zeros'
    """
    return serialize_object(initializer, ALL_OBJECTS_DICT, "keras.initializers")


def deserialize(config, custom_objects=None) -> Initializer | None:
    """Builds an initializer from a name or a config dict.

    Args:
        config: A string name, a dict from `serialize` (or Keras's
            `{"class_name": ..., "config": ...}`), or `None`.
        custom_objects: Dict mapping names to custom initializer classes.
            Defaults to `None`.

    Returns:
        An initializer instance, or `None`.

    Example:

    >>> config = {"class_name": "RandomNormal", "config": {"stddev": 1.0}}
    >>> ember.initializers.deserialize(config).stddev
    1.0
    """
    return deserialize_object(
        config, ALL_OBJECTS_DICT, custom_objects, "initializer", _EXPECTED
    )


def get(identifier):
    """Returns an initializer from any spelling Keras accepts.

    Args:
        identifier: One of: a string name (`"glorot_uniform"`, `"zeros"`,
            `"he_normal"`, ...), a config dict, an initializer class (which is
            instantiated with its defaults), an initializer instance or any
            callable `fn(shape, dtype=None)` (returned as is), a tensor or
            NumPy array (whose values the weight takes), or `None`.

    Returns:
        A callable initializer, or `None`.

    Example:

    >>> ember.initializers.get("glorot_uniform")
    GlorotUniform(seed=None, input_axes=None, output_axes=None)
    """
    if isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        return _from_values(identifier)
    return get_object(identifier, ALL_OBJECTS_DICT, "initializer", _EXPECTED)


def _from_values(values):
    """An initializer that returns `values`, cast to the requested dtype."""
    values = torch.as_tensor(values)

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != tuple(values.shape):
            raise ValueError(
                f"This initializer holds values of shape {tuple(values.shape)}, "
                f"but a weight of shape {tuple(shape)} was requested."
            )
        return values.to(
            device=torch.get_default_device(),
            dtype=dtypes.to_torch_dtype(dtype),
            copy=True,
        )

    return initialize_fn


__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "STFT",
    "STFTInitializer",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "stft",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
