"""`Conv1DTranspose`: 1-D transposed convolution layer (an upsampling convolution)."""

from ember.backend.arguments import passed
from ember.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution layer (an upsampling convolution).

    A transposed convolution maps each input position to a window of the
    output, going the opposite way of a `Conv1D` with the same arguments: it
    upsamples by `strides`, as the gradient of that convolution with respect to
    its input does. The kernel has shape `(*kernel_size, filters,
    input_channels)`; a bias vector is added when `use_bias` is set, then
    `activation` is applied.

    Args:
        filters: Positive integer, the number of output channels.
        kernel_size: Int or tuple of 1 ints, the size of the window.
        strides: Int or tuple of 1 ints, the upsampling factor along each
            spatial axis. Strides above 1 exclude a `dilation_rate` above 1.
            Defaults to `1`.
        padding: `"valid"` or `"same"` (the output is then `strides` times
            the input along each spatial axis). Case-insensitive. Defaults to
            `"valid"`.
        output_padding: `None`, or an int or tuple of 1 ints, each below the
            matching stride: the extra size added at the end of each spatial
            axis (see Output shape). Defaults to `None` (inferred).
        data_format: `"channels_last"` (inputs `(batch_size, steps, channels)`) or
            `"channels_first"` (inputs `(batch_size, channels, steps)`). Defaults to
            `ember.config.image_data_format()`, `"channels_last"` unless set.
        dilation_rate: Int or tuple of 1 ints, the spacing between the
            kernel's taps. Defaults to `1`.
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
        inputs: A tensor of rank 3.

    Input shape:
        `(batch_size, steps, channels)` with `data_format="channels_last"`,
        `(batch_size, channels, steps)` with `"channels_first"`.

    Output shape:
        `(batch_size, new_steps, filters)` with `"channels_last"`,
        `(batch_size, filters, new_steps)` with `"channels_first"`. Along each
        spatial axis, with `span = dilation_rate * (kernel_size - 1) + 1`:
        `new = (size - 1) * strides + max(span, strides)` for `"valid"` and
        `size * strides` for `"same"`; with `output_padding`, `(size - 1) *
        strides + span + output_padding` for `"valid"` and `(size - 1) *
        strides + span % 2 + output_padding` for `"same"`.

    Example:

    >>> Conv1DTranspose(8, 3, strides=2, padding="same")(torch.ones(4, 10, 16)).shape
    torch.Size([4, 20, 8])
    """

    def __init__(
        self,
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
        super().__init__(rank=1, **passed(locals()))
