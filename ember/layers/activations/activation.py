"""`Activation`: applies an activation function to its input."""

from ember import activations
from ember.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function, element-wise or along the last axis.

    Args:
        activation: An activation function, or the name of one in
            `ember.activations` (`"relu"`, `"softmax"`, ...).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> Activation("relu")(torch.tensor([-3.0, -1.0, 0.0, 2.0]))
    tensor([0., 0., 0., 2.])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "activation": activations.serialize(self.activation),
        }

    def extra_repr(self) -> str:
        name = getattr(self.activation, "__name__", type(self.activation).__name__)
        return f"{super().extra_repr()}, activation={name}"
