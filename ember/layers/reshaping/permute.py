"""`Permute`: reorders the axes of its input, the batch axis excluded."""

import numbers

from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class Permute(Layer):
    """Permutes the axes of the input according to `dims`.

    Axes are numbered from 1; the batch axis (0) stays first. Useful e.g. to
    swap the time and feature axes before a layer that expects the other.

    Args:
        dims: Tuple of integers, a permutation of `1, ..., rank - 1`:
            `(2, 1)` swaps the first and second axes after the batch axis.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank `len(dims) + 1`.

    Input shape:
        `(batch_size, d_1, ..., d_n)`.

    Output shape:
        `(batch_size, d_dims[0], ..., d_dims[n-1])`.

    Example:

    >>> Permute((2, 1))(torch.ones(2, 10, 64)).shape
    torch.Size([2, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
            valid = all(
                isinstance(d, numbers.Integral) and not isinstance(d, bool)
                for d in dims
            ) and sorted(dims) == list(range(1, len(dims) + 1))
        except TypeError:
            valid = False
        if not valid:
            raise ArgumentError(
                "dims",
                "a permutation of the axes 1, ..., n (the batch axis 0 "
                "excluded), e.g. (2, 1)",
                dims,
            )
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, dims={self.dims}"
