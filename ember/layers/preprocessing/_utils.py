"""Shared helpers of the preprocessing layers: string inputs, categorical
encodings, and the batches `adapt()` reads.

Torch has no string tensors, so strings travel as NumPy object arrays of
Python `str` (lists, tuples, `bytes` and NumPy `U`/`S` arrays are accepted and
converted); numeric results are torch tensors.
"""

import numpy as np
import torch

from ember.backend.errors import ArgumentError

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


# --------------------------------------------------------------------- strings
def is_string_input(x) -> bool:
    """Whether `x` holds strings (a str, bytes, or a list/array of them)."""
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "USa":
            return True
        if x.dtype.kind == "O":
            return x.size == 0 or isinstance(x.reshape(-1)[0], (str, bytes))
        return False
    if isinstance(x, (list, tuple)):
        first = _first_leaf(x)
        return isinstance(first, (str, bytes))
    return False


def _first_leaf(x):
    while isinstance(x, (list, tuple)):
        if not x:
            return None
        x = x[0]
    if isinstance(x, np.ndarray):
        return x.reshape(-1)[0] if x.size else None
    return x


def to_string_array(x, encoding="utf-8") -> np.ndarray:
    """`x` as a NumPy object array of Python `str` (bytes decoded)."""
    if isinstance(x, (str, bytes)):
        x = [x]
        scalar = True
    else:
        scalar = False
    array = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    if array.dtype.kind == "U" or array.dtype.kind == "S" or array.dtype != object:
        array = array.astype(object)
    flat = array.reshape(-1)
    if any(isinstance(v, bytes) for v in flat.tolist()):
        flat = np.array(
            [v.decode(encoding) if isinstance(v, bytes) else v for v in flat.tolist()],
            dtype=object,
        )
        array = flat.reshape(array.shape)
    return array.reshape(()) if scalar else array


def to_int_tensor(x) -> torch.Tensor:
    """Integer (or float) data as a torch tensor; lists become tensors."""
    if isinstance(x, torch.Tensor):
        return x
    return torch.as_tensor(np.asarray(x))


# -------------------------------------------------------------- categoricals
def encode_categorical(indices, output_mode, depth, dtype, count_weights=None):
    """Encodes integer `indices` as Keras's `one_hot`/`multi_hot`/`count`.

    Indices outside `[0, depth)` contribute nothing (as masked or padded
    tokens). As Keras does, `multi_hot` and `count` reduce axis 1 of inputs of
    rank 2 or more (the token axis of a batch of samples) and axis 0 of rank-1
    inputs; `one_hot` drops a trailing axis of size 1 first.
    """
    torch_dtype = dtype if isinstance(dtype, torch.dtype) else _torch_dtype(dtype)
    if output_mode == "int":
        return indices.to(torch_dtype)
    if indices.ndim == 0:
        indices = indices.reshape(1)
    indices = indices.long()
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices.squeeze(-1)
        classes = torch.arange(depth, device=indices.device)
        return (indices.unsqueeze(-1) == classes).to(torch_dtype)
    axis = 1 if indices.ndim > 1 else 0
    tokens = indices.movedim(axis, -1)
    valid = (tokens >= 0) & (tokens < depth)
    safe = torch.where(valid, tokens, torch.zeros_like(tokens))
    if count_weights is not None and output_mode == "count":
        weights = torch.as_tensor(count_weights, device=indices.device)
        torch_dtype = weights.dtype
        values = weights.movedim(axis, -1).to(torch_dtype) * valid
    else:
        values = valid.to(torch_dtype)
    out = torch.zeros(
        (*tokens.shape[:-1], depth), dtype=torch_dtype, device=indices.device
    )
    if output_mode == "multi_hot":
        return out.scatter_reduce_(-1, safe, values, reduce="amax")
    return out.scatter_add_(-1, safe, values)


def encoded_shape(input_shape, output_mode, depth):
    """The output shape of `encode_categorical` for an input shape."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)


def _torch_dtype(name):
    from ember.backend import dtypes

    return dtypes.to_torch_dtype(name)


def check_choice(argument, value, allowed, owner=None):
    """Raises an `ArgumentError` unless `value` is one of `allowed`."""
    if not isinstance(value, str) or value not in allowed:
        raise ArgumentError(
            argument, "one of " + ", ".join(f'"{m}"' for m in allowed), value, owner
        )


# --------------------------------------------------------------------- adapt
def adapt_batches(data, steps=None, arrays_are_one_batch=True):
    """Yields the batches `adapt(data)` reads, as NumPy arrays or tensors.

    An array, tensor, list or tuple is one batch; an iterable (a generator, a
    torch `DataLoader`, an `ember.utils.PyDataset`, ...) yields batches, and of
    `(x, y)` pairs only `x` is used. `steps` limits the number of batches.
    """
    if _is_single_batch(data, arrays_are_one_batch):
        yield _as_numpy(data)
        return
    if hasattr(data, "__getitem__") and hasattr(data, "num_batches"):
        # A PyDataset: index its batches (it need not stop iteration itself).
        data = _indexed_batches(data)
    for index, batch in enumerate(data):
        if steps is not None and index >= steps:
            break
        if _is_features_and_targets(batch):
            batch = batch[0]
        elif isinstance(batch, dict):
            raise TypeError(
                "adapt() received a batch that is a dict; pass the feature "
                "arrays (or a dataset of them) instead."
            )
        yield _as_numpy(batch)


def _indexed_batches(dataset):
    count = dataset.num_batches
    count = len(dataset) if count is None else count
    for index in range(count):
        yield dataset[index]


def _is_features_and_targets(batch) -> bool:
    """Whether `batch` is `(x, y)` or `(x, y, sample_weight)` (a tuple, or
    the list torch's `DataLoader` collates), not a batch of values."""
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        return False
    first, rest = batch[0], batch[1:]
    arrays = (np.ndarray, torch.Tensor, list, tuple)
    return isinstance(first, arrays) and all(
        r is None or isinstance(r, (np.ndarray, torch.Tensor)) for r in rest
    )


def _is_single_batch(data, arrays_are_one_batch):
    if isinstance(data, (np.ndarray, torch.Tensor, str, bytes)):
        return True
    return arrays_are_one_batch and isinstance(data, (list, tuple))


def _as_numpy(batch):
    if isinstance(batch, torch.Tensor):
        return batch.detach().cpu().numpy()
    if is_string_input(batch):
        return to_string_array(batch)
    return np.asarray(batch)
