"""`DataInputLayer`: the base of the preprocessing layers that take raw data.

Keras's preprocessing layers accept Python lists, NumPy arrays and strings as
well as tensors. Torch has no string tensors, so string data bypasses the
tensor machinery of `Layer.__call__` (it cannot be a `KerasTensor` either) and
goes straight to `call`; numbers in lists become tensors and take the normal
path, so these layers work inside models on tensors and on data outside them.
"""

import numpy as np

from ember.backend.keras_tensor import KerasTensor
from ember.layers.layer import Layer
from ember.layers.preprocessing._utils import is_string_input, to_int_tensor


class DataInputLayer(Layer):
    """A layer whose call also accepts strings, lists and NumPy arrays."""

    def __call__(self, inputs, *args, **kwargs):
        if is_string_input(inputs):
            kwargs.pop("training", None)
            if not self.built:
                self.build(None)
                self.built = True
            return self.call(inputs, *args, **kwargs)
        if not isinstance(inputs, KerasTensor) and isinstance(
            inputs, (list, tuple, np.ndarray, int, float, np.generic)
        ):
            inputs = to_int_tensor(inputs)
        return super().__call__(inputs, *args, **kwargs)
