"""`ReLU`: the rectified linear unit, with optional cap, slope and threshold."""

import numbers

import torch

from ember import activations
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class ReLU(Layer):
    """Rectified linear unit activation, as a layer.

    With the defaults it returns `max(x, 0)`. In general:

    - `max_value` if `x >= max_value`,
    - `x` if `threshold <= x < max_value`,
    - `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: Non-negative float, the largest output, or `None` for no
            cap. Defaults to `None`.
        negative_slope: Non-negative float, the slope below `threshold`.
            Defaults to `0.0`.
        threshold: Non-negative float, the value below which inputs are
            damped. Defaults to `0.0`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> ReLU(max_value=1.0)(torch.tensor([-2.0, 0.5, 3.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if max_value is not None and not _non_negative(max_value):
            raise ArgumentError("max_value", "a non-negative float or None", max_value)
        if not _non_negative(negative_slope):
            raise ArgumentError(
                "negative_slope", "a non-negative float", negative_slope
            )
        if not _non_negative(threshold):
            raise ArgumentError("threshold", "a non-negative float", threshold)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self._plain = max_value is None and negative_slope == 0 and threshold == 0
        self.built = True

    def call(self, inputs):
        if self._plain:
            return torch.relu(inputs)
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


def _non_negative(value) -> bool:
    return (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and value >= 0
    )
