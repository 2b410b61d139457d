"""Initializers with fixed values: `Constant`, `Zeros`, `Ones`, `Identity`."""

import numbers

import numpy as np
import torch

from ember.backend import dtypes
from ember.initializers.initializer import Initializer


class Constant(Initializer):
    """Fills the tensor with a constant value.

    Args:
        value: A Python scalar, or an array broadcastable to the requested
            shape. It is cast to the requested dtype. Defaults to `0.0`.

    Example:

    >>> initializer = ember.initializers.Constant(3.0)
    >>> initializer((2, 2)).tolist()
    [[3.0, 3.0], [3.0, 3.0]]
    >>> layer = ember.layers.Dense(3, kernel_initializer=initializer)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = dtypes.to_torch_dtype(dtype)
        if isinstance(self.value, numbers.Number):
            return torch.full(tuple(shape), self.value, dtype=dtype)
        value = self.value
        if not isinstance(value, torch.Tensor):
            value = np.asarray(value)
        return torch.as_tensor(value, dtype=dtype) * torch.ones(shape, dtype=dtype)

    def get_config(self) -> dict:
        return {"value": _serialize_value(self.value)}

    @classmethod
    def from_config(cls, config: dict) -> "Constant":
        return cls(_deserialize_value(config.get("value", 0.0)))


class Zeros(Initializer):
    """Fills the tensor with zeros.

    Example:

    >>> ember.initializers.Zeros()((2,)).tolist()
    [0.0, 0.0]
    >>> layer = ember.layers.Dense(3, bias_initializer="zeros")
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return torch.zeros(tuple(shape), dtype=dtypes.to_torch_dtype(dtype))


class Ones(Initializer):
    """Fills the tensor with ones.

    Example:

    >>> ember.initializers.Ones()((2,)).tolist()
    [1.0, 1.0]
    >>> layer = ember.layers.BatchNormalization(gamma_initializer="ones")
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return torch.ones(tuple(shape), dtype=dtypes.to_torch_dtype(dtype))


class Identity(Initializer):
    """Fills a 2-D tensor with the identity matrix (ones on the main diagonal,
    also for non-square shapes), times `gain`.

    Args:
        gain: Float, the factor applied to the identity matrix. Defaults to
            `1.0`.

    Example:

    >>> ember.initializers.Identity(gain=2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        if len(shape) != 2:
            raise ValueError(
                "`Identity` can only fill 2-D tensors, but received "
                f"shape={tuple(shape)} of rank {len(shape)}. Use it for matrices "
                "such as a `Dense` kernel."
            )
        dtype = dtypes.to_torch_dtype(dtype)
        return (self.gain * torch.eye(*shape, dtype=dtype)).to(dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain}


def _serialize_value(value):
    """A JSON-ready form of `value`, in Keras's format for arrays and tensors."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        kind = "__numpy__"
    elif isinstance(value, torch.Tensor):
        kind, value = "__tensor__", value.detach().cpu().numpy()
    else:
        return value
    if value.ndim == 0:
        return value.item()
    config = {"value": value.tolist(), "dtype": dtypes.standardize_dtype(value.dtype)}
    return {"class_name": kind, "config": config}


def _deserialize_value(value):
    if isinstance(value, dict) and value.get("class_name") in (
        "__numpy__",
        "__tensor__",
    ):
        config = value["config"]
        return np.asarray(config["value"], dtype=config["dtype"])
    return value
