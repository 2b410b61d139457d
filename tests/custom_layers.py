"""Keras-style custom layers used across the model tests (no built-in layers needed)."""

from ember.layers.layer import Layer


class Linear(Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), name="kernel"
        )
        self.bias = self.add_weight(
            shape=(self.units,), initializer="zeros", name="bias"
        )

    def call(self, inputs):
        return inputs @ self.kernel + self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Sum(Layer):
    def call(self, inputs):
        return inputs[0] + inputs[1]
