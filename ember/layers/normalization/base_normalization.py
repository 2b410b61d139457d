"""What the normalization layers share: reading and resolving their `axis`."""

import numbers

from ember.backend.errors import ArgumentError


def standardize_axis(axis, owner: str):
    """Validates an `axis` argument: an int stays an int, a sequence becomes a list.

    Keras keeps the argument as given until `build`, so configs written before
    the first call show it unchanged.
    """
    if _is_int(axis):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(_is_int(a) for a in axis):
        return [int(a) for a in axis]
    raise ArgumentError(
        "axis", "an integer or a non-empty list of integers", axis, owner
    )


def resolve_axes(layer, axis, input_shape) -> list:
    """The axes of `axis` (int or list) as sorted non-negative ints for an input
    of `input_shape`; an axis outside the input's rank raises a ValueError that
    names the layer, the axis and the shape."""
    rank = len(input_shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"`{type(layer).__name__}` (layer '{layer.name}') got axis={axis}, "
                f"but its input has rank {rank} (shape {tuple(input_shape)}): "
                f"each axis must be in [-{rank}, {rank - 1}]."
            )
    positive = sorted(a % rank for a in axes)
    if len(set(positive)) != len(positive):
        raise ValueError(
            f"`{type(layer).__name__}` (layer '{layer.name}') got axis={axis}, "
            f"which names the same axis twice for an input of rank {rank}."
        )
    return positive


def check_axis_sizes(layer, input_shape, axes) -> None:
    """Normalized axes need known sizes: weights are built from them."""
    unknown = [a for a in axes if input_shape[a] is None]
    if unknown:
        raise ValueError(
            f"`{type(layer).__name__}` (layer '{layer.name}') normalizes axis "
            f"{unknown[0]} of its input, whose size is unknown (shape "
            f"{tuple(input_shape)}). Give that axis a fixed size in the input "
            "shape."
        )


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
