"""Symbolic execution: operations, graph nodes, and shape inference on meta.

Calling an operation (a layer, or an `ember.ops` function) on `KerasTensor`s runs it
on torch's meta device — tensors with shapes and dtypes but no data — to learn the
output shapes, then records a `Node` linking inputs to outputs. Unknown sizes
(`None`) are found by running twice with two different stand-in sizes.
"""

import contextlib
import functools
import threading

import numpy as np
import torch

from ember.backend import dtypes, naming, tree
from ember.backend.keras_tensor import KerasTensor, any_symbolic
from ember.backend.variable import meta_like

# Two stand-in sizes for unknown dimensions; dims that differ between the runs are None.
_FILL_A, _FILL_B = 83, 89


class CallState(threading.local):
    """Per-thread state of layer calls, read on every call (so: plain attributes).

    `meta_pass`: ember is running operations on meta tensors to infer shapes.
    `training`: the `training` value of the enclosing layer call.
    `depth`: how many layer calls are open. `loss_epoch`: bumped at each
    outermost call; losses added in older epochs are stale.
    """

    meta_pass = False
    training = None
    depth = 0
    loss_epoch = 0


CALL_STATE = CallState()


def in_meta_pass() -> bool:
    """True while ember runs an operation on meta tensors to infer shapes."""
    return CALL_STATE.meta_pass


class Operation:
    """Anything that can sit in a functional graph: has `name` and inbound nodes."""

    def _init_operation(self, name):
        self._inbound_nodes = []
        self._outbound_nodes = []
        self.name = name


