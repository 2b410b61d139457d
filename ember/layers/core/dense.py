"""`Dense`: the densely connected layer, `activation(inputs @ kernel + bias)`."""

import numbers

import torch

from ember import activations, constraints, initializers, regularizers
from ember.backend import dtypes
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.weight_settings import set_weight_settings


class Dense(Layer):
    """A densely connected layer: `output = activation(inputs @ kernel + bias)`.

    The kernel has shape `(input_dim, units)`, so the layer acts on the last
    axis of its input; every other axis is carried along, which applies the
    same transformation to each position of a sequence or an image.

    Args:
        units: Positive integer, the size of the last output axis.
        activation: Activation function or its name. Defaults to `None`
            (no activation: `a(x) = x`).
        use_bias: Whether the layer adds a bias vector. Defaults to `True`.
        kernel_initializer: Initializer of the kernel. Defaults to
            `"glorot_uniform"`.
        bias_initializer: Initializer of the bias. Defaults to `"zeros"`.
        kernel_regularizer: Regularizer applied to the kernel. Defaults to
            `None`.
        bias_regularizer: Regularizer applied to the bias. Defaults to `None`.
        activity_regularizer: Regularizer applied to the output. Defaults to
            `None`.
        kernel_constraint: Constraint applied to the kernel after each update.
            Defaults to `None`.
        bias_constraint: Constraint applied to the bias after each update.
            Defaults to `None`.
        quantization_config: Present for compatibility with Keras configs;
            only `None` is accepted. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 2 or more.

    Input shape:
        `(batch_size, ..., input_dim)`.

    Output shape:
        `(batch_size, ..., units)`.

    Example:

    >>> Dense(4, activation="relu")(torch.ones(2, 3)).shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        quantization_config=None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not _is_positive_int(units):
            raise ArgumentError("units", "a positive integer", units)
        if quantization_config is not None:
            raise ArgumentError(
                "quantization_config",
                "None (ember does not quantize Dense)",
                quantization_config,
            )
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_settings(self, arguments, ("kernel", "bias"))
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        inputs, kernel, bias = _common_dtype(self, inputs, self.kernel, self.bias)
        # `linear` wants `(units, input_dim)`; the transposed view costs no copy.
        outputs = torch.nn.functional.linear(inputs, kernel.T, bias)
        return self.activation(outputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, units={self.units}"


def _is_positive_int(value) -> bool:
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and value > 0
    )


def _common_dtype(layer, inputs, *weights):
    """Casts integer inputs to the compute dtype, and the weights to the input
    dtype when they differ (mixed precision keeps float32 weights)."""
    if not inputs.is_floating_point():
        inputs = inputs.to(dtypes.to_torch_dtype(layer.compute_dtype))
    return (inputs,) + tuple(
        w if w is None or w.dtype == inputs.dtype else w.to(inputs.dtype)
        for w in weights
    )
