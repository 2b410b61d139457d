"""NumPy-style shape manipulation, joining/splitting and indexing ops."""

import builtins

import numpy as np
import torch
import torch.nn.functional as F

from ember.backend.symbolic import symbolic_op
from ember.ops._operands import axes, promoted, tensor

# --- Shape -------------------------------------------------------------------


@symbolic_op
def reshape(x, newshape):
    """Gives a new shape to a tensor without changing its data (`-1` infers)."""
    if isinstance(newshape, int):
        newshape = (newshape,)
    return torch.reshape(tensor(x), tuple(-1 if d is None else d for d in newshape))


@symbolic_op
def transpose(x, axes=None):
    """Permutes the axes of a tensor (reverses them when `axes` is None)."""
    x = tensor(x)
    if axes is None:
        return x.permute(*reversed(range(x.ndim)))
    return x.permute(*axes)


@symbolic_op
def expand_dims(x, axis):
    """Inserts new axes of size 1 at the positions `axis` (int or tuple)."""
    x = tensor(x)
    for a in _axes_of_output(axis, x.ndim):
        x = x.unsqueeze(a)
    return x


def _axes_of_output(axis, ndim):
    if isinstance(axis, int):
        axis = (axis,)
    return axes(axis, ndim + len(axis))


@symbolic_op
def squeeze(x, axis=None):
    """Removes axes of size 1 (all of them, or those in `axis`)."""
    x = tensor(x)
    if axis is None:
        return torch.squeeze(x)
    dims = axes(axis, x.ndim)
    for d in dims:
        if x.shape[d] != 1:
            raise ValueError(
                f"Cannot squeeze axis {d} of a tensor of shape {tuple(x.shape)}: "
                "its size is not 1."
            )
    return torch.squeeze(x, dim=dims)


@symbolic_op
def moveaxis(x, source, destination):
    """Moves axes of a tensor to new positions."""
    return torch.movedim(tensor(x), source, destination)


@symbolic_op
def swapaxes(x, axis1, axis2):
    """Interchanges two axes of a tensor."""
    return torch.swapaxes(tensor(x), axis1, axis2)


@symbolic_op
def ravel(x):
    """Returns a contiguous flattened tensor."""
    return torch.ravel(tensor(x))


@symbolic_op
def broadcast_to(x, shape):
    """Broadcasts a tensor to a new shape."""
    return torch.broadcast_to(tensor(x), tuple(shape))


def ndim(x) -> int:
    """Returns the number of dimensions of a tensor."""
    return len(getattr(x, "shape", np.shape(x)))


@symbolic_op
def size(x):
    """Returns the number of elements in a tensor (as a 0-d int tensor)."""
    return torch.tensor(tensor(x).numel(), device="cpu")


@symbolic_op
def copy(x):
    """Returns a copy of `x`."""
    return torch.clone(tensor(x))


@symbolic_op
def flip(x, axis=None):
    """Reverses the order of elements along the given axis (or all axes)."""
    x = tensor(x)
    return torch.flip(x, axes(axis, x.ndim))


@symbolic_op
def roll(x, shift, axis=None):
    """Rolls tensor elements along a given axis (flattened when `None`)."""
    x = tensor(x)
    if axis is None:
        return torch.roll(x.reshape(-1), shift).reshape(x.shape)
    return torch.roll(x, shift, dims=axis)


@symbolic_op
def tile(x, repeats):
    """Repeats `x` the number of times given by `repeats` along each axis."""
    if isinstance(repeats, torch.Tensor):
        repeats = repeats.tolist()
    if isinstance(repeats, int):
        repeats = (repeats,)
    return torch.tile(tensor(x), tuple(int(r) for r in repeats))


