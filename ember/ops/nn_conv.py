"""Convolution ops (`keras.ops.conv`, `conv_transpose`, `depthwise_conv`,
`separable_conv`) over `torch.nn.functional`.

Keras lays kernels out as `(*spatial, in, out)` and, by default, activations as
`(batch, *spatial, channels)`; torch wants `(out, in, *spatial)` and
`(batch, channels, *spatial)`. A channels_last input goes to torch as a
permuted *view*: a contiguous `(N, H, W, C)` tensor is an `(N, C, H, W)` tensor
in torch's channels_last memory format, which torch's convolutions keep, so the
output permuted back is a contiguous `(N, H', W', C')` tensor. No activation is
copied to change its layout, forward or backward. Torch's 1-D convolutions have
no channels_last format, so channels_last 1-D runs as 2-D over a unit height.
`_to_torch` / `_from_torch` hold that conversion for the whole family (these
ops and the convolution layers).

Keras's "same" padding puts the odd extra pixel at the end; symmetric pads go
straight to torch, an asymmetric one pads the input's end by one first.
"""

import functools
import numbers
from typing import NamedTuple

import torch.nn.functional as F

from ember.backend import standardize_data_format
from ember.backend.dtypes import standardize_dtype, to_torch_dtype
from ember.backend.errors import ArgumentError
from ember.backend.symbolic import symbolic_op
from ember.ops._operands import tensor
from ember.ops.dtypes import promote_types

_CONV = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}
_CONV_TRANSPOSE = {3: F.conv_transpose1d, 4: F.conv_transpose2d, 5: F.conv_transpose3d}


@symbolic_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """General N-D convolution (a cross-correlation, as in every framework).

    Args:
        inputs: Tensor of rank 3, 4 or 5: `(batch, *spatial, channels)` for
            `data_format="channels_last"`, `(batch, channels, *spatial)` for
            `"channels_first"`.
        kernel: Tensor of shape `(*kernel_spatial, in_channels / groups,
            out_channels)`. When `in_channels` is a multiple of the kernel's
            input channels, the convolution is grouped.
        strides: Int or tuple of ints, the step of the window along each
            spatial axis. Defaults to `1`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output
            has `ceil(size / stride)` positions; an odd total pads one more at
            the end). Case-insensitive. Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of ints, the spacing of the kernel's taps.
            Defaults to `1`.

    Returns:
        The convolved tensor, in the layout of `inputs`.

    Example:

    >>> conv(torch.ones(1, 5, 5, 2), torch.ones(3, 3, 2, 4)).shape
    torch.Size([1, 3, 3, 4])
    """
    inputs, kernel, rank, data_format = _operands("conv", inputs, kernel, data_format)
    groups_in = kernel.shape[-2]
    channels = _channels(inputs, data_format)
    if channels % groups_in != 0:
        raise ValueError(
            "`conv`: the input's channels must be a multiple of the kernel's "
            f"input channels (kernel.shape[-2]). Received: input channels="
            f"{channels}, kernel shape {tuple(kernel.shape)}, "
            f"data_format='{data_format}'."
        )
    return _convolve(
        inputs,
        kernel,
        None,
        int_tuple(strides, rank, "strides"),
        standardize_padding(padding),
        data_format,
        int_tuple(dilation_rate, rank, "dilation_rate"),
    )


@symbolic_op
def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    """Depthwise N-D convolution: each input channel has its own filters.

    Args:
        inputs: Tensor of rank 3, 4 or 5, laid out as `data_format` says.
        kernel: Tensor of shape `(*kernel_spatial, in_channels,
            depth_multiplier)`; the output has `in_channels * depth_multiplier`
            channels, those of input channel `c` at `c * depth_multiplier + m`.
        strides: Int or tuple of ints. Defaults to `1`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of ints. Defaults to `1`.

    Returns:
        The convolved tensor, in the layout of `inputs`.

    Example:

    >>> depthwise_conv(torch.ones(1, 5, 5, 2), torch.ones(3, 3, 2, 2)).shape
    torch.Size([1, 3, 3, 4])
    """
    inputs, kernel, rank, data_format = _operands(
        "depthwise_conv", inputs, kernel, data_format
    )
    _check_in_channels("depthwise_conv", inputs, kernel.shape[-2], data_format)
    return _convolve(
        inputs,
        depthwise_kernel(kernel),
        None,
        int_tuple(strides, rank, "strides"),
        standardize_padding(padding),
        data_format,
        int_tuple(dilation_rate, rank, "dilation_rate"),
    )


