"""`ConvLSTM3D`: a 3-D convolutional LSTM."""

from ember.backend.arguments import passed
from ember.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM: an LSTM whose input and recurrent
    transformations are 3-D convolutions, over sequences of volumes.

    With `z = conv(x, kernel) + conv(h_prev, recurrent_kernel) + bias` split
    into the gate blocks `i, f, c, o` along the channels:
    `c = f' * c_prev + i' * activation(c_z)` and `h = o' * activation(c)`
    (`'` = `recurrent_activation`). The recurrent convolution has stride 1 and
    "same" padding.

    Args:
        filters: Positive integer, the number of output channels.
        kernel_size: Integer or tuple of 3 integers, the kernel window.
        strides: Integer or tuple of 3 integers; `> 1` cannot be combined
            with `dilation_rate > 1`. Defaults to `1`.
        padding: `"valid"` (no padding) or `"same"` (pad so the output has
            `ceil(size / stride)` positions). Defaults to `"valid"`.
        data_format: `"channels_last"` (`(batch, time, dim1, dim2, dim3, channels)`) or
            `"channels_first"` (`(batch, time, channels, dim1, dim2, dim3)`). Defaults
            to `None` (the global `image_data_format`, `"channels_last"`).
        dilation_rate: Integer or tuple of 3 integers. Defaults to `1`.
        activation: Activation of the candidate and output. Defaults to
            `"tanh"`.
        recurrent_activation: Activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: Whether the layer adds a bias. Defaults to `True`.
        kernel_initializer: Initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: Initializer of `recurrent_kernel`. Defaults
            to `"orthogonal"`.
        bias_initializer: Initializer of `bias`. Defaults to `"zeros"`.
        unit_forget_bias: Whether to add 1 to the forget-gate bias at
            initialization. Defaults to `True`.
        kernel_regularizer: Regularizer of `kernel`. Defaults to `None`.
        recurrent_regularizer: Regularizer of `recurrent_kernel`. Defaults
            to `None`.
        bias_regularizer: Regularizer of `bias`. Defaults to `None`.
        activity_regularizer: Regularizer of the output. Defaults to `None`.
        kernel_constraint: Constraint on `kernel`. Defaults to `None`.
        recurrent_constraint: Constraint on `recurrent_kernel`. Defaults to
            `None`.
        bias_constraint: Constraint on `bias`. Defaults to `None`.
        dropout: Float in `[0, 1]`, fraction of the inputs dropped in
            training. Defaults to `0.0`.
        recurrent_dropout: Float in `[0, 1]`, fraction of the recurrent
            state dropped in training. Defaults to `0.0`.
        seed: Integer seed of the dropout masks. Defaults to `None`.
        return_sequences: Whether to return every timestep's output or only
            the last. Defaults to `False`.
        return_state: Whether to also return the last `h` and `c`. Defaults
            to `False`.
        go_backwards: Whether to process the sequence backwards. Defaults to
            `False`.
        stateful: Whether each batch starts from the last states of the
            previous one. Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        sequences: A 6-D tensor, see "Input shape".
        initial_state: Optional `[h, c]`, shaped like one output step.
        mask: Optional boolean tensor `(batch, timesteps)`.
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, timesteps, dim1, dim2, dim3, channels)` for `"channels_last"`,
        `(batch_size, timesteps, channels, dim1, dim2, dim3)` for `"channels_first"`.

    Output shape:
        With `return_sequences`, `(batch_size, timesteps, new_dim1, new_dim2, new_dim3, filters)`
        (channels last), else `(batch_size, new_dim1, new_dim2, new_dim3, filters)`, where each
        `new_dim = (dim - dilation * (kernel - 1) - 1) // stride + 1` for
        `"valid"` and `ceil(dim / stride)` for `"same"`; with
        `return_state`, followed by `h` and `c` shaped like one output step.

    Example:

    >>> layer = ConvLSTM3D(4, 3, padding="same")
    >>> layer(torch.ones(2, 3, 4, 4, 4, 3)).shape
    torch.Size([2, 4, 4, 4, 4])
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs,
    ):
        super().__init__(rank=3, **passed(locals()))
