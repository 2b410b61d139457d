"""`Merge`: the shared base of the layers that combine a list of tensors.

Elementwise merges (`Add`, `Subtract`, `Multiply`, `Average`, `Maximum`,
`Minimum`) broadcast their inputs as numpy does on the axes after the batch
axis; inputs of lower rank gain size-1 axes right after the batch axis. The
output mask is the logical OR of the input masks, or `None` when any input has
no mask.
"""

import torch

from ember.backend.symbolic import in_meta_pass
from ember.layers.layer import Layer


class Merge(Layer):
    """Base class of the merging layers: checks shapes, merges masks.

    A subclass defines `_merge_function(inputs, masks)`, which gets tensors of
    equal rank and the list of their masks (or `None` where none applies).

    Args:
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list of tensors.
        mask: A list of masks, one per input (or `None`). Defaults to the
            masks the inputs carry.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._checked_shapes = None

    def build(self, input_shape):
        shapes = self._as_shape_list(input_shape)
        self._check_shapes(shapes)
        self._checked_shapes = shapes

    def call(self, inputs, mask=None):
        inputs = self._checked_inputs(inputs)
        masks = _mask_list(mask, len(inputs))
        max_rank = max(x.ndim for x in inputs)
        if any(x.ndim != max_rank for x in inputs):
            # Lower-rank inputs gain size-1 axes after the batch axis. Their
            # masks no longer line up with them, so masks take no part (as in
            # Keras); the output mask still comes from `compute_mask`.
            inputs = [_expand_after_batch(x, max_rank) for x in inputs]
            masks = None
        return self._merge_function(inputs, masks)

    def compute_mask(self, inputs, previous_mask):
        masks = self._checked_masks(inputs, previous_mask)
        if masks is None or any(m is None for m in masks):
            return None
        merged = masks[0]
        for m in masks[1:]:
            merged = torch.logical_or(merged, m)
        return merged

    def get_config(self) -> dict:
        # Only the base keys, as Keras writes them (no recorded constructor
        # kwargs such as `input_shape`).
        return super().get_config()

    # ------------------------------------------------------------ helpers
    def _merge_function(self, inputs, masks):
        raise TypeError(
            f"`{type(self).__name__}` subclasses `Merge` but defines no "
            "`_merge_function(inputs, masks)`."
        )

    def _label(self) -> str:
        return f"`{type(self).__name__}` (layer '{self.name}')"

    def _as_shape_list(self, input_shape) -> list:
        """Validates that the layer was called on a non-empty list of tensors."""
        if not isinstance(input_shape, (list, tuple)) or not all(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                f"{self._label()} must be called on a list of tensors, e.g. "
                f"`{type(self).__name__}()([x1, x2])`. It received a single "
                f"tensor of shape {_fmt(input_shape)}; put the tensors to merge "
                "in a list."
            )
        if not input_shape:
            raise ValueError(
                f"{self._label()} was called on an empty list. Pass the tensors "
                f"to merge, e.g. `{type(self).__name__}()([x1, x2])`."
            )
        return [tuple(s) for s in input_shape]

    def _check_shapes(self, shapes) -> None:
        """Raises unless the shapes broadcast together after the batch axis."""
        self._check_batch_sizes(shapes)
        merged = shapes[0][1:]
        for shape in shapes[1:]:
            merged = _broadcast(merged, shape[1:])
            if merged is None:
                raise ValueError(
                    f"{self._label()} cannot merge inputs of shapes "
                    f"{_fmt_list(shapes)}: after the batch axis, sizes aligned "
                    "from the last axis must be equal or 1. Bring the inputs "
                    "to a common shape first (e.g. with `Dense` or `Reshape`), "
                    "or use `Concatenate` to join tensors of different sizes."
                )

    def _check_batch_sizes(self, shapes) -> None:
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{self._label()} cannot merge inputs with different batch sizes "
                f"{sorted(batch_sizes)}. Received shapes {_fmt_list(shapes)}. "
                "Every input must hold the same number of samples."
            )

    def _checked_inputs(self, inputs) -> list:
        """Checks the tensors of an eager call (cheaply: once per new shapes)."""
        if not isinstance(inputs, (list, tuple)):
            shape = getattr(inputs, "shape", None)
            self._as_shape_list(tuple(shape) if shape is not None else inputs)
        inputs = list(inputs)
        if not inputs:
            self._as_shape_list(inputs)
        # Shapes on the meta device carry stand-in sizes: `build` checked them.
        # Under torch.compile / torch.export sizes may be symbolic: torch checks.
        if not in_meta_pass() and not torch.compiler.is_compiling():
            shapes = [tuple(x.shape) for x in inputs]
            if shapes != self._checked_shapes:
                self._check_shapes(shapes)
                self._checked_shapes = shapes
        return inputs

    def _checked_masks(self, inputs, masks):
        if masks is None:
            return None
        if not isinstance(masks, (list, tuple)):
            raise ValueError(
                f"{self._label()} expects `mask` to be a list with one mask (or "
                f"None) per input. Received: mask of type {type(masks).__name__}."
            )
        if not isinstance(inputs, (list, tuple)) or len(masks) != len(inputs):
            count = len(inputs) if isinstance(inputs, (list, tuple)) else 1
            raise ValueError(
                f"{self._label()} got {len(masks)} masks for {count} inputs: "
                "pass one mask (or None) per input."
            )
        return [None if m is None else _as_bool(m) for m in masks]


def _select_merge(op, inputs, masks):
    """Folds `op` over the inputs; where an input is masked out, the other side's
    value passes through, so masked entries never win a `maximum`/`minimum`."""
    masks = masks or [None] * len(inputs)
    output, output_mask = inputs[0], masks[0]
    if output_mask is not None:
        output_mask = _expand_to(output_mask, output)
    for x, mask in zip(inputs[1:], masks[1:], strict=True):
        if mask is not None:
            mask = _expand_to(mask, x)
            x = torch.where(mask, x, output)
        if output_mask is not None:
            output = torch.where(output_mask, output, x)
        both = mask is not None and output_mask is not None
        output_mask = torch.logical_or(output_mask, mask) if both else None
        output = op(output, x)
    return output


def _mask_list(mask, count):
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)) or len(mask) != count:
        return None
    return [None if m is None else _as_bool(m) for m in mask]


def _as_bool(mask):
    return mask if mask.dtype == torch.bool else mask.to(torch.bool)


def _expand_to(mask, x):
    """A mask of shape `x.shape[:-1]` broadcast over `x`'s last axis."""
    if mask.ndim < x.ndim:
        mask = mask.unsqueeze(-1)
    return torch.broadcast_to(mask, x.shape)


def _expand_after_batch(x, rank):
    for _ in range(rank - x.ndim):
        x = x.unsqueeze(1)
    return x


def _broadcast(shape1, shape2):
    """Numpy-style broadcast of two shapes (`None` is unknown); None if they clash."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    lead = len(shape1) - len(shape2)
    result = list(shape1[:lead])
    for i, j in zip(shape1[lead:], shape2, strict=True):
        if i is None or j is None:
            result.append(None)
        elif i == 1 or j == 1 or i == j:
            result.append(j if i == 1 else i)
        else:
            return None
    return tuple(result)


def _fmt(shape):
    if isinstance(shape, (list, tuple)):
        return str(tuple(None if d is None else int(d) for d in shape))
    return repr(shape)


def _fmt_list(shapes):
    text = [_fmt(s) for s in shapes]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]
