"""Argument handling and tensor helpers shared by the spatial reshaping layers
(`UpSampling*`, `ZeroPadding*`, `Cropping*`)."""

import numbers

from ember.backend.errors import ArgumentError
from ember.ops.nn_pool import _int_tuple


def _pairs(value, rank, argument):
    """`value` as `rank` pairs `(before, after)` of non-negative integers.

    Accepts an integer (the same on every side), `rank` integers (symmetric
    per axis), or `rank` pairs.
    """
    expected = (
        f"a non-negative integer, a tuple of {rank} non-negative integers, or a "
        f"tuple of {rank} pairs of non-negative integers"
    )
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise ArgumentError(argument, expected, value)
        return ((int(value),) * 2,) * rank
    try:
        entries = tuple(value)
    except TypeError:
        raise ArgumentError(argument, expected, value) from None
    if len(entries) != rank:
        raise ArgumentError(argument, expected, value)
    try:
        return tuple(
            _int_tuple(entry, 2, argument, allow_zero=True) for entry in entries
        )
    except ArgumentError:
        raise ArgumentError(argument, expected, value) from None


def _spatial_axes(rank, data_format):
    """The spatial axes of a `(batch, ...)` input of spatial rank `rank`."""
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))


def _repeat_axes(x, axes, factors):
    """Repeats each entry of `x` `factor` times along each axis, in place
    (`[a, b]` -> `[a, a, b, b]`), with a single copy: a broadcast view over a
    new axis after each repeated one, then one reshape."""
    view, expanded, out = [], [], []
    for axis, size in enumerate(x.shape):
        view.append(size)
        expanded.append(size)
        out.append(size)
        if axis in axes:
            factor = factors[axes.index(axis)]
            view.append(1)
            expanded.append(factor)
            out[-1] = size * factor
    return x.reshape(view).expand(expanded).reshape(out)


def _crop(layer, inputs, axes, cropping):
    """`inputs` less `cropping[i] = (before, after)` positions along `axes[i]`,
    as a view; a ValueError naming `layer` when nothing would be left."""
    index = [slice(None)] * inputs.ndim
    for axis, (before, after) in zip(axes, cropping):
        size = inputs.shape[axis]
        if before + after >= size:
            raise ValueError(
                f"`{type(layer).__name__}` (layer '{layer.name}') cannot crop "
                f"{before + after} positions from axis {axis} of inputs of shape "
                f"{tuple(inputs.shape)}: at least one must remain. Received: "
                f"cropping={layer.cropping}."
            )
        index[axis] = slice(before, size - after)
    return inputs[tuple(index)]
