"""`ActivityRegularization`: adds an L1/L2 penalty on its input to the losses."""

import numbers

from ember import regularizers
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class ActivityRegularization(Layer):
    """Passes its input through and adds `l1 * sum(|x|) + l2 * sum(x**2)`,
    divided by the batch size, to the model's losses.

    Args:
        l1: Non-negative float, the L1 factor. Defaults to `0.0`.
        l2: Non-negative float, the L2 factor. Defaults to `0.0`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of any rank.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> layer = ActivityRegularization(l1=0.1)
    >>> layer(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    >>> float(layer.losses[0])  # 0.1 * 6 / 2
    0.3
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        # Checked here so that the error names this layer, not `L1L2`.
        for name, value in (("l1", l1), ("l2", l2)):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not value >= 0
            ):
                raise ArgumentError(name, "a non-negative float", value)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
