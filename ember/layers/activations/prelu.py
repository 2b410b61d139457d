"""`PReLU`: leaky ReLU with a learned slope per position (or shared)."""

import numbers

import torch

from ember import constraints, initializers, regularizers
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class PReLU(Layer):
    """Parametric ReLU: `x` for `x >= 0`, `alpha * x` below, `alpha` learned.

    `alpha` has the input's shape without the batch axis; `shared_axes`
    shares one slope along the given axes (for feature maps of shape
    `(batch, height, width, channels)`, `shared_axes=[1, 2]` learns one slope
    per channel).

    Args:
        alpha_initializer: Initializer of `alpha`. Defaults to `"zeros"`.
        alpha_regularizer: Regularizer of `alpha`. Defaults to `None`.
        alpha_constraint: Constraint of `alpha`. Defaults to `None`.
        shared_axes: Integer or list of integers, the axes (1 is the first
            after the batch axis) sharing one slope; negative axes count from
            the end (Keras 3.15 shifts them by one: there `-1` shares axis
            `-2`). Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 2 or more.

    Input shape:
        `(batch_size, ...)`.

    Output shape:
        The input's.

    Example:

    >>> PReLU(shared_axes=[1, 2])(torch.randn(2, 4, 4, 3)).shape
    torch.Size([2, 4, 4, 3])
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        if shared_axes is not None and not all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool)
            for a in shared_axes
        ):
            raise ArgumentError(
                "shared_axes", "an integer, a list of integers or None", shared_axes
            )
        self.shared_axes = None if shared_axes is None else list(shared_axes)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        shared = set()
        for axis in self.shared_axes or ():
            if not -rank < axis < rank or axis % rank == 0:
                raise ValueError(
                    f"`PReLU` (layer '{self.name}') got shared_axes="
                    f"{self.shared_axes}, but its input has shape "
                    f"{tuple(input_shape)}: each shared axis must be a non-batch "
                    f"axis, in [1, {rank - 1}]."
                )
            shared.add(axis % rank)
        shape = [1 if d in shared else input_shape[d] for d in range(1, rank)]
        if any(size is None for size in shape):
            raise ValueError(
                f"`PReLU` (layer '{self.name}') learns one slope per position, "
                f"but its input shape {tuple(input_shape)} has an unknown size: "
                "give it a fixed size or list that axis in `shared_axes`."
            )
        self.alpha = self.add_weight(
            shape=shape,
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
            name="alpha",
        )
        axes = {d: input_shape[d] for d in range(1, rank) if d not in shared}
        self.input_spec = InputSpec(ndim=rank, axes=axes)
        self.built = True

    def call(self, inputs):
        alpha = self.alpha
        if alpha.dtype != inputs.dtype and inputs.is_floating_point():
            alpha = alpha.to(inputs.dtype)
        # Keras's form, which also fixes the gradient at 0 to 0.
        return torch.relu(inputs) - alpha * torch.relu(-inputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
