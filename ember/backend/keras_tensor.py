"""`KerasTensor`: a symbolic tensor (shape with `None` for unknown sizes, dtype).

Functional models are graphs of `KerasTensor`s. Each one remembers the node that
made it (`_keras_history`); operators and any `torch` function called on it record
a new node whose output shape is inferred on torch's meta device.
"""

import torch

from ember.backend import dtypes


class KerasTensor:
    """A symbolic placeholder for a tensor: `shape` (batch `None`), `dtype`, `name`."""

    def __init__(
        self, shape, dtype="float32", sparse=False, name=None, record_history=True
    ):
        self._shape = tuple(None if d is None else int(d) for d in shape)
        self._dtype = dtypes.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.name = name
        self._keras_history = None
        self._keras_mask = None

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def __repr__(self) -> str:
        name = f", name={self.name}" if self.name else ""
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
            f"sparse={self.sparse}{name}>"
        )

    # A KerasTensor has no values: fail early and say what to do.
    def _no_values(self, what):
        raise TypeError(
            f"A KerasTensor (shape={self.shape}, dtype={self.dtype}) is symbolic: it "
            f"has no values, so {what} is not possible. KerasTensors are placeholders "
            "for building functional models; call the finished model on real data "
            "(a torch tensor or numpy array) to get values."
        )

    def numpy(self):
        self._no_values("converting it to numpy")

    def __array__(self, dtype=None, copy=None):
        self._no_values("converting it to a numpy array")

    def __bool__(self):
        self._no_values("using it as a Python bool")

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        self._no_values("taking len() of an unknown dimension")

    def __iter__(self):
        self._no_values("iterating over it")

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        # Any torch function on a KerasTensor joins the functional graph.
        from ember.backend.symbolic import FunctionOperation

        return FunctionOperation(func)(*args, **(kwargs or {}))

    # Operators go through ember.ops (imported late: ops sit above the backend).
    def _op(self, name, *args):
        from ember import ops

        return getattr(ops, name)(*args)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("true_divide", self, other)

    def __rtruediv__(self, other):
        return self._op("true_divide", other, self)

    def __floordiv__(self, other):
        return self._op("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return self._op("floor_divide", other, self)

    def __mod__(self, other):
        return self._op("mod", self, other)

    def __rmod__(self, other):
        return self._op("mod", other, self)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __rpow__(self, other):
        return self._op("power", other, self)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, self)

    def __neg__(self):
        return self._op("negative", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self._op("absolute", self)

    def __invert__(self):
        return self._op("logical_not", self)

    def __and__(self, other):
        return self._op("logical_and", self, other)

    def __or__(self, other):
        return self._op("logical_or", self, other)

    def __xor__(self, other):
        return self._op("logical_xor", self, other)

    def __rand__(self, other):
        return self._op("logical_and", other, self)

    def __ror__(self, other):
        return self._op("logical_or", other, self)

    def __rxor__(self, other):
        return self._op("logical_xor", other, self)

    def __round__(self, ndigits=None):
        return self._op("round", self, ndigits or 0)

    def __lt__(self, other):
        return self._op("less", self, other)

    def __le__(self, other):
        return self._op("less_equal", self, other)

    def __gt__(self, other):
        return self._op("greater", self, other)

    def __ge__(self, other):
        return self._op("greater_equal", self, other)

    def __getitem__(self, key):
        return self._op("get_item", self, key)

    # `==` builds an op, as in Keras; graph bookkeeping therefore keys on id().
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self._op("equal", self, other)

    def __ne__(self, other):
        return self._op("not_equal", self, other)


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)


def any_symbolic(args=(), kwargs=None) -> bool:
    """True when a KerasTensor sits anywhere in `args`/`kwargs`."""
    for value in args:
        if isinstance(value, KerasTensor) or (
            isinstance(value, (list, tuple, dict)) and _nested_symbolic(value)
        ):
            return True
    if kwargs:
        return any_symbolic(tuple(kwargs.values()))
    return False


def _nested_symbolic(value) -> bool:
    items = value.values() if isinstance(value, dict) else value
    for item in items:
        if isinstance(item, KerasTensor) or (
            isinstance(item, (list, tuple, dict)) and _nested_symbolic(item)
        ):
            return True
    return False


def torch_dtype(x: KerasTensor) -> torch.dtype:
    return dtypes.to_torch_dtype(x.dtype)