@symbolic_op
def separable_conv(
    inputs,
    depthwise_kernel,
    pointwise_kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
):
    """Depthwise convolution followed by a pointwise (1x1) convolution.

    Args:
        inputs: Tensor of rank 3, 4 or 5, laid out as `data_format` says.
        depthwise_kernel: Tensor of shape `(*kernel_spatial, in_channels,
            depth_multiplier)`.
        pointwise_kernel: Tensor of shape `(1, ..., 1, in_channels *
            depth_multiplier, out_channels)`.
        strides: Int or tuple of ints, of the depthwise step. Defaults to `1`.
        padding: `"valid"` or `"same"`, of the depthwise step. Defaults to
            `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of ints, of the depthwise step. Defaults
            to `1`.

    Returns:
        The convolved tensor, in the layout of `inputs`.

    Example:

    >>> separable_conv(
    ...     torch.ones(1, 5, 5, 2), torch.ones(3, 3, 2, 1), torch.ones(1, 1, 2, 4)
    ... ).shape
    torch.Size([1, 3, 3, 4])
    """
    inputs, depthwise, rank, data_format = _operands(
        "separable_conv", inputs, depthwise_kernel, data_format
    )
    pointwise = tensor(pointwise_kernel, dtype=depthwise.dtype)
    _check_in_channels("separable_conv", inputs, depthwise.shape[-2], data_format)
    return _separable(
        inputs,
        depthwise,
        pointwise,
        None,
        int_tuple(strides, rank, "strides"),
        standardize_padding(padding),
        data_format,
        int_tuple(dilation_rate, rank, "dilation_rate"),
    )


@symbolic_op
def conv_transpose(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format=None,
    dilation_rate=1,
):
    """Transposed N-D convolution: the gradient of `conv` with respect to its
    input, often used to upsample.

    Args:
        inputs: Tensor of rank 3, 4 or 5, laid out as `data_format` says.
        kernel: Tensor of shape `(*kernel_spatial, out_channels,
            in_channels)` (note the order: the kernel of the matching `conv`).
        strides: Int or tuple of ints. Defaults to `1`.
        padding: `"valid"` or `"same"`. Per spatial axis, the output has
            `(size - 1) * stride + max(kernel, stride)` positions for
            `"valid"` and `size * stride` for `"same"`. Defaults to
            `"valid"`.
        output_padding: `None`, or an int or tuple of ints (each below the
            stride): the output then has `(size - 1) * stride + kernel +
            output_padding` positions (`"valid"`) or `(size - 1) * stride +
            kernel % 2 + output_padding` (`"same"`). Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of ints. Defaults to `1`.

    Returns:
        The upsampled tensor, in the layout of `inputs`.

    Example:

    >>> conv_transpose(
    ...     torch.ones(1, 4, 4, 2), torch.ones(3, 3, 5, 2), 2, padding="same"
    ... ).shape
    torch.Size([1, 8, 8, 5])
    """
    inputs, kernel, rank, data_format = _operands(
        "conv_transpose", inputs, kernel, data_format
    )
    _check_in_channels("conv_transpose", inputs, kernel.shape[-1], data_format)
    if output_padding is not None:
        output_padding = int_tuple(output_padding, rank, "output_padding", True)
    return _convolve_transpose(
        inputs,
        kernel,
        None,
        int_tuple(strides, rank, "strides"),
        standardize_padding(padding),
        output_padding,
        data_format,
        int_tuple(dilation_rate, rank, "dilation_rate"),
    )


# --- Arguments -------------------------------------------------------------------


def int_tuple(value, n, name, allow_zero=False) -> tuple:
    """`value` (an int, or `n` ints) as a tuple of `n` ints; raises `ArgumentError`."""
    kind = "non-negative" if allow_zero else "positive"
    if _is_int(value):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = ()
    if len(values) != n or not all(
        _is_int(v) and (v > 0 or (allow_zero and v == 0)) for v in values
    ):
        raise ArgumentError(
            name, f"a {kind} integer or a tuple of {n} {kind} integers", value
        )
    return tuple(int(v) for v in values)


