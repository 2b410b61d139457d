"""`DepthwiseConv1D`: 1-D depthwise convolution layer."""

from ember.backend.arguments import passed
from ember.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution layer.

    Each input channel is convolved on its own with `depth_multiplier`
    filters, so channels never mix: the output has `input_channels *
    depth_multiplier` channels, filter `m` of input channel `c` at channel
    `c * depth_multiplier + m`. The kernel (weight `kernel`) has shape
    `(*kernel_size, input_channels, depth_multiplier)`; a bias vector is added
    when `use_bias` is set, then `activation` is applied. It is the first step
    of a `SeparableConv1D`.

    Args:
        kernel_size: Int or tuple of 1 ints, the size of the window.
        strides: Int or tuple of 1 ints, the step of the window. Defaults to
            `1`.
        padding: `"valid"` (no padding) or `"same"` (pad evenly so that
            `strides=1` keeps the size; an odd total pads one more at the
            end). Case-insensitive. Defaults to `"valid"`.
        depth_multiplier: Positive integer, the number of filters per input
            channel. Defaults to `1`.
        data_format: `"channels_last"` (inputs `(batch_size, steps, channels)`) or
            `"channels_first"` (inputs `(batch_size, channels, steps)`). Defaults to
            `ember.config.image_data_format()`, `"channels_last"` unless set.
        dilation_rate: Int or tuple of 1 ints, the spacing between the
            kernel's taps. Defaults to `1`.
        activation: Activation function or its name. Defaults to `None`
            (no activation).
        use_bias: Whether the layer adds a bias vector. Defaults to `True`.
        depthwise_initializer: Initializer of the kernel. Defaults to
            `"glorot_uniform"`.
        bias_initializer: Initializer of the bias. Defaults to `"zeros"`.
        depthwise_regularizer: Regularizer applied to the kernel. Defaults to
            `None`.
        bias_regularizer: Regularizer applied to the bias. Defaults to `None`.
        activity_regularizer: Regularizer applied to the output. Defaults to
            `None`.
        depthwise_constraint: Constraint applied to the kernel after each
            update. Defaults to `None`.
        bias_constraint: Constraint applied to the bias after each update.
            Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3.

    Input shape:
        `(batch_size, steps, channels)` with `data_format="channels_last"`,
        `(batch_size, channels, steps)` with `"channels_first"`.

    Output shape:
        `(batch_size, new_steps, channels * depth_multiplier)` with
        `"channels_last"`, `(batch_size, channels * depth_multiplier, new_steps)`
        with `"channels_first"`. Along each spatial axis, `new = floor((size -
        dilation_rate * (kernel_size - 1) - 1) / strides) + 1` for `"valid"`
        padding and `ceil(size / strides)` for `"same"`.

    Example:

    >>> DepthwiseConv1D(3, depth_multiplier=2)(torch.ones(4, 10, 3)).shape
    torch.Size([4, 8, 6])
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding: str = "valid",
        depth_multiplier: int = 1,
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
        super().__init__(rank=1, **passed(locals()))
