"""`Cropping1D`: removes steps at the start and end of a sequence."""

from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.reshaping._spatial import _crop
from ember.ops.nn_pool import _int_tuple


class Cropping1D(Layer):
    """Cropping for temporal data: removes steps at the start and the end
    (axis 1). The output is a view of the input.

    Args:
        cropping: Non-negative integer (as many steps at both ends), or a
            tuple of 2 non-negative integers `(start, end)`. Defaults to
            `(1, 1)`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3 with more than `start + end` steps.

    Input shape:
        `(batch_size, steps, features)`.

    Output shape:
        `(batch_size, steps - start - end, features)`.

    Example:

    >>> Cropping1D((1, 2))(torch.ones(2, 6, 4)).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _int_tuple(cropping, 2, "cropping", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        return _crop(self, inputs, (1,), (self.cropping,))

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, cropping={self.cropping}"
