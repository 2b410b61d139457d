"""Core ops: tensor conversion, casting, control flow and scatter/slice updates."""

import builtins

import numpy as np
import torch

from ember.backend import config, tree
from ember.backend.dtypes import standardize_dtype, to_torch_dtype
from ember.backend.keras_tensor import KerasTensor
from ember.backend.symbolic import in_meta_pass, symbolic_op
from ember.ops.dtypes import result_type

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _python_scalar_dtype(x) -> torch.dtype:
    if isinstance(x, bool):
        return torch.bool
    if isinstance(x, int):
        return torch.int32 if _INT32_MIN <= x <= _INT32_MAX else torch.int64
    if isinstance(x, float):
        return to_torch_dtype(config.floatx())
    return torch.complex64


def _to_tensor(x, dtype=None, device=None) -> torch.Tensor:
    """`convert_to_tensor` without the symbolic check: the ops' entry point."""
    if isinstance(x, torch.Tensor):
        if dtype is not None:
            dtype = to_torch_dtype(dtype)
            if x.dtype != dtype:
                x = x.to(dtype)
        return x
    if isinstance(x, (bool, int, float, complex)):
        dt = _python_scalar_dtype(x) if dtype is None else to_torch_dtype(dtype)
        return torch.tensor(x, dtype=dt, device=device)
    if isinstance(x, (list, tuple)):
        if any(isinstance(item, torch.Tensor) for item in x):
            return torch.stack([_to_tensor(item, dtype, device) for item in x])
        if dtype is None:
            leaves = tree.flatten(x)
            dtype = result_type(*(getattr(v, "dtype", type(v)) for v in leaves))
    array = np.asarray(x)
    if array.dtype == object:
        raise TypeError(
            "Cannot convert to a tensor: expected a number, a nested list of "
            f"numbers, an array or a tensor. Received: {type(x).__name__} {x!r}."
        )
    if dtype is None:
        dtype = standardize_dtype(array.dtype)
    if not array.flags.writeable:
        # torch would share the read-only buffer (and warn): copy it instead.
        array = array.copy()
    return torch.as_tensor(array, dtype=to_torch_dtype(dtype), device=device)


@symbolic_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Converts a NumPy array, Python value or tensor to a torch tensor.

    Torch tensors pass through without a copy (cast if `dtype` differs). Python
    floats become `floatx()`, Python ints `int32` (`int64` when too large),
    NumPy arrays keep their dtype.

    Args:
        x: The value to convert.
        dtype: Optional target dtype.
        sparse: Unsupported on torch; must be falsy.
        ragged: Unsupported on torch; must be falsy.

    Returns:
        A `torch.Tensor`.
    """
    if sparse or ragged:
        kind = "sparse" if sparse else "ragged"
        raise ValueError(
            f"Invalid value for argument `{kind}` of `convert_to_tensor`: "
            f"{kind} tensors are not supported by ember. Received: {kind}=True."
        )
    return _to_tensor(x, dtype)


def convert_to_numpy(x):
    """Converts a tensor (or nested list of tensors) to a NumPy array."""
    if isinstance(x, (list, tuple)):
        return np.array([convert_to_numpy(item) for item in x])
    if isinstance(x, torch.Tensor):
        host = x.detach()
        if host.device.type != "cpu":
            host = host.cpu()
        if host.dtype == torch.bfloat16:
            # NumPy has no bfloat16: return float32 values.
            host = host.float()
        array = host.numpy()
        # A copy, as in Keras: the array must not change with the tensor.
        return array.copy() if host.data_ptr() == x.data_ptr() else array
    return np.asarray(x)


@symbolic_op
def cast(x, dtype):
    """Casts a tensor to `dtype`.

    Args:
        x: A tensor or value.
        dtype: The target dtype, e.g. `"float32"`.

    Returns:
        A tensor of dtype `dtype` (`x` itself when it already has that dtype).
    """
    return _to_tensor(x, standardize_dtype(dtype))


def _dtype_limits(dtype: torch.dtype):
    if dtype == torch.bool:
        return 0, 1
    info = torch.finfo(dtype) if dtype.is_floating_point else torch.iinfo(dtype)
    return info.min, info.max


@symbolic_op
def saturate_cast(x, dtype):
    """Casts `x` to `dtype`, clipping values to the range `dtype` can hold."""
    x = _to_tensor(x)
    target = to_torch_dtype(dtype)
    lo_in, hi_in = _dtype_limits(x.dtype)
    lo_out, hi_out = _dtype_limits(target)
    lo, hi = builtins.max(lo_in, lo_out), builtins.min(hi_in, hi_out)
    if x.dtype.is_floating_point:
        # The bound itself may round past the target range in x's dtype.
        lo_t = torch.tensor(lo, dtype=x.dtype, device="cpu")
        hi_t = torch.tensor(hi, dtype=x.dtype, device="cpu")
        if lo_t < lo_out:
            lo_t = torch.nextafter(lo_t, torch.zeros_like(lo_t))
        if hi_t > hi_out:
            hi_t = torch.nextafter(hi_t, torch.zeros_like(hi_t))
        lo, hi = lo_t.item(), hi_t.item()
    if x.dtype == torch.bool:
        return x.to(target)
    return torch.clamp(x, lo, hi).to(target)


def shape(x) -> tuple:
    """Returns the shape of `x` as a tuple (`None` for unknown symbolic sizes)."""
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    return tuple(np.shape(x))


def dtype(x) -> str:
    """Returns the Keras name of the dtype of `x`, e.g. `"float32"`."""
    return standardize_dtype(x.dtype)


def is_tensor(x) -> bool:
    """Returns whether `x` is a torch tensor."""
    return isinstance(x, torch.Tensor)


@symbolic_op
def stop_gradient(variable):
    """Returns `variable` cut off from gradient computation (a detached view)."""
    return _to_tensor(variable).detach()


@symbolic_op
def cond(pred, true_fn, false_fn):
    """Returns `true_fn()` if `pred` is true, else `false_fn()`.

    Symbolic shape inference follows `true_fn`.
    """
    if in_meta_pass():
        return true_fn()
    return true_fn() if bool(pred) else false_fn()


@symbolic_op
def switch(index, branches, *operands):
    """Calls `branches[index](*operands)`; `index` is clamped to the valid range."""
    index = int(index) if not in_meta_pass() else 0
    index = builtins.min(builtins.max(index, 0), len(branches) - 1)
    return branches[index](*operands)


def _tuple_of_tensors(values):
    return tuple(tree.map_structure(_to_tensor, tuple(values)))


@symbolic_op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds.

    Args:
        cond: A callable returning a boolean for the loop variables.
        body: A callable returning the new loop variables.
        loop_vars: A tensor or a tuple/list of tensors.
        maximum_iterations: Optional bound on the number of iterations.

    Returns:
        The final loop variables, in the structure of `loop_vars`.
    """
    is_sequence = isinstance(loop_vars, (list, tuple))
    state = _tuple_of_tensors(loop_vars if is_sequence else (loop_vars,))
    step = 0
    while (maximum_iterations is None or step < maximum_iterations) and bool(
        cond(*state)
    ):
        state = body(*state)
        if not isinstance(state, (list, tuple)):
            state = (state,)
        state = tuple(state)
        step += 1
    return state if is_sequence else state[0]


