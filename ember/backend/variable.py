"""`Variable`: a `torch.nn.Parameter` that also speaks Keras's variable API."""

import copy

import numpy as np
import torch

from ember.backend import dtypes


class Variable(torch.nn.Parameter):
    """A layer weight: an `nn.Parameter` with Keras's `name`, `path`, `assign`, ...

    Operations on a `Variable` return plain `torch.Tensor`s, so it is usable
    anywhere torch expects a parameter (optimizers, `state_dict`, `torch.compile`).
    Non-trainable state (e.g. BatchNormalization moving statistics) is a `Variable`
    with `requires_grad=False`; `trainable` is its Keras spelling.
    """

    def __new__(cls, data=None, requires_grad=True):
        return super().__new__(cls, data, requires_grad)

    # Keras-facing attributes live in the instance __dict__ so torch's own
    # Parameter machinery (deepcopy, pickling, state_dict) carries them along;
    # these class defaults make reading them a plain attribute lookup, which
    # torch.compile traces (it cannot trace `self.__dict__`).
    _ember_name = "variable"
    _ember_path = None
    _ember_regularizer = None
    _ember_constraint = None

    @property
    def name(self) -> str:
        return self._ember_name

    @property
    def path(self) -> str:
        return self._ember_path or self._ember_name

    @property
    def trainable(self) -> bool:
        return self.requires_grad

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.requires_grad_(bool(value))

    @property
    def value(self) -> torch.Tensor:
        return self

    @property
    def regularizer(self):
        return self._ember_regularizer

    @property
    def constraint(self):
        return self._ember_constraint

    def numpy(self, *, force: bool = False) -> np.ndarray:
        # `force` is torch's `Tensor.numpy` argument (torch's own tools pass it);
        # a Variable's value is always copied to the host, detached.
        return host_copy(self, force=force)

    def assign(self, value) -> "Variable":
        value = torch.as_tensor(
            np.asarray(value) if not torch.is_tensor(value) else value
        )
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to variable "
                f"'{self.path}' of shape {tuple(self.shape)}."
            )
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value) -> "Variable":
        with torch.no_grad():
            self.add_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self

    def assign_sub(self, value) -> "Variable":
        with torch.no_grad():
            self.sub_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self

    def __deepcopy__(self, memo):
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        result.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return result

    def __repr__(self) -> str:
        return (
            f"<Variable path={self.path}, shape={tuple(self.shape)}, "
            f"dtype={dtypes.standardize_dtype(self.dtype)}, "
            f"trainable={self.trainable}>"
        )


def host_copy(tensor, *, force: bool = False) -> np.ndarray:
    """A NumPy copy of `tensor` that later changes to the tensor leave alone
    (as Keras's `get_weights()`/`numpy()` give; a CPU tensor's `.numpy()` would
    share its memory)."""
    host = tensor.detach().cpu()
    array = host.numpy(force=force)
    return array.copy() if host.device == tensor.device else array


def make_variable(value, *, name, path, trainable, regularizer=None, constraint=None):
    """Wraps a tensor as a `Variable` with Keras's metadata attached."""
    variable = Variable(value, requires_grad=bool(trainable))
    variable.__dict__.update(
        _ember_name=name,
        _ember_path=path,
        _ember_regularizer=regularizer,
        _ember_constraint=constraint,
    )
    return variable


def meta_like(tensor: torch.Tensor) -> torch.Tensor:
    """A meta-device stand-in for `tensor` with the same class and metadata."""
    if hasattr(tensor, "_local_tensor"):
        # Sharded across processes (a DTensor): a plain stand-in of its
        # global shape.
        meta = torch.empty(tensor.shape, dtype=tensor.dtype, device="meta")
        cls = Variable if isinstance(tensor, Variable) else torch.nn.Parameter
    else:
        meta = torch.empty_like(tensor, device="meta")
        cls = type(tensor)
    if isinstance(tensor, torch.nn.Parameter):
        meta = cls(meta, tensor.requires_grad)
        meta.__dict__.update(
            {k: v for k, v in tensor.__dict__.items() if k != "_ember_full_cache"}
        )
    return meta
