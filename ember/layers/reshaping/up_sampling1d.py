"""`UpSampling1D`: repeats each step of a sequence."""

from ember.backend.errors import ArgumentError
from ember.layers.core.dense import _is_positive_int
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _repeat_axes


class UpSampling1D(Layer):
    """Upsampling for temporal data: repeats each step `size` times.

    Steps `[a, b]` become `[a, a, b, b]` with `size=2`.

    Args:
        size: Positive integer, the upsampling factor. Defaults to `2`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3.

    Input shape:
        `(batch_size, steps, features)`.

    Output shape:
        `(batch_size, steps * size, features)`.

    Example:

    >>> UpSampling1D(size=3)(torch.ones(2, 4, 5)).shape
    torch.Size([2, 12, 5])
    """

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        if not _is_positive_int(size):
            raise ArgumentError("size", "a positive integer", size)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        return _repeat_axes(inputs, (1,), (self.size,))

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, size={self.size}"