@symbolic_op
def fori_loop(lower, upper, body_fun, init_val):
    """Returns `init_val` after `val = body_fun(i, val)` for `i` in `[lower, upper)`."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


@symbolic_op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the leading axis of `xs`.

    Args:
        f: A callable `(carry, x) -> (carry, y)`.
        init: The initial carry (a tensor or nested structure).
        xs: Values to scan over along their first axis (or `None`).
        length: The number of steps when `xs` is `None`.
        reverse: Whether to scan from the end.
        unroll: Accepted for API compatibility; the loop runs in Python.

    Returns:
        A tuple `(final_carry, stacked_ys)`.
    """
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f!r}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    xs_flat = [_to_tensor(x) for x in tree.flatten(xs)] if xs is not None else []
    steps = int(length) if length is not None else xs_flat[0].shape[0]
    carry = tree.map_structure(_to_tensor, init)
    ys = []
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for i in order:
        x = tree.pack_sequence_as(xs, [v[i] for v in xs_flat]) if xs_flat else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        stacked = tree.map_structure(
            lambda c: torch.zeros((steps, *c.shape), dtype=c.dtype), carry
        )
    else:
        stacked = tree.map_structure(lambda *items: torch.stack(items), *ys)
    return carry, stacked


@symbolic_op
def associative_scan(f, elems, reverse=False, axis=0):
    """Prefix scan of an associative binary function `f` along `axis`."""
    flat = [_to_tensor(e) for e in tree.flatten(elems)]
    size = flat[0].shape[axis]
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]
    outputs = [[e.narrow(axis, 0, 1)] for e in flat]
    for i in range(1, size):
        prev = tree.pack_sequence_as(elems, [o[-1] for o in outputs])
        cur = tree.pack_sequence_as(elems, [e.narrow(axis, i, 1) for e in flat])
        for out, value in zip(outputs, tree.flatten(f(prev, cur)), strict=True):
            out.append(value)
    result = [torch.cat(o, dim=axis) for o in outputs]
    if reverse:
        result = [torch.flip(r, (axis,)) for r in result]
    return tree.pack_sequence_as(elems, result)


