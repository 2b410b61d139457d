"""`Softmax`: the softmax activation over an axis, with an optional mask."""

import numbers

import torch

from ember import activations
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class Softmax(Layer):
    """Softmax over `axis`: `exp(x) / sum(exp(x))`, with masked positions at 0.

    Masked positions (`False` in `mask`) get a large negative value before the
    softmax (`-1e9`, or `-3e4` for float16) and `0` after it, so they take
    no probability mass.

    Args:
        axis: Integer or tuple of integers, the axes to normalize over.
            Defaults to `-1`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor.
        mask: Optional boolean tensor broadcastable to `inputs` (a float
            mask counts values above 0.5 as kept); `False` marks positions
            to leave out.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> Softmax()(torch.tensor([[1.0, 1.0]]), mask=torch.tensor([[True, False]]))
    tensor([[1., 0.]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not _is_axis(axis):
            raise ArgumentError("axis", "an integer or a tuple of integers", axis)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._check_mask(inputs, mask)
            large_negative = -3e4 if inputs.dtype == torch.float16 else -1e9
            inputs = torch.where(mask, inputs, large_negative)
        if isinstance(self.axis, int) and inputs.dtype == torch.float32:
            outputs = torch.softmax(inputs, self.axis)
        else:
            axis = self.axis
            if isinstance(axis, (list, tuple)) and len(axis) == 1:
                axis = axis[0]
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = torch.where(mask, outputs, 0.0)
        return outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, axis={self.axis}"

    def _check_mask(self, inputs, mask):
        compatible = mask.ndim <= inputs.ndim and all(
            m in (1, i) for m, i in zip(mask.shape[::-1], inputs.shape[::-1])
        )
        if not compatible:
            raise ValueError(
                f"`Softmax` (layer '{self.name}') needs a mask broadcastable to "
                f"its input: received mask.shape={tuple(mask.shape)} for "
                f"inputs.shape={tuple(inputs.shape)}. Each mask axis must be 1 "
                "or the input's size, and the mask cannot have more axes."
            )
        return mask if mask.dtype == torch.bool else mask > 0.5


def _is_axis(axis) -> bool:
    def is_int(a):
        return isinstance(a, numbers.Integral) and not isinstance(a, bool)

    return is_int(axis) or (
        isinstance(axis, (list, tuple)) and len(axis) > 0 and all(map(is_int, axis))
    )