def standardize_padding(padding, allow_causal=False) -> str:
    """`padding` lower-cased, or an `ArgumentError` naming the accepted values."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if isinstance(padding, str) and padding.lower() in allowed:
        return padding.lower()
    names = ", ".join(f"'{a}'" for a in allowed)
    raise ArgumentError("padding", f"one of {names}", padding)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _operands(op, inputs, kernel, data_format):
    inputs, kernel = tensor(inputs), tensor(kernel)
    if inputs.ndim not in _CONV:
        raise ValueError(
            f"`{op}` expects inputs of rank 3, 4 or 5 (a batch of 1-D, 2-D or "
            f"3-D data with a channel axis). Received inputs of shape "
            f"{tuple(inputs.shape)}."
        )
    if kernel.ndim != inputs.ndim:
        raise ValueError(
            f"`{op}`: the kernel must have the rank of the inputs (its spatial "
            f"axes, then two channel axes). Received inputs of shape "
            f"{tuple(inputs.shape)} and a kernel of shape {tuple(kernel.shape)}."
        )
    if inputs.dtype != kernel.dtype:
        dtype = to_torch_dtype(
            promote_types(
                standardize_dtype(inputs.dtype), standardize_dtype(kernel.dtype)
            )
        )
        inputs, kernel = inputs.to(dtype), kernel.to(dtype)
    if not inputs.is_floating_point():
        inputs, kernel = inputs.float(), kernel.float()
    return inputs, kernel, inputs.ndim - 2, standardize_data_format(data_format)


def _channels(inputs, data_format):
    return inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]


def _check_in_channels(op, inputs, kernel_channels, data_format):
    channels = _channels(inputs, data_format)
    if channels != kernel_channels:
        raise ValueError(
            f"`{op}`: the input's channels must match the kernel's input "
            f"channels. Received: input channels={channels}, kernel input "
            f"channels={kernel_channels}, data_format='{data_format}'."
        )


# --- Layout ----------------------------------------------------------------------


def _to_torch(inputs, channels_last):
    """A Keras-layout input as torch's `(N, C, *spatial)`, without a copy.

    Returns the view and whether 1-D was lifted to 2-D over a unit height.
    """
    if not channels_last:
        return inputs, False
    lift = inputs.ndim == 3
    if lift:
        inputs = inputs.unsqueeze(1)
    return inputs.movedim(-1, 1), lift


def _from_torch(outputs, channels_last, lift):
    """Undoes `_to_torch` on a torch-layout output."""
    if not channels_last:
        return outputs
    outputs = outputs.movedim(1, -1)
    return outputs.squeeze(1) if lift else outputs


def _torch_kernel(kernel, lift):
    """`(*k, a, b)` -> `(b, a, *k)`: Keras's conv kernel as torch's (and Keras's
    transposed-conv kernel as torch's transposed one)."""
    rank = kernel.ndim - 2
    kernel = kernel.permute(rank + 1, rank, *range(rank))
    return kernel.unsqueeze(2) if lift else kernel


def depthwise_kernel(kernel):
    """`(*k, in, multiplier)` -> the grouped conv kernel `(*k, 1, in * multiplier)`."""
    return kernel.reshape(*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1])


def _lifted(values, lift, fill=1):
    """Per-axis arguments for a lifted 1-D op: `fill` for the unit height."""
    return (fill,) + values if lift else values


# --- Computation -----------------------------------------------------------------


def _convolve(inputs, kernel, bias, strides, padding, data_format, dilation_rate):
    """Keras's `conv` (plus an optional bias) on standardized arguments."""
    channels_last = data_format == "channels_last"
    if channels_last and _is_pointwise(inputs, kernel, strides):
        # A 1x1 convolution over channels_last data is a matmul on the last
        # axis: one GEMM, whatever backend torch would pick for the conv.
        weight = kernel.reshape(kernel.shape[-2], kernel.shape[-1])
        return F.linear(inputs, weight.T, bias)
    x, lift = _to_torch(inputs, channels_last)
    y = _conv_torch(
        x,
        _torch_kernel(kernel, lift),
        bias,
        _lifted(strides, lift),
        padding,
        _lifted(dilation_rate, lift),
    )
    return _from_torch(y, channels_last, lift)


def _is_pointwise(inputs, kernel, strides) -> bool:
    rank = kernel.ndim - 2
    return (
        kernel.shape[:rank] == (1,) * rank
        and strides == (1,) * rank
        and kernel.shape[-2] == inputs.shape[-1]  # not grouped
    )


def _separable(
    inputs, depthwise, pointwise, bias, strides, padding, data_format, dilation_rate
):
    """Keras's `separable_conv` (plus an optional bias): depthwise, then 1x1."""
    middle = _convolve(
        inputs,
        depthwise_kernel(depthwise),
        None,
        strides,
        padding,
        data_format,
        dilation_rate,
    )
    ones = (1,) * (inputs.ndim - 2)
    return _convolve(middle, pointwise, bias, ones, "valid", data_format, ones)


def _conv_torch(x, weight, bias, strides, padding, dilation):
    if padding == "same":
        pads, extra = _same_padding(
            tuple(x.shape[2:]), tuple(weight.shape[2:]), strides, dilation
        )
        if extra is not None:
            x = F.pad(x, extra)
    else:
        pads = 0
    groups = x.shape[1] // weight.shape[1]
    return _CONV[x.ndim](x, weight, bias, strides, pads, dilation, groups)


