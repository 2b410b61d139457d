"""`BaseConv`: the shared base of `Conv1D`, `Conv2D` and `Conv3D`, and the
input checks of the whole convolution family."""

import numbers

from ember import activations, constraints, initializers, regularizers
from ember.backend import standardize_data_format
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.core.dense import _common_dtype
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.weight_settings import set_weight_settings
from ember.ops.nn_conv import _convolve, int_tuple, standardize_padding


class BaseConv(Layer):
    """Base of the N-D convolution layers: `activation(conv(inputs, kernel) + bias)`.

    Subclasses fix `rank`; see `Conv2D` for the arguments.

    Args:
        rank: Number of spatial axes (1, 2 or 3).
        filters: Positive integer, the number of output channels.
        kernel_size: Int or tuple of `rank` ints, the window's size.
        strides: Int or tuple of `rank` ints, the window's step. Strides above
            1 exclude a `dilation_rate` above 1. Defaults to `1`.
        padding: `"valid"`, `"same"` (or `"causal"` when `rank` is 1),
            case-insensitive. Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dilation_rate: Int or tuple of `rank` ints. Defaults to `1`.
        groups: Positive integer dividing `filters` and the input channels:
            the channels are split into `groups` groups convolved apart.
            Defaults to `1`.
        activation: Activation function or its name. Defaults to `None`.
        use_bias: Whether to add a bias vector. Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer: Defaults to `None`.
        bias_regularizer: Defaults to `None`.
        activity_regularizer: Defaults to `None`.
        kernel_constraint: Defaults to `None`.
        bias_constraint: Defaults to `None`.
        lora_rank: Present for compatibility with Keras configs; only `None`
            is accepted (ember has no LoRA for convolutions). Defaults to
            `None`.
        lora_alpha: As `lora_rank`. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("lora_rank", lora_rank), ("lora_alpha", lora_alpha)):
            if value is not None:
                raise ArgumentError(
                    name, "None (ember does not implement LoRA for convolutions)", value
                )
        self.rank = rank
        self.filters = positive_int(filters, "filters")
        self.groups = positive_int(groups, "groups")
        if self.filters % self.groups:
            raise ArgumentError(
                "groups",
                f"a divisor of `filters` ({self.filters})",
                groups,
            )
        self.kernel_size = int_tuple(kernel_size, rank, "kernel_size")
        self.strides = int_tuple(strides, rank, "strides")
        self.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate")
        check_strides_and_dilation(self.strides, self.dilation_rate)
        self.padding = standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_settings(self, arguments, ("kernel", "bias"))
        # Causal padding pads the input itself (see Conv1D); the conv is "valid".
        self._conv_padding = "valid" if self.padding == "causal" else self.padding
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels = check_conv_input(self, input_shape)
        if channels % self.groups:
            raise ValueError(
                f"`{type(self).__name__}` (layer '{self.name}') has groups="
                f"{self.groups}, which must divide the input's channels; received "
                f"an input with {channels} channels (shape {tuple(input_shape)})."
            )
        check_output_size(self, input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters),
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
        outputs = _convolve(
            inputs,
            kernel,
            bias,
            self.strides,
            self._conv_padding,
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
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            **serialize_common(self),
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, filters={self.filters}, "
            f"kernel_size={self.kernel_size}{describe_window(self)}"
        )


# --- The family's shared checks and config ---------------------------------------

_SPATIAL_NAMES = {
    1: ("steps",),
    2: ("height", "width"),
    3: ("depth", "height", "width"),
}


def add_bias(layer, size):
    """The layer's bias of `size` values (Keras's "bias"), or None without one."""
    if not layer.use_bias:
        return None
    return layer.add_weight(
        shape=(size,),
        initializer=layer.bias_initializer,
        regularizer=layer.bias_regularizer,
        constraint=layer.bias_constraint,
        name="bias",
    )


def positive_int(value, name) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
        raise ArgumentError(name, "a positive integer", value)
    return int(value)


def check_strides_and_dilation(strides, dilation_rate):
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ArgumentError(
            "dilation_rate",
            f"1 when `strides` is above 1 (received strides={strides})",
            dilation_rate,
            hint="Use either strides or dilation, not both.",
        )


def expected_layout(rank, data_format) -> str:
    spatial = ", ".join(_SPATIAL_NAMES[rank])
    if data_format == "channels_last":
        return f"(batch_size, {spatial}, channels)"
    return f"(batch_size, channels, {spatial})"


def check_conv_input(layer, input_shape) -> int:
    """Checks the rank and the channel axis of a conv layer's input; returns the
    number of input channels."""
    shape = tuple(input_shape)
    rank, cls = layer.rank, type(layer).__name__
    layout = expected_layout(rank, layer.data_format)
    if len(shape) != rank + 2:
        hint = ""
        if len(shape) == rank + 1:
            hint = " If it is a single sample, add a batch axis (e.g. `x[None]`)."
        raise ValueError(
            f"`{cls}` (layer '{layer.name}') expects inputs of rank {rank + 2}, "
            f"shaped {layout} (data_format='{layer.data_format}'); received an "
            f"input of rank {len(shape)} with shape {shape}.{hint}"
        )
    channels = shape[-1] if layer.data_format == "channels_last" else shape[1]
    if channels is None:
        raise ValueError(
            f"`{cls}` (layer '{layer.name}') needs a known number of input "
            f"channels to create its weights; received an input of shape "
            f"{shape}, {layout}."
        )
    return int(channels)


def check_output_size(layer, input_shape):
    """With "valid" padding, the window must fit in the (padded) input."""
    if layer.padding != "valid":
        return
    shape = tuple(input_shape)
    spatial = shape[1:-1] if layer.data_format == "channels_last" else shape[2:]
    for size, k, rate in zip(spatial, layer.kernel_size, layer.dilation_rate):
        span = (k - 1) * rate + 1
        if size is not None and size < span:
            raise ValueError(
                f"`{type(layer).__name__}` (layer '{layer.name}') with "
                f"kernel_size={layer.kernel_size}, dilation_rate="
                f"{layer.dilation_rate} and padding='valid' needs spatial sizes of "
                f"at least {span}; received an input of shape {shape}, which "
                f"would give an empty output. Use padding='same' or a smaller "
                "kernel."
            )


def input_spec_for(layer, channels) -> InputSpec:
    axis = -1 if layer.data_format == "channels_last" else 1
    return InputSpec(ndim=layer.rank + 2, axes={axis: channels})


def serialize_common(layer, kernels=("kernel",)) -> dict:
    """The config entries every conv layer shares, in Keras's order; `kernels`
    names the kernels' argument prefixes (`kernel`, or `depthwise` and
    `pointwise`)."""

    def each(kind, serialize):
        return {
            f"{k}_{kind}": serialize(getattr(layer, f"{k}_{kind}")) for k in kernels
        }

    return {
        "activation": activations.serialize(layer.activation),
        "use_bias": layer.use_bias,
        **each("initializer", initializers.serialize),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        **each("regularizer", regularizers.serialize),
        "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
        "activity_regularizer": regularizers.serialize(layer.activity_regularizer),
        **each("constraint", constraints.serialize),
        "bias_constraint": constraints.serialize(layer.bias_constraint),
    }


def describe_window(layer) -> str:
    """The non-default window arguments, for `repr`."""
    ones = (1,) * layer.rank
    parts = []
    if layer.strides != ones:
        parts.append(f"strides={layer.strides}")
    if layer.padding != "valid":
        parts.append(f"padding={layer.padding}")
    if layer.dilation_rate != ones:
        parts.append(f"dilation_rate={layer.dilation_rate}")
    if getattr(layer, "groups", 1) != 1:
        parts.append(f"groups={layer.groups}")
    if layer.data_format != "channels_last":
        parts.append(f"data_format={layer.data_format}")
    if layer.activation is not activations.linear:
        parts.append(f"activation={activations.serialize(layer.activation)}")
    if not layer.use_bias:
        parts.append("use_bias=False")
    return "".join(f", {p}" for p in parts)
