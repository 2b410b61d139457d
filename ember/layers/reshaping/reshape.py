"""`Reshape`: reshapes its input, the batch axis excluded."""

import math
import numbers

from ember.backend.errors import ArgumentError
from ember.backend.keras_tensor import KerasTensor
from ember.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample of the input to `target_shape`.

    The batch axis is kept. One entry of `target_shape` may be `-1`: its size
    is inferred from the input's size.

    Args:
        target_shape: Tuple of integers, the shape of each sample (without
            the batch axis), with at most one `-1`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor with as many values per sample as `target_shape`.

    Input shape:
        `(batch_size, ...)`.

    Output shape:
        `(batch_size, *target_shape)`.

    Example:

    >>> Reshape((3, -1))(torch.ones(2, 12)).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        expected = "a tuple of positive integers with at most one -1"
        try:
            target_shape = tuple(target_shape)
        except TypeError:
            raise ArgumentError("target_shape", expected, target_shape) from None
        if (
            any(
                isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < -1
                for d in target_shape
            )
            or target_shape.count(-1) > 1
        ):
            raise ArgumentError("target_shape", expected, target_shape)
        self.target_shape = tuple(int(d) for d in target_shape)
        self.built = True

    def call(self, inputs):
        return inputs.reshape(inputs.shape[0], *self._sample_shape(inputs.shape))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if None in input_shape[1:]:
            return (
                input_shape[0],
                *(None if d == -1 else d for d in self.target_shape),
            )
        return (input_shape[0], *self._sample_shape(input_shape))

    def compute_output_spec(self, inputs):
        # Static, as in Keras: stand-in sizes for unknown axes need not divide
        # evenly into `target_shape`, so shape inference by running `call`
        # could fail where the real data fits.
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, target_shape={self.target_shape}"

    def _sample_shape(self, input_shape):
        # Resolving -1 here (not in torch) keeps empty batches working and
        # lets the error name the layer and both shapes.
        size = math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape and known and size % known == 0:
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if -1 not in self.target_shape and known == size:
            return self.target_shape
        raise ValueError(
            f"`Reshape` (layer '{self.name}') cannot reshape samples of shape "
            f"{tuple(input_shape[1:])} ({size} values) to target_shape="
            f"{self.target_shape}: the number of values must stay the same. "
            "Change `target_shape`, or use -1 for one axis to infer its size."
        )