class FunctionOperation(Operation):
    """A plain function (an `ember.ops` op, a torch function) as a graph operation."""

    def __init__(self, fn, name=None):
        self.fn = fn
        fn_name = getattr(fn, "__name__", None) or type(fn).__name__
        # Unique per session, as Keras names ops: `add`, `add_1`, ...
        self._init_operation(name or naming.uniquify(naming.to_snake_case(fn_name)))

    def __call__(self, *args, **kwargs):
        if not any_symbolic(args, kwargs):
            return self.fn(*args, **kwargs)
        outputs = compute_output_spec(self.fn, args, kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def __repr__(self):
        return f"<FunctionOperation {self.name}>"


def symbolic_op(fn):
    """Decorates an op so that KerasTensor arguments record a graph node.

    On tensors the op runs directly (one cheap type check of the arguments).
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if any_symbolic(args, kwargs):
            return FunctionOperation(fn)(*args, **kwargs)
        return fn(*args, **kwargs)

    wrapper.__wrapped__ = fn
    return wrapper


class Node:
    """One call of `operation` on symbolic `call_args` producing `outputs`."""

    def __init__(self, operation, call_args, call_kwargs, outputs):
        self.operation = operation
        self.arguments_structure = (tuple(call_args), dict(call_kwargs))
        self.outputs = tree.flatten(outputs)
        self.output_structure = outputs
        self.input_tensors = [
            x
            for x in tree.flatten(self.arguments_structure)
            if isinstance(x, KerasTensor)
        ]
        self.parent_nodes = []
        for x in self.input_tensors:
            if x._keras_history is not None:
                parent_op, node_index, _ = x._keras_history
                parent = parent_op._inbound_nodes[node_index]
                if all(parent is not p for p in self.parent_nodes):
                    self.parent_nodes.append(parent)
                parent_op._outbound_nodes.append(self)
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for i, x in enumerate(self.outputs):
            if isinstance(x, KerasTensor):
                x._keras_history = (operation, node_index, i)

    @property
    def call_args(self):
        return self.arguments_structure[0]

    @property
    def call_kwargs(self):
        return self.arguments_structure[1]

    @property
    def is_input(self) -> bool:
        return not self.input_tensors


@contextlib.contextmanager
def meta_weights(module: torch.nn.Module):
    """Swaps every parameter and buffer under `module` for a meta stand-in, then back."""
    saved = []
    meta_of = {}
    for sub in module.modules():
        for store in (sub._parameters, sub._buffers):
            for key, value in store.items():
                if value is None or value.device.type == "meta":
                    continue
                if id(value) not in meta_of:
                    meta_of[id(value)] = meta_like(value)
                saved.append((store, key, value))
                store[key] = meta_of[id(value)]
    try:
        yield
    finally:
        for store, key, value in saved:
            store[key] = value


def _to_stand_in(x, fill, device):
    if isinstance(x, KerasTensor):
        shape = [fill if d is None else d for d in x.shape]
        if x.dtype == dtypes.STRING:
            return np.full(shape, "", dtype=object)  # text stays NumPy
        tensor = torch.zeros(shape, dtype=dtypes.to_torch_dtype(x.dtype), device=device)
        if x._keras_mask is not None:
            tensor._keras_mask = _to_stand_in(x._keras_mask, fill, device)
        return tensor
    if device == "meta" and isinstance(x, torch.Tensor) and x.device.type != "meta":
        return meta_like(x) if x.ndim else x  # 0-d CPU tensors mix with meta freely
    if device == "meta" and isinstance(x, np.ndarray):
        return torch.empty(x.shape, dtype=dtypes.to_torch_dtype(x.dtype), device="meta")
    return x


def _run(fn, args, kwargs, fill, device):
    stand_args, stand_kwargs = tree.map_structure(
        lambda x: _to_stand_in(x, fill, device), (args, kwargs)
    )
    with torch.no_grad(), torch.device(device):
        return fn(*stand_args, **stand_kwargs)


def _run_meta_or_eager(fn, args, kwargs, fill):
    previous = CALL_STATE.meta_pass
    CALL_STATE.meta_pass = True
    try:
        return _run(fn, args, kwargs, fill, "meta")
    except (NotImplementedError, RuntimeError):
        # Some kernels have no meta implementation, or read values
        # (`.item()`): fall back to real zeros on the CPU.
        pass
    finally:
        CALL_STATE.meta_pass = previous
    return _run(fn, args, kwargs, fill, "cpu")


def _has_unknown_dims(args, kwargs) -> bool:
    return any(
        isinstance(x, KerasTensor) and None in x.shape
        for x in tree.flatten((args, kwargs))
    )


def _to_spec(first, second):
    if isinstance(first, np.ndarray) and first.dtype.kind in "OUS":
        shape = tuple(
            a if second is None or a == b else None
            for a, b in zip(first.shape, getattr(second, "shape", first.shape))
        )
        return KerasTensor(shape, dtypes.STRING)
    if not isinstance(first, torch.Tensor):
        return first
    shape = tuple(
        a if second is None or a == b else None
        for a, b in zip(
            first.shape, (second.shape if second is not None else first.shape)
        )
    )
    spec = KerasTensor(shape, dtypes.standardize_dtype(first.dtype))
    mask = getattr(first, "_keras_mask", None)
    if mask is not None:
        second_mask = (
            getattr(second, "_keras_mask", None) if second is not None else None
        )
        spec._keras_mask = _to_spec(mask, second_mask)
    return spec


def compute_output_spec(fn, args, kwargs):
    """Runs `fn` on stand-ins for the KerasTensors in `args`/`kwargs`.

    Returns the outputs as KerasTensors (with masks as KerasTensors where the
    outputs carried `_keras_mask`). Unknown dimensions stay `None`.
    """
    first = _run_meta_or_eager(fn, args, kwargs, _FILL_A)
    if not _has_unknown_dims(args, kwargs):
        return tree.map_structure(lambda a: _to_spec(a, None), first)
    second = _run_meta_or_eager(fn, args, kwargs, _FILL_B)
    flat_first, flat_second = tree.flatten(first), tree.flatten(second)
    specs = [_to_spec(a, b) for a, b in zip(flat_first, flat_second)]
    return tree.pack_sequence_as(first, specs)
