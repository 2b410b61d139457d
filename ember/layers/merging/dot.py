"""`Dot`: the per-sample dot product of two tensors along chosen axes."""

import math

import torch

from ember.backend.config import epsilon
from ember.backend.errors import ArgumentError
from ember.layers.merging.base_merge import Merge, _fmt_list


class Dot(Merge):
    """Contracts two tensors along one axis each, sample by sample.

    For inputs `x1` of shape `(batch, *a)` and `x2` of shape `(batch, *b)`,
    the axis `axes[0]` of `x1` is summed against the axis `axes[1]` of `x2`.
    The output holds `x1`'s remaining axes, then `x2`'s remaining non-batch
    axes; when none remain it is `(batch, 1)`.

    Args:
        axes: An integer (the same axis of both inputs) or a pair of integers
            `(axis_of_x1, axis_of_x2)`. The two axes must have the same size;
            the batch axis `0` cannot be contracted.
        normalize: Whether to L2-normalize both inputs along their contracted
            axis first, which makes the output the cosine similarity.
            Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list of exactly two tensors `[x1, x2]`, each of rank >= 2.

    Input shape:
        `[(batch, *a), (batch, *b)]` with `a[axes[0] - 1] == b[axes[1] - 1]`.

    Output shape:
        `(batch, *a_rest, *b_rest)`, or `(batch, 1)` when both are empty.

    Example:

    >>> x1, x2 = np.ones((4, 5, 2)), np.ones((4, 3, 5))
    >>> Dot(axes=(1, 2))([x1, x2]).shape
    torch.Size([4, 2, 3])
    """

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes` of `Dot`: expected an "
                    "integer or a pair of integers. Received: "
                    f"axes={axes!r} (of type {type(axes).__name__})."
                )
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ArgumentError(
                    "axes",
                    "an integer or a pair of integers (one axis per input)",
                    axes,
                )
        self.axes = axes
        self.normalize = normalize

    def call(self, inputs, mask=None):
        x1, x2 = self._checked_inputs(inputs)
        axis1, axis2 = self._resolved_axes(x1.ndim, x2.ndim)
        if self.normalize:
            x1, x2 = _l2_normalize(x1, axis1), _l2_normalize(x2, axis2)
        return _batch_dot(x1, x2, axis1, axis2)

    def compute_mask(self, inputs, previous_mask):
        # A contraction mixes positions, so no input mask carries over.
        return None

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axes": self.axes,
            "normalize": self.normalize,
        }

    def extra_repr(self) -> str:
        text = f"{super().extra_repr()}, axes={self.axes}"
        return f"{text}, normalize=True" if self.normalize else text

    # ------------------------------------------------------------ helpers
    def _resolved_axes(self, rank1, rank2):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return axes[0] % rank1, axes[1] % rank2

    def _check_shapes(self, shapes) -> None:
        if len(shapes) != 2:
            raise ValueError(
                f"{self._label()} must be called on exactly 2 inputs `[x1, x2]`, "
                f"but received {len(shapes)}: shapes {_fmt_list(shapes)}."
            )
        self._check_batch_sizes(shapes)
        shape1, shape2 = shapes
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(
                f"{self._label()} needs inputs of rank >= 2 (a batch axis and "
                f"at least one more), but received shapes {_fmt_list(shapes)}."
            )
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        for axis, shape in zip(axes, shapes, strict=True):
            if not -len(shape) <= axis < len(shape):
                raise ValueError(
                    f"{self._label()} has axes={self.axes}, but axis {axis} is out "
                    f"of range for an input of shape {_fmt_list([shape])}."
                )
        axis1, axis2 = self._resolved_axes(len(shape1), len(shape2))
        if 0 in (axis1, axis2):
            raise ValueError(
                f"{self._label()} has axes={self.axes}, which contracts the batch "
                f"axis 0 of inputs of shapes {_fmt_list(shapes)}. Choose axes "
                "after the batch axis; for unbatched data add a batch axis "
                "first (e.g. with `ops.expand_dims(x, 0)`)."
            )
        size1, size2 = shape1[axis1], shape2[axis2]
        if size1 is not None and size2 is not None and size1 != size2:
            raise ValueError(
                f"{self._label()} cannot contract axis {axis1} of size {size1} "
                f"with axis {axis2} of size {size2}: received shapes "
                f"{_fmt_list(shapes)} with axes={self.axes}. The contracted axes "
                "must have the same size."
            )


def _l2_normalize(x, axis):
    # x / max(||x||, epsilon), written as a clipped rsqrt as Keras computes it.
    inv_norm = torch.rsqrt(x.square().sum(dim=axis, keepdim=True))
    return x * inv_norm.clamp(max=1.0 / epsilon())


def _batch_dot(x1, x2, axis1, axis2):
    """Per-sample contraction as one batched matmul:
    (B, *rest1, n) @ (B, n, *rest2) -> (B, *rest1, *rest2)."""
    x1 = x1.movedim(axis1, -1)
    x2 = x2.movedim(axis2, 1)
    batch, size = x1.shape[0], x1.shape[-1]
    rest1, rest2 = tuple(x1.shape[1:-1]), tuple(x2.shape[2:])
    out = torch.matmul(
        x1.reshape(batch, math.prod(rest1), size),
        x2.reshape(batch, size, math.prod(rest2)),
    )
    out = out.reshape(batch, *rest1, *rest2)
    return out.unsqueeze(1) if out.ndim == 1 else out


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """Per-sample dot product of two tensors: the functional form of `Dot`.

    Args:
        inputs: A list of exactly two tensors `[x1, x2]`.
        axes: An integer or a pair of integers: the axis of each input to
            contract. Defaults to `-1`.
        normalize: Whether to L2-normalize the inputs along those axes first
            (cosine similarity). Defaults to `False`.
        **kwargs: Standard layer keyword arguments.

    Returns:
        The contraction of the two inputs.
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
