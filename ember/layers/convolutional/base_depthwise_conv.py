"""`BaseDepthwiseConv`: the shared base of `DepthwiseConv1D` and
`DepthwiseConv2D`."""

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
from ember.ops.nn_conv import (
    _convolve,
    depthwise_kernel,
    int_tuple,
    standardize_padding,
)


class BaseDepthwiseConv(Layer):
    """Base of the depthwise convolution layers: each input channel is
    convolved with its own `depth_multiplier` filters, channels never mix.

    Subclasses fix `rank`; see `DepthwiseConv2D` for the arguments. The kernel
    has shape `(*kernel_size, input_channels, depth_multiplier)`; output
    channel `c * depth_multiplier + m` is filter `m` of input channel `c`.

    Args:
        rank: Number of spatial axes (1 or 2).
        depth_multiplier: Positive integer, the filters per input channel.
        kernel_size: Int or tuple of `rank` ints, the window's size.
        strides: Int or tuple of `rank` ints. Defaults to `1`.
        padding: `"valid"` or `"same"`, case-insensitive. Defaults to
            `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of `rank` ints. Defaults to `1`.
        activation: Activation function or its name. Defaults to `None`.
        use_bias: Whether to add a bias vector. Defaults to `True`.
        depthwise_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        depthwise_regularizer: Defaults to `None`.
        bias_regularizer: Defaults to `None`.
        activity_regularizer: Defaults to `None`.
        depthwise_constraint: Defaults to `None`.
        bias_constraint: Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier")
        self.kernel_size = int_tuple(kernel_size, rank, "kernel_size")
        self.strides = int_tuple(strides, rank, "strides")
        self.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_settings(self, arguments, ("depthwise", "bias"))
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels = check_conv_input(self, input_shape)
        check_output_size(self, input_shape)
        # Keras names the depthwise kernel `kernel`.
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name="kernel",
        )
        self.bias = add_bias(self, channels * self.depth_multiplier)
        self.input_spec = input_spec_for(self, channels)
        self.built = True

    def call(self, inputs):
        inputs, kernel, bias = _common_dtype(self, inputs, self.kernel, self.bias)
        outputs = _convolve(
            inputs,
            depthwise_kernel(kernel),
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
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **serialize_common(self, ("depthwise",)),
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, depth_multiplier={self.depth_multiplier}, "
            f"kernel_size={self.kernel_size}{describe_window(self)}"
        )
