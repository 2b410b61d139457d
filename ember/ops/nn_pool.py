"""Pooling ops (`keras.ops.max_pool`, `keras.ops.average_pool`) over torch's kernels.

Layout: torch pools channels-first tensors, Keras defaults to channels-last. A
channels-last input is handed to torch as a permuted view (`_to_torch_layout`),
which torch reads as its channels_last memory format and pools without copying the
activations; the result is permuted back (`_from_torch_layout`), again a view.
One-dimensional pooling runs as two-dimensional pooling over a unit axis, which
keeps that property for sequences too.

Padding: `"same"` pads `pool_size - 1` positions in total when the stride is 1 (in
general enough for `ceil(size / stride)` windows), half before and half after, the
odd one after. As Keras on torch, padded positions never win a max and are not
counted in an average when the padding is even on both sides; when it is uneven,
Keras pads by repeating the edge values, so an average near the end counts the
edge value again. (Keras on TensorFlow or JAX never counts padded positions; its
torch backend, the reference here, does in that case.)
"""

import numbers

import torch.nn.functional as F

from ember.backend import standardize_data_format
from ember.backend.errors import ArgumentError
from ember.backend.symbolic import symbolic_op
from ember.ops._operands import tensor

_MAX_POOL = {2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {2: F.avg_pool2d, 3: F.avg_pool3d}


@symbolic_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the spatial axes of a rank 3, 4 or 5 tensor.

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` when
            `data_format="channels_last"`, `(batch, channels, *spatial)` when
            `"channels_first"`; 1 to 3 spatial axes.
        pool_size: Integer or tuple of one integer per spatial axis, the size
            of the pooling window.
        strides: Integer or tuple of one integer per spatial axis, the step
            between windows. Defaults to `None` (`pool_size`).
        padding: `"valid"` (no padding) or `"same"` (pad so that
            `output_size = ceil(input_size / strides)`; the extra position of an
            odd padding goes at the end). Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to the
            `image_data_format` setting.

    Returns:
        A tensor of the input's rank with the pooled spatial sizes.

    Example:

    >>> max_pool(torch.arange(6.0).reshape(1, 6, 1), 2).flatten()
    tensor([1., 3., 5.])
    """
    inputs = tensor(inputs)
    args = _standardize_args("max_pool", inputs, pool_size, strides, padding)
    return _pool(inputs, "max", *args, standardize_data_format(data_format))


@symbolic_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over the spatial axes of a rank 3, 4 or 5 tensor.

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` when
            `data_format="channels_last"`, `(batch, channels, *spatial)` when
            `"channels_first"`; 1 to 3 spatial axes.
        pool_size: Integer or tuple of one integer per spatial axis, the size
            of the pooling window.
        strides: Integer or tuple of one integer per spatial axis, the step
            between windows. Defaults to `None` (`pool_size`).
        padding: `"valid"` (no padding) or `"same"` (pad so that
            `output_size = ceil(input_size / strides)`; see the module notes for
            what padded positions count). Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to the
            `image_data_format` setting.

    Returns:
        A tensor of the input's rank with the pooled spatial sizes.

    Example:

    >>> average_pool(torch.arange(6.0).reshape(1, 6, 1), 2).flatten()
    tensor([0.5000, 2.5000, 4.5000])
    """
    inputs = tensor(inputs)
    args = _standardize_args("average_pool", inputs, pool_size, strides, padding)
    return _pool(inputs, "average", *args, standardize_data_format(data_format))


def _pool(inputs, mode, pool_size, strides, padding, data_format):
    """Pools `inputs` with arguments already checked (the layers' fast path)."""
    rank = len(pool_size)
    x = _to_torch_layout(inputs, data_format)
    if rank == 1:  # pooled as 2-D over a unit axis (see the module notes)
        pool_size, strides = pool_size + (1,), strides + (1,)
    spatial = tuple(x.shape[2:])
    ceil_mode = False
    if padding == "valid":
        if any(n < k for n, k in zip(spatial, pool_size)):
            raise ValueError(
                f"Spatial sizes {spatial[:rank]} are smaller than pool_size="
                f"{pool_size[:rank]} with padding='valid': the output would be "
                "empty. Use padding='same', a smaller pool_size, or larger inputs."
            )
        pads = 0
    else:
        pairs = [_same_padding(n, k, s) for n, k, s in zip(spatial, pool_size, strides)]
        pads = [before for before, _ in pairs]
        uneven_strides = [s for (b, a), s in zip(pairs, strides) if b != a]
        if uneven_strides and mode == "max" and min(uneven_strides) > 1:
            # The same as -inf padding at the end: the last window may reach
            # one position past the end (needs strides > 1 on those axes).
            ceil_mode = True
        elif uneven_strides:
            flat = [p for pair in reversed(pairs) for p in pair]
            x, pads = F.pad(x, flat, mode="replicate"), 0
    if mode == "max":
        out = _MAX_POOL[x.ndim - 2](x, pool_size, strides, pads, ceil_mode=ceil_mode)
    else:
        out = _AVG_POOL[x.ndim - 2](
            x, pool_size, strides, pads, count_include_pad=False
        )
    return _from_torch_layout(out, data_format, rank)


def _to_torch_layout(x, data_format):
    """`x` as torch's `(batch, channels, *spatial)`, as a view (no copy).

    Channels-last inputs become permuted views, which torch treats as its
    channels_last memory format. Sequences come back with a trailing unit axis,
    `(batch, channels, steps, 1)`, so that this holds for them too.
    """
    if data_format == "channels_first":
        return x.unsqueeze(-1) if x.ndim == 3 else x
    if x.ndim == 3:
        x = x.unsqueeze(2)
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _from_torch_layout(x, data_format, rank):
    """The inverse of `_to_torch_layout` for a result of spatial rank `rank`."""
    if data_format == "channels_first":
        return x.squeeze(-1) if rank == 1 else x
    x = x.permute(0, *range(2, x.ndim), 1)
    return x.squeeze(2) if rank == 1 else x


def _same_padding(size, pool, stride):
    """`(before, after)` for `"same"`: enough for `ceil(size / stride)` windows."""
    windows = -(-size // stride)
    total = max(0, (windows - 1) * stride + pool - size)
    return (total // 2, total - total // 2)


def _standardize_args(op, inputs, pool_size, strides, padding):
    rank = inputs.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"`{op}` expects inputs of rank 3, 4 or 5 (batch, 1 to 3 spatial "
            f"axes, channels). Received inputs of shape {tuple(inputs.shape)}."
        )
    pool_size = _int_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else _int_tuple(strides, rank, "strides")
    return pool_size, strides, _standardize_padding(padding)


def _standardize_padding(padding):
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in ("valid", "same"):
        raise ArgumentError("padding", "'valid' or 'same'", padding)
    return value


def _int_tuple(value, n, argument, allow_zero=False):
    """`value` (an integer, or `n` of them) as a tuple of `n` integers, all
    positive (or non-negative with `allow_zero`)."""
    low = 0 if allow_zero else 1
    expected = (
        f"an integer or a tuple of {n} integers, each {'>= 0' if allow_zero else '> 0'}"
    )
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ArgumentError(argument, expected, value) from None
        if len(values) != n or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
        ):
            raise ArgumentError(argument, expected, value)
        values = tuple(int(v) for v in values)
    if any(v < low for v in values):
        raise ArgumentError(argument, expected, value)
    return values
