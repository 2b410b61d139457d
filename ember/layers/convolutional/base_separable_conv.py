"""`BaseSeparableConv`: the shared base of `SeparableConv1D` and
`SeparableConv2D`."""

from ember import activations
from ember.backend import standardize_data_format
from ember.backend.arguments import passed
from ember.layers.convolutional.base_conv import (
    add_bias,
    check_conv_input,
    check_output_size,
    describe_window,
    input_spec_for,
    positive_int,
    serialize_common,
)
from ember.layers.core.dense import _common_dtype
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.weight_settings import set_weight_settings
from ember.ops.nn_conv import _separable, int_tuple, standardize_padding


class BaseSeparableConv(Layer):
    """Base of the depthwise separable convolution layers: a depthwise
    convolution (each input channel on its own) followed by a pointwise (1x1)
    convolution mixing the channels.

    Subclasses fix `rank`; see `SeparableConv2D` for the arguments. The
    weights are `depthwise_kernel` of shape `(*kernel_size, input_channels,
    depth_multiplier)`, `pointwise_kernel` of shape `(1, ..., 1,
    input_channels * depth_multiplier, filters)` and `bias` of shape
    `(filters,)`.

    Args:
        rank: Number of spatial axes (1 or 2).
        depth_multiplier: Positive integer, the depthwise filters per input
            channel.
        filters: Positive integer, the number of output channels.
        kernel_size: Int or tuple of `rank` ints, the depthwise window's size.
        strides: Int or tuple of `rank` ints, of the depthwise step. Defaults
            to `1`.
        padding: `"valid"` or `"same"`, case-insensitive. Defaults to
            `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of `rank` ints. Defaults to `1`.
        activation: Activation function or its name. Defaults to `None`.
        use_bias: Whether to add a bias vector. Defaults to `True`.
        depthwise_initializer: Defaults to `"glorot_uniform"`.
        pointwise_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        depthwise_regularizer: Defaults to `None`.
        pointwise_regularizer: Defaults to `None`.
        bias_regularizer: Defaults to `None`.
        activity_regularizer: Defaults to `None`.
        depthwise_constraint: Defaults to `None`.
        pointwise_constraint: Defaults to `None`.
        bias_constraint: Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier")
        self.filters = positive_int(filters, "filters")
        self.kernel_size = int_tuple(kernel_size, rank, "kernel_size")
        self.strides = int_tuple(strides, rank, "strides")
        self.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_settings(self, arguments, ("depthwise", "pointwise", "bias"))
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels = check_conv_input(self, input_shape)
        check_output_size(self, input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name="depthwise_kernel",
        )
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
            name="pointwise_kernel",
        )
        self.bias = add_bias(self, self.filters)
        self.input_spec = input_spec_for(self, channels)
        self.built = True

    def call(self, inputs):
        inputs, depthwise, pointwise, bias = _common_dtype(
            self, inputs, self.depthwise_kernel, self.pointwise_kernel, self.bias
        )
        outputs = _separable(
            inputs,
            depthwise,
            pointwise,
            bias,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
        )
        return self.activation(outputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **serialize_common(self, ("depthwise", "pointwise")),
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, filters={self.filters}, "
            f"depth_multiplier={self.depth_multiplier}, "
            f"kernel_size={self.kernel_size}{describe_window(self)}"
        )