@symbolic_op
def map(f, xs):
    """Applies `f` to each element along the first axis of `xs`; stacks results."""
    flat = [_to_tensor(x) for x in tree.flatten(xs)]
    outputs = [
        f(tree.pack_sequence_as(xs, [v[i] for v in flat]))
        for i in range(flat[0].shape[0])
    ]
    return tree.map_structure(lambda *items: torch.stack(items), *outputs)


@symbolic_op
def vectorized_map(function, elements):
    """Maps `function` over the first axis of `elements`, vectorized by `vmap`."""
    return torch.vmap(function)(elements)


@symbolic_op
def scatter(indices, values, shape):
    """Returns a zero tensor of `shape` with `values` added at `indices`.

    Args:
        indices: Integer tensor of shape `(N, k)`, each row an index into the
            first `k` dimensions of the output.
        values: Tensor of shape `(N, *shape[k:])`.
        shape: The output shape.

    Returns:
        A tensor of `shape`; duplicate indices accumulate.
    """
    indices = _to_tensor(indices).long()
    values = _to_tensor(values)
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    depth = indices.shape[-1]
    indices = indices.reshape(-1, depth)
    values = values.reshape(-1, *tuple(shape)[depth:])
    out.index_put_(tuple(indices.T), values, accumulate=True)
    return out


@symbolic_op
def scatter_update(inputs, indices, updates, reduction=None):
    """Returns a copy of `inputs` with `updates` written at `indices`.

    Args:
        inputs: The tensor to update.
        indices: Integer tensor `(N, k)` of indices into `inputs`' first `k` dims.
        updates: Tensor `(N, *inputs.shape[k:])` of new values.
        reduction: `None` to overwrite, or `"add"`, `"max"`, `"min"`, `"mul"`
            to combine with the existing values.

    Returns:
        The updated copy.
    """
    inputs = _to_tensor(inputs)
    indices = _to_tensor(indices).long()
    updates = _to_tensor(updates, inputs.dtype)
    outputs = inputs.clone()
    index = tuple(indices.T)
    if reduction is None:
        outputs[index] = updates
    elif reduction == "add":
        outputs.index_put_(index, updates, accumulate=True)
    elif reduction in ("max", "min", "mul"):
        combine = {"max": torch.maximum, "min": torch.minimum, "mul": torch.mul}
        for i in range(indices.shape[0]):
            row = tuple(indices[i])
            outputs[row] = combine[reduction](outputs[row], updates[i])
    else:
        raise ValueError(
            "Invalid value for argument `reduction` of `scatter_update`: expected "
            "None, 'add', 'max', 'min' or 'mul'. "
            f"Received: reduction={reduction!r}."
        )
    return outputs


def _ints(values):
    if isinstance(values, torch.Tensor):
        return [int(v) for v in values.tolist()]
    return [int(v) for v in values]


@symbolic_op
def slice(inputs, start_indices, shape):
    """Returns the block of `inputs` of size `shape` starting at `start_indices`."""
    inputs = _to_tensor(inputs)
    index = tuple(
        builtins.slice(start, start + size)
        for start, size in zip(_ints(start_indices), _ints(shape), strict=True)
    )
    return inputs[index]


@symbolic_op
def slice_update(inputs, start_indices, updates):
    """Returns a copy of `inputs` with the block at `start_indices` set to `updates`."""
    inputs = _to_tensor(inputs)
    updates = _to_tensor(updates, inputs.dtype)
    index = tuple(
        builtins.slice(start, start + size)
        for start, size in zip(_ints(start_indices), updates.shape, strict=True)
    )
    outputs = inputs.clone()
    outputs[index] = updates
    return outputs


@symbolic_op
def unstack(x, num=None, axis=0):
    """Splits `x` along `axis` into a list of tensors of one rank less."""
    x = _to_tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(
            f"Invalid value for argument `num` of `unstack`: expected "
            f"x.shape[{axis}]={x.shape[axis]}. Received: num={num}."
        )
    return list(torch.unbind(x, dim=axis))


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, fn, *args):
        output, ctx.grad_fn = fn(*args)
        return output

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.grad_fn(upstream=upstream)
        if not isinstance(grads, (list, tuple)):
            grads = (grads,)
        return (None, *grads)


def custom_gradient(f):
    """Decorates `f` so that it defines its own gradient.

    `f(*args)` returns `(output, grad_fn)`; `grad_fn(upstream=...)` returns the
    gradients with respect to `args` given the gradient of `output`.

    Example:

    >>> @ember.ops.custom_gradient
    ... def log1pexp(x):
    ...     e = ember.ops.exp(x)
    ...     def grad(*args, upstream=None):
    ...         return ember.ops.multiply(upstream, 1.0 - 1.0 / ember.ops.add(1, e))
    ...     return ember.ops.log(1 + e), grad
    """

    def wrapper(*args):
        return _CustomGradient.apply(f, *args)

    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = f.__doc__
    return wrapper