@functools.lru_cache(maxsize=1024)
def _same_padding(sizes, kernel_sizes, strides, dilation):
    """Keras's "same" padding: the symmetric pads for torch, and the `F.pad`
    argument adding the odd extra pixel at the end (`None` if none is odd)."""
    symmetric, extra = [], []
    for size, k, stride, rate in zip(sizes, kernel_sizes, strides, dilation):
        span = (k - 1) * rate + 1
        out = -(-size // stride)
        total = max(0, (out - 1) * stride + span - size)
        symmetric.append(total // 2)
        extra.append(total % 2)
    return tuple(symmetric), _end_pads(extra)


def _convolve_transpose(
    inputs, kernel, bias, strides, padding, output_padding, data_format, dilation_rate
):
    """Keras's `conv_transpose` (plus an optional bias) on standardized arguments."""
    channels_last = data_format == "channels_last"
    x, lift = _to_torch(inputs, channels_last)
    rank = kernel.ndim - 2
    plan = _transpose_plan(
        tuple(kernel.shape[:rank]), strides, padding, output_padding, dilation_rate
    )
    weight = _torch_kernel(kernel, lift)
    if plan.kernel_shift is not None:
        weight = F.pad(weight, plan.kernel_shift)
    late_bias = bias is not None and (plan.trims or plan.zeros) is not None
    y = _CONV_TRANSPOSE[x.ndim](
        x,
        weight,
        None if late_bias else bias,
        _lifted(strides, lift),
        _lifted(plan.pads, lift, 0),
        _lifted(plan.out_pads, lift, 0),
        1,
        _lifted(dilation_rate, lift),
    )
    if plan.trims is not None:
        y = y[(slice(None), slice(None)) + (slice(None),) * lift + plan.trims]
    if plan.zeros is not None:
        y = F.pad(y, plan.zeros)
    if late_bias:
        # Out of place on the trimmed view: a dense result, bias everywhere.
        y = y + bias.reshape(-1, *(1,) * (y.ndim - 2))
    return _from_torch(y, channels_last, lift)


class _TransposePlan(NamedTuple):
    pads: tuple  # torch's `padding`
    out_pads: tuple  # torch's `output_padding`
    kernel_shift: tuple | None  # `F.pad` of the torch kernel: leading zero taps
    trims: tuple | None  # slices of the output (rare fallback)
    zeros: tuple | None  # `F.pad` of the output (rare fallback)


@functools.lru_cache(maxsize=1024)
def _transpose_plan(kernel_sizes, strides, padding, output_padding, dilation):
    """How torch's transposed conv reproduces Keras's on each spatial axis.

    Keras (as JAX) pads the stride-dilated input by `(left, right)` and runs a
    conv with the flipped kernel: torch's full output, cropped by `span - 1 -
    left` at the start and `span - 1 - right` at the end. Torch crops
    `padding` from both ends, then adds `output_padding` (below max(stride,
    dilation)) at the end. When Keras crops more at the end ("same" with a
    stride, the common case), leading zero taps in the kernel shift the output
    so that a symmetric crop does it: no slicing, so the output stays dense
    and the backward pass copies nothing.
    """
    pads, out_pads, shifts, trims, zeros = [], [], [], [], []
    for i, (k, stride, rate) in enumerate(zip(kernel_sizes, strides, dilation)):
        span = (k - 1) * rate + 1
        extra = None if output_padding is None else output_padding[i]
        if padding == "valid":
            left = span - 1
            right = left + (max(span, stride) - span if extra is None else extra)
        else:
            total = stride + span - 2 if extra is None else span + span % 2 - 2 + extra
            left = min(total // 2 + total % 2, span - 1)
            right = total - left
        crop_start, crop_end = span - 1 - left, span - 1 - right
        added = crop_start - crop_end
        limit = max(stride, rate) - 1
        shift = -added // rate if added < 0 and added % rate == 0 else 0
        # A shift of `z` taps moves the output `z * rate` positions later.
        pads.append(crop_end if shift else crop_start)
        out_pads.append(min(max(added, 0), limit))
        shifts.append(shift)
        trims.append(slice(None, added) if added < 0 and not shift else slice(None))
        zeros.append(max(added - limit, 0))
    return _TransposePlan(
        tuple(pads),
        tuple(out_pads),
        _end_pads(shifts, at_start=True),
        tuple(trims) if any(t.stop is not None for t in trims) else None,
        _end_pads(zeros),
    )


def _end_pads(amounts, at_start=False):
    """`F.pad`'s argument adding `amounts` per axis (last axis first), or None."""
    if not any(amounts):
        return None
    return tuple(v for a in reversed(amounts) for v in ((a, 0) if at_start else (0, a)))
