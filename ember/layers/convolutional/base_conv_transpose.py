"""`BaseConvTranspose`: the shared base of `Conv1DTranspose`, `Conv2DTranspose`
and `Conv3DTranspose`."""

from ember import activations
from ember.backend import standardize_data_format
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.convolutional.base_conv import (
    add_bias,
    check_conv_input,
    check_strides_and_dilation,
    describe_window,
    input_spec_for,
    positive_int,
    serialize_common,
)
from ember.layers.core.dense import _common_dtype
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.weight_settings import set_weight_settings
from ember.ops.nn_conv import _convolve_transpose, int_tuple, standardize_padding


class BaseConvTranspose(Layer):
    """Base of the N-D transposed convolution layers (upsampling convolutions).

    Subclasses fix `rank`; see `Conv2DTranspose` for the arguments. The kernel
    has shape `(*kernel_size, filters, input_channels)`.

    Args:
        rank: Number of spatial axes (1, 2 or 3).
        filters: Positive integer, the number of output channels.
        kernel_size: Int or tuple of `rank` ints, the window's size.
        strides: Int or tuple of `rank` ints, the upsampling factor. Strides
            above 1 exclude a `dilation_rate` above 1. Defaults to `1`.
        padding: `"valid"` or `"same"`, case-insensitive. Defaults to
            `"valid"`.
        output_padding: `None`, or an int or tuple of `rank` ints, each below
            the matching stride: extra positions added at the end of each
            spatial axis. Defaults to `None` (inferred from `padding`).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of `rank` ints. Defaults to `1`.
        activation: Activation function or its name. Defaults to `None`.
        use_bias: Whether to add a bias vector. Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer: Defaults to `None`.
        bias_regularizer: Defaults to `None`.
        activity_regularizer: Defaults to `None`.
        kernel_constraint: Defaults to `None`.
        bias_constraint: Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = positive_int(filters, "filters")
        self.kernel_size = int_tuple(kernel_size, rank, "kernel_size")
        self.strides = int_tuple(strides, rank, "strides")
        self.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate")
        check_strides_and_dilation(self.strides, self.dilation_rate)
        self.padding = standardize_padding(padding)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = int_tuple(
                output_padding, rank, "output_padding", allow_zero=True
            )
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ArgumentError(
                    "output_padding",
                    f"values below the strides {self.strides}, axis by axis",
                    output_padding,
                )
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_settings(self, arguments, ("kernel", "bias"))
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels = check_conv_input(self, input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.bias = add_bias(self, self.filters)
        self.input_spec = input_spec_for(self, channels)
        self.built = True

    def call(self, inputs):
        inputs, kernel, bias = _common_dtype(self, inputs, self.kernel, self.bias)
        outputs = _convolve_transpose(
            inputs,
            kernel,
            bias,
            self.strides,
            self.padding,
            self.output_padding,
            self.data_format,
            self.dilation_rate,
        )
        return self.activation(outputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **serialize_common(self),
        }

    def extra_repr(self) -> str:
        text = (
            f"{super().extra_repr()}, filters={self.filters}, "
            f"kernel_size={self.kernel_size}{describe_window(self)}"
        )
        if self.output_padding is not None:
            text += f", output_padding={self.output_padding}"
        return text
