"""`RepeatVector`: repeats a vector `n` times along a new axis."""

from ember.backend.errors import ArgumentError
from ember.layers.core.dense import _is_positive_int
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class RepeatVector(Layer):
    """Repeats each input vector `n` times: `(batch, features)` becomes
    `(batch, n, features)`.

    Args:
        n: Positive integer, the number of repetitions.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 2.

    Input shape:
        `(batch_size, features)`.

    Output shape:
        `(batch_size, n, features)`.

    Example:

    >>> RepeatVector(3)(torch.ones(2, 32)).shape
    torch.Size([2, 3, 32])
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not _is_positive_int(n):
            raise ArgumentError("n", "a positive integer", n)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return inputs.unsqueeze(1).repeat(1, self.n, 1)

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, n={self.n}"