@symbolic_op
def repeat(x, repeats, axis=None):
    """Repeats each element of a tensor after themselves (NumPy `repeat`)."""
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if isinstance(repeats, int):
        return torch.repeat_interleave(x, repeats, dim=axis)
    repeats = tensor(repeats, like=x).long()
    if repeats.ndim == 0 or repeats.numel() == 1:
        return torch.repeat_interleave(x, int(repeats.reshape(())), dim=axis)
    # The output length is the sum of `repeats`, known from the values.
    total = int(repeats.sum()) if not repeats.is_meta else None
    return torch.repeat_interleave(x, repeats, dim=axis, output_size=total)


@symbolic_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads a tensor, with NumPy's `pad_width` order (first axis first).

    Args:
        x: Tensor to pad.
        pad_width: An int, a pair `(before, after)` for all axes, or one pair
            per axis.
        mode: `"constant"`, `"edge"`, `"reflect"`, `"symmetric"`, `"wrap"`,
            `"maximum"`, `"minimum"`, `"mean"`, `"median"` or `"empty"`.
        constant_values: The fill value for `mode="constant"` (default 0).

    Returns:
        The padded tensor.
    """
    x = tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "Argument `constant_values` can only be provided when "
            f"mode='constant'. Received: mode={mode!r}."
        )
    if mode in ("constant", "empty"):
        flat = [int(w) for pair in widths[::-1] for w in pair]
        value = 0 if constant_values is None else constant_values
        return F.pad(x, flat, mode="constant", value=value)
    for axis in range(x.ndim):
        before, after = (int(w) for w in widths[axis])
        if before or after:
            x = _pad_axis(x, axis, before, after, mode)
    return x


def _pad_axis(x, axis, before, after, mode):
    n = x.shape[axis]
    if mode in ("edge", "reflect", "symmetric", "wrap"):
        idx = torch.arange(-before, n + after, device=x.device)
        if mode == "edge":
            idx = idx.clamp(0, n - 1)
        elif mode == "wrap":
            idx = idx % n
        elif mode == "reflect":
            period = builtins.max(2 * n - 2, 1)
            idx = idx % period
            idx = torch.where(idx >= n, period - idx, idx)
        else:
            idx = idx % (2 * n)
            idx = torch.where(idx >= n, 2 * n - 1 - idx, idx)
        return torch.index_select(x, axis, idx)
    stats = {
        "maximum": lambda t: torch.amax(t, dim=axis, keepdim=True),
        "minimum": lambda t: torch.amin(t, dim=axis, keepdim=True),
        "mean": lambda t: torch.mean(t.double(), dim=axis, keepdim=True),
        "median": lambda t: torch.quantile(t.double(), 0.5, dim=axis, keepdim=True),
    }
    if mode not in stats:
        raise ValueError(
            "Invalid value for argument `mode` of `pad`: expected one of "
            "'constant', 'edge', 'reflect', 'symmetric', 'wrap', 'maximum', "
            f"'minimum', 'mean', 'median', 'empty'. Received: mode={mode!r}."
        )
    value = stats[mode](x)
    if not x.dtype.is_floating_point:
        value = torch.round(value)
    value = value.to(x.dtype)
    shape_before, shape_after = list(x.shape), list(x.shape)
    shape_before[axis], shape_after[axis] = before, after
    return torch.cat(
        [value.expand(shape_before), x, value.expand(shape_after)], dim=axis
    )


# --- Joining and splitting -----------------------------------------------------


def _joinable(xs):
    tensors, _ = promoted(*xs)
    return tensors


@symbolic_op
def concatenate(xs, axis=0):
    """Joins a sequence of tensors along an existing axis (`None` flattens)."""
    xs = _joinable(xs)
    if axis is None:
        return torch.cat([x.reshape(-1) for x in xs])
    return torch.cat(xs, dim=axis)


@symbolic_op
def stack(x, axis=0):
    """Joins a sequence of tensors along a new axis."""
    return torch.stack(_joinable(x), dim=axis)


@symbolic_op
def append(x1, x2, axis=None):
    """Appends `x2` to the end of `x1` along `axis` (flattened when `None`)."""
    x1, x2 = _joinable((x1, x2))
    if axis is None:
        return torch.cat([x1.reshape(-1), x2.reshape(-1)])
    return torch.cat([x1, x2], dim=axis)


@symbolic_op
def hstack(xs):
    """Stacks tensors in sequence horizontally (column wise)."""
    return torch.hstack(_joinable(xs))


@symbolic_op
def vstack(xs):
    """Stacks tensors in sequence vertically (row wise)."""
    return torch.vstack(_joinable(xs))


@symbolic_op
def split(x, indices_or_sections, axis=0):
    """Splits a tensor into sub-tensors (NumPy semantics).

    Args:
        x: Input tensor.
        indices_or_sections: An int `N` for `N` equal parts, or a sorted list
            of indices where to split.
        axis: The axis along which to split.

    Returns:
        A list of tensors.
    """
    x = tensor(x)
    dim = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if dim % indices_or_sections:
            raise ValueError(
                f"Received indices_or_sections={indices_or_sections} (a number "
                f"of sections) and axis={axis}, but x.shape[{axis}]={dim} is not "
                f"divisible by {indices_or_sections}. Full shape: "
                f"{tuple(x.shape)}."
            )
        if dim == 0:
            return [x.clone() for _ in range(indices_or_sections)]
        return list(torch.split(x, dim // indices_or_sections, dim=axis))
    bounds = [0, *(builtins.min(int(i), dim) for i in indices_or_sections), dim]
    sizes = [
        builtins.max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return list(torch.split(x, sizes, dim=axis))


@symbolic_op
def array_split(x, indices_or_sections, axis=0):
    """Splits a tensor into `N` parts of nearly equal size (or at indices)."""
    return list(torch.tensor_split(tensor(x), indices_or_sections, dim=axis))


@symbolic_op
def meshgrid(*x, indexing="xy"):
    """Creates grids of coordinates from coordinate vectors."""
    return list(torch.meshgrid(*[tensor(v) for v in x], indexing=indexing))


# --- Indexing ------------------------------------------------------------------


def _wrap_negative(indices: torch.Tensor, size: int) -> torch.Tensor:
    return torch.where(indices < 0, indices + size, indices)


@symbolic_op
def take(x, indices, axis=None):
    """Takes elements from a tensor along an axis (flattened when `None`).

    Negative indices count from the end.
    """
    x = tensor(x)
    indices = tensor(indices, like=x).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    indices = _wrap_negative(indices, x.shape[axis])
    if x.ndim == 2 and axis == 0:
        return F.embedding(indices, x)
    out = torch.index_select(x, axis, indices.reshape(-1))
    return out.reshape(*x.shape[:axis], *indices.shape, *x.shape[axis + 1 :])


@symbolic_op
def take_along_axis(x, indices, axis=None):
    """Takes values from `x` at 1-D `indices` along `axis` (broadcasting)."""
    x = tensor(x)
    indices = tensor(indices, like=x).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
    indices = _wrap_negative(indices, x.shape[axis])
    return torch.take_along_dim(x, indices, dim=axis)


def _index_dims(key, ndim):
    """How many axes of the indexed tensor each item of `key` consumes."""
    counts = []
    for item in key:
        if item is None:
            counts.append(0)
        elif item is Ellipsis:
            counts.append(None)
        elif getattr(item, "dtype", None) in (torch.bool, np.bool_, bool):
            counts.append(builtins.max(len(getattr(item, "shape", ())), 1))
        elif isinstance(item, bool):
            counts.append(0)
        else:
            counts.append(1)
    if None in counts:
        rest = ndim - builtins.sum(c for c in counts if c is not None)
        counts[counts.index(None)] = rest
    return counts


def _positive_steps(x, key):
    """Rewrites slices with negative steps, which torch lacks, as flips."""
    if not builtins.any(
        isinstance(k, builtins.slice) and k.step is not None and k.step < 0 for k in key
    ):
        return x, key
    new_key, dim, flips = [], 0, []
    for item, count in zip(key, _index_dims(key, x.ndim), strict=True):
        if isinstance(item, builtins.slice) and item.step is not None and item.step < 0:
            n = x.shape[dim]
            picked = range(n)[item]
            flips.append(dim)
            if len(picked) == 0:
                item = builtins.slice(0, 0)
            else:
                start = n - 1 - picked[0]
                item = builtins.slice(
                    start, start + len(picked) * -item.step, -item.step
                )
        new_key.append(item)
        dim += count
    return torch.flip(x, flips), tuple(new_key)


@symbolic_op
def get_item(x, key):
    """Returns `x[key]` with NumPy indexing (negative steps included)."""
    x = tensor(x)
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(
        tensor(k, like=x) if isinstance(k, (list, np.ndarray)) else k for k in key
    )
    x, key = _positive_steps(x, key)
    return x[key]


@symbolic_op
def tril(x, k=0):
    """Returns the lower triangle of a tensor (the last two axes)."""
    return torch.tril(tensor(x), diagonal=k)


@symbolic_op
def triu(x, k=0):
    """Returns the upper triangle of a tensor (the last two axes)."""
    return torch.triu(tensor(x), diagonal=k)


@symbolic_op
def diag(x, k=0):
    """Extracts a diagonal (2-D input) or builds a diagonal matrix (1-D input)."""
    x = tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"`diag` expects a 1-D or 2-D tensor. Received: shape={tuple(x.shape)}."
        )
    return torch.diag(x, diagonal=k)


@symbolic_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """Returns the specified diagonals (moved to the last axis)."""
    return torch.diagonal(tensor(x), offset=offset, dim1=axis1, dim2=axis2)


@symbolic_op
def diagflat(x, k=0):
    """Builds a 2-D tensor with the flattened input on the `k`-th diagonal."""
    return torch.diagflat(tensor(x), offset=k)


@symbolic_op
def rot90(array, k=1, axes=(0, 1)):
    """Rotates a tensor by 90 degrees `k` times in the plane of `axes`."""
    array = tensor(array)
    if array.ndim < 2:
        raise ValueError(
            "`rot90` needs a tensor of rank 2 or more. "
            f"Received: shape={tuple(array.shape)}."
        )
    return torch.rot90(array, k, dims=tuple(axes))


@symbolic_op
def fliplr(x):
    """Reverses the order of elements along axis 1 (left/right)."""
    return torch.fliplr(tensor(x))


@symbolic_op
def flipud(x):
    """Reverses the order of elements along axis 0 (up/down)."""
    return torch.flipud(tensor(x))


@symbolic_op
def dstack(xs):
    """Stacks tensors in sequence depth wise (along the third axis)."""
    return torch.dstack(_joinable(xs))


def _split_points(indices_or_sections):
    if isinstance(indices_or_sections, int):
        return indices_or_sections
    return [int(i) for i in indices_or_sections]


@symbolic_op
def hsplit(x, indices_or_sections):
    """Splits a tensor horizontally (column wise; axis 0 for 1-D tensors)."""
    return list(torch.hsplit(tensor(x), _split_points(indices_or_sections)))


@symbolic_op
def vsplit(x, indices_or_sections):
    """Splits a tensor vertically (row wise, axis 0)."""
    return list(torch.vsplit(tensor(x), _split_points(indices_or_sections)))


@symbolic_op
def dsplit(x, indices_or_sections):
    """Splits a tensor depth wise (along the third axis)."""
    return list(torch.dsplit(tensor(x), _split_points(indices_or_sections)))


@symbolic_op
def unravel_index(indices, shape):
    """Converts flat indices into a tuple of coordinate tensors for `shape`."""
    indices = tensor(indices)
    return tuple(
        i.to(indices.dtype) for i in torch.unravel_index(indices, tuple(shape))
    )
