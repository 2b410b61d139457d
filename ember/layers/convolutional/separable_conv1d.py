"""`SeparableConv1D`: 1-D depthwise separable convolution layer."""

from ember.backend.arguments import passed
from ember.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv1D(BaseSeparableConv):
    """1-D depthwise separable convolution layer.

    A depthwise convolution (each input channel convolved on its own with
    `depth_multiplier` filters) followed by a pointwise convolution (a 1x1
    convolution mixing the channels into `filters` outputs): far fewer weights
    than a `Conv1D` of the same window. The weights are `depthwise_kernel`
    of shape `(*kernel_size, input_channels, depth_multiplier)`,
    `pointwise_kernel` of shape `(1, input_channels * depth_multiplier,
    filters)` and, when `use_bias` is set, `bias`; then `activation` is
    applied.

    Args:
        filters: Positive integer, the number of output channels.
        kernel_size: Int or tuple of 1 ints, the size of the depthwise
            window.
        strides: Int or tuple of 1 ints, the step of the depthwise window.
            Defaults to `1`.
        padding: `"valid"` (no padding) or `"same"` (pad evenly so that
            `strides=1` keeps the size; an odd total pads one more at the
            end). Case-insensitive. Defaults to `"valid"`.
        data_format: `"channels_last"` (inputs `(batch_size, steps, channels)`) or
            `"channels_first"` (inputs `(batch_size, channels, steps)`). Defaults to
            `ember.config.image_data_format()`, `"channels_last"` unless set.
        dilation_rate: Int or tuple of 1 ints, the spacing between the
            depthwise kernel's taps. Defaults to `1`.
        depth_multiplier: Positive integer, the number of depthwise filters
            per input channel. Defaults to `1`.
        activation: Activation function or its name. Defaults to `None`
            (no activation).
        use_bias: Whether the layer adds a bias vector. Defaults to `True`.
        depthwise_initializer: Initializer of the depthwise kernel. Defaults
            to `"glorot_uniform"`.
        pointwise_initializer: Initializer of the pointwise kernel. Defaults
            to `"glorot_uniform"`.
        bias_initializer: Initializer of the bias. Defaults to `"zeros"`.
        depthwise_regularizer: Regularizer applied to the depthwise kernel.
            Defaults to `None`.
        pointwise_regularizer: Regularizer applied to the pointwise kernel.
            Defaults to `None`.
        bias_regularizer: Regularizer applied to the bias. Defaults to `None`.
        activity_regularizer: Regularizer applied to the output. Defaults to
            `None`.
        depthwise_constraint: Constraint applied to the depthwise kernel
            after each update. Defaults to `None`.
        pointwise_constraint: Constraint applied to the pointwise kernel
            after each update. Defaults to `None`.
        bias_constraint: Constraint applied to the bias after each update.
            Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3.

    Input shape:
        `(batch_size, steps, channels)` with `data_format="channels_last"`,
        `(batch_size, channels, steps)` with `"channels_first"`.

    Output shape:
        `(batch_size, new_steps, filters)` with `"channels_last"`,
        `(batch_size, filters, new_steps)` with `"channels_first"`. Along each
        spatial axis, `new = floor((size - dilation_rate * (kernel_size - 1) -
        1) / strides) + 1` for `"valid"` padding and `ceil(size / strides)`
        for `"same"`.

    Example:

    >>> SeparableConv1D(8, 3, activation="relu")(torch.ones(4, 10, 3)).shape
    torch.Size([4, 8, 8])
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        depth_multiplier: int = 1,
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
        super().__init__(rank=1, **passed(locals()))
