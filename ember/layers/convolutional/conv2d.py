"""`Conv2D`: 2-D convolution layer (e.g. a spatial convolution over images)."""

from ember.backend.arguments import passed
from ember.layers.convolutional.base_conv import BaseConv


class Conv2D(BaseConv):
    """2-D convolution layer (e.g. a spatial convolution over images).

    The layer slides a kernel of shape `(*kernel_size, input_channels //
    groups, filters)` over the height and width of its input, adds a bias vector
    when `use_bias` is set, and applies `activation`.

    Args:
        filters: Positive integer, the number of output channels.
        kernel_size: Int or tuple of 2 ints, the size of the window.
        strides: Int or tuple of 2 ints, the step of the window. Strides
            above 1 exclude a `dilation_rate` above 1. Defaults to `(1, 1)`.
        padding: `"valid"` (no padding) or `"same"` (pad evenly so that
            `strides=1` keeps the size; an odd total pads one more at the
            end). Case-insensitive. Defaults to `"valid"`.
        data_format: `"channels_last"` (inputs `(batch_size, height, width, channels)`)
            or `"channels_first"` (inputs `(batch_size, channels, height, width)`).
            Defaults to `ember.config.image_data_format()`, `"channels_last"` unless
            set.
        dilation_rate: Int or tuple of 2 ints, the spacing between the
            kernel's taps (an "atrous" convolution). Defaults to `(1, 1)`.
        groups: Positive integer dividing both `filters` and the input
            channels: the channels are split into `groups` groups, each
            convolved with its own `filters // groups` filters, and the
            results are concatenated. Defaults to `1`.
        activation: Activation function or its name. Defaults to `None`
            (no activation).
        use_bias: Whether the layer adds a bias vector. Defaults to `True`.
        kernel_initializer: Initializer of the kernel. Defaults to
            `"glorot_uniform"`.
        bias_initializer: Initializer of the bias. Defaults to `"zeros"`.
        kernel_regularizer: Regularizer applied to the kernel. Defaults to
            `None`.
        bias_regularizer: Regularizer applied to the bias. Defaults to `None`.
        activity_regularizer: Regularizer applied to the output. Defaults to
            `None`.
        kernel_constraint: Constraint applied to the kernel after each
            update. Defaults to `None`.
        bias_constraint: Constraint applied to the bias after each update.
            Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 4.

    Input shape:
        `(batch_size, height, width, channels)` with `data_format="channels_last"`,
        `(batch_size, channels, height, width)` with `"channels_first"`.

    Output shape:
        `(batch_size, new_height, new_width, filters)` with `"channels_last"`,
        `(batch_size, filters, new_height, new_width)` with `"channels_first"`. Along
        each spatial axis,
        `new = floor((size - dilation_rate * (kernel_size - 1) - 1) / strides) + 1` for
        `"valid"` padding and `ceil(size / strides)` for `"same"`.

    Example:

    >>> Conv2D(8, 3, activation="relu")(torch.ones(4, 10, 10, 3)).shape
    torch.Size([4, 8, 8, 8])
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1),
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
        **kwargs,
    ):
        super().__init__(rank=2, **passed(locals()))
