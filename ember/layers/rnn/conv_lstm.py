"""`ConvLSTMCell` and `ConvLSTM`: LSTMs whose transformations are convolutions.

`ConvLSTM1D`, `ConvLSTM2D` and `ConvLSTM3D` are short subclasses of `ConvLSTM`
that fix the rank. The convolutions go through `_conv`, the one place where
Keras's layouts (channels-last data, `(*kernel_size, in, out)` kernels,
TensorFlow-style "same" padding) meet torch's.
"""

import numbers

import torch

from ember import activations, initializers, random
from ember.backend import config as backend_config
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.core.dense import _common_dtype
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.rnn.base_rnn_cell import weights_config
from ember.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from ember.layers.rnn.rnn import OwnCellRNN
from ember.layers.weight_settings import set_weight_settings

_CONV = {
    1: torch.nn.functional.conv1d,
    2: torch.nn.functional.conv2d,
    3: torch.nn.functional.conv3d,
}


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One step of a convolutional LSTM.

    Like `LSTMCell`, with the input and recurrent matmuls replaced by
    convolutions: the input convolution uses the layer's `strides`,
    `padding` and `dilation_rate`; the recurrent one has stride 1 and "same"
    padding, so the state keeps the output's spatial shape.

    Args:
        rank: Integer 1, 2 or 3, the number of spatial axes.
        filters: Positive integer, the number of output channels.
        kernel_size: Integer or tuple of `rank` integers, the kernel window.
        strides: Integer or tuple of `rank` integers. Defaults to `1`.
        padding: `"valid"` or `"same"` (case-insensitive). Defaults to
            `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `None` (the global `image_data_format`).
        dilation_rate: Integer or tuple of `rank` integers. Defaults to `1`.
        activation: Activation of the candidate and output. Defaults to
            `"tanh"`.
        recurrent_activation: Activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: Whether the cell adds a bias. Defaults to `True`.
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
        kernel_constraint: Constraint on `kernel`. Defaults to `None`.
        recurrent_constraint: Constraint on `recurrent_kernel`. Defaults to
            `None`.
        bias_constraint: Constraint on `bias`. Defaults to `None`.
        dropout: Float in `[0, 1]`, fraction of the inputs dropped in
            training (one mask per gate). Defaults to `0.0`.
        recurrent_dropout: Float in `[0, 1]`, fraction of the recurrent
            state dropped in training. Defaults to `0.0`.
        seed: Integer seed of the dropout masks. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: One timestep, `(batch, *spatial, channels)` (channels last)
            or `(batch, channels, *spatial)`.
        states: `[h, c]`, shaped like the output.
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, *spatial, channels)` or `(batch_size, channels,
        *spatial)`.

    Output shape:
        `(h, [h, c])`, with `filters` channels and the convolution's spatial
        shape.

    Example:

    >>> cell = ConvLSTMCell(2, filters=4, kernel_size=3, padding="same")
    >>> cell.build((1, 8, 8, 3))
    >>> h, _ = cell(torch.ones(1, 8, 8, 3), cell.get_initial_state(1))
    >>> h.shape
    torch.Size([1, 8, 8, 4])
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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(**kwargs)
        if rank not in _CONV:
            raise ArgumentError("rank", "1, 2 or 3", rank)
        if (
            isinstance(filters, bool)
            or not isinstance(filters, numbers.Integral)
            or filters <= 0
        ):
            raise ArgumentError("filters", "a positive integer", filters)
        self.rank = rank
        self.filters = int(filters)
        self.kernel_size = _standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = _standardize_tuple(strides, rank, "strides")
        self.dilation_rate = _standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = _standardize_padding(padding)
        self.data_format = backend_config.standardize_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"`{type(self).__name__}` cannot combine `strides > 1` with "
                f"`dilation_rate > 1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}. Use one of them."
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        set_weight_settings(self, arguments, ("kernel", "recurrent", "bias"))
        self.unit_forget_bias = unit_forget_bias
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.dropout_mask_count = 4
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        # Keras's marker for "the states are shaped by `get_initial_state`".
        self.state_size = -1

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_first":
            channels, spatial = input_shape[1], input_shape[2:]
        else:
            channels, spatial = input_shape[-1], input_shape[1:-1]
        if None in spatial or channels is None:
            raise ValueError(
                f"`{type(self).__name__}` (layer '{self.name}') needs static "
                f"spatial and channel sizes, but received input shape "
                f"{input_shape}. Give them in `ember.Input(shape=...)`."
            )
        self.spatial_dims = tuple(spatial)
        self.input_dim = channels
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, 4 * self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, 4 * self.filters),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(4 * self.filters,),
                initializer=(
                    self._forget_bias_initializer
                    if self.unit_forget_bias
                    else self.bias_initializer
                ),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=False):
        projected = self._project_inputs(inputs, training)
        return self._recurrent_step(projected, states, training)

    def get_initial_state(self, batch_size=None):
        """Zero `[h, c]` with the output's shape for `batch_size` samples."""
        spatial = tuple(
            _conv_output_length(n, k, s, d, self.padding)
            for n, k, s, d in zip(
                self.spatial_dims, self.kernel_size, self.strides, self.dilation_rate
            )
        )
        if self.data_format == "channels_last":
            shape = (batch_size, *spatial, self.filters)
        else:
            shape = (batch_size, self.filters, *spatial)
        dtype = self._dtype_policy.torch_compute_dtype
        return [torch.zeros(shape, dtype=dtype), torch.zeros(shape, dtype=dtype)]

    def get_config(self) -> dict:
        return {**super().get_config(), **self._cell_config()}

    # ----------------------------------------------------------------- helpers
    def _forget_bias_initializer(self, shape, dtype=None):
        filters = self.filters
        ones = initializers.get("ones")
        return torch.cat(
            [
                torch.as_tensor(self.bias_initializer((filters,), dtype=dtype)),
                torch.as_tensor(ones((filters,), dtype=dtype)),
                torch.as_tensor(self.bias_initializer((2 * filters,), dtype=dtype)),
            ]
        )

    def _channel_axis(self, time_axis=False):
        if self.data_format == "channels_last":
            return -1
        return 2 if time_axis else 1

    def _project_inputs(self, inputs, training, time_axis=False):
        inputs, kernel, bias = _common_dtype(self, inputs, self.kernel, self.bias)
        mask = None
        if training and 0.0 < self.dropout < 1.0:
            mask = self.get_dropout_mask(inputs[:, 0] if time_axis else inputs)
            if time_axis:
                mask = [m.unsqueeze(1) for m in mask]
        if mask is None:
            return self._input_conv(inputs, kernel, bias, time_axis)
        biases = bias.chunk(4) if bias is not None else [None] * 4
        return torch.cat(
            [
                self._input_conv(inputs * m, k, b, time_axis)
                for m, k, b in zip(mask, kernel.chunk(4, dim=-1), biases)
            ],
            dim=self._channel_axis(time_axis),
        )

    def _input_conv(self, x, kernel, bias, time_axis):
        if time_axis:
            batch, steps = x.shape[:2]
            out = _conv(
                x.reshape((batch * steps,) + x.shape[2:]),
                kernel,
                bias,
                self.strides,
                self.padding,
                self.dilation_rate,
                self.data_format,
            )
            return out.reshape((batch, steps) + out.shape[1:])
        return _conv(
            x,
            kernel,
            bias,
            self.strides,
            self.padding,
            self.dilation_rate,
            self.data_format,
        )

    def _recurrent_step(self, projected, states, training):
        h_prev, c_prev = states[0], states[1]
        (recurrent_kernel,) = _common_dtype(self, projected, self.recurrent_kernel)[1:]
        ones = (1,) * self.rank
        axis = self._channel_axis()
        mask = None
        if training and 0.0 < self.recurrent_dropout < 1.0:
            mask = self.get_recurrent_dropout_mask(h_prev)
        if mask is None:
            recurrent = _conv(
                h_prev, recurrent_kernel, None, ones, "same", ones, self.data_format
            )
        else:
            recurrent = torch.cat(
                [
                    _conv(h_prev * m, k, None, ones, "same", ones, self.data_format)
                    for m, k in zip(mask, recurrent_kernel.chunk(4, dim=-1))
                ],
                dim=axis,
            )
        z_i, z_f, z_c, z_o = (projected + recurrent).chunk(4, dim=axis)
        gate = self.recurrent_activation
        c = gate(z_f) * c_prev + gate(z_i) * self.activation(z_c)
        h = gate(z_o) * self.activation(c)
        return h, [h, c]

    def _cell_config(self) -> dict:
        return {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
            **weights_config(self),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class ConvLSTM(OwnCellRNN):
    """Base of `ConvLSTM1D/2D/3D`: an LSTM with convolutional transformations.

    Args:
        rank: Integer 1, 2 or 3, the number of spatial axes.
        filters: Positive integer, the number of output channels.
        kernel_size: Integer or tuple of `rank` integers.
        **kwargs: The arguments of `ConvLSTMCell` (but `rank`) and of `RNN`
            (`return_sequences`, `return_state`, `go_backwards`, `stateful`),
            plus `activity_regularizer` and the standard layer arguments.

    Input shape:
        `(batch_size, timesteps, *spatial, channels)` for
        `"channels_last"`, `(batch_size, timesteps, channels, *spatial)` for
        `"channels_first"`.

    Output shape:
        `(batch_size, timesteps, *new_spatial, filters)` (channels last)
        with `return_sequences`, else without the `timesteps` axis; with
        `return_state`, followed by the last `h` and `c`.
    """

    CELL_ATTRIBUTES = (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "data_format",
        "dilation_rate",
        "activation",
        "recurrent_activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "unit_forget_bias",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
        "dropout",
        "recurrent_dropout",
    )

    def __init__(
        self,
        rank: int,
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
        arguments = passed(locals())
        self._init_own_cell(
            ConvLSTMCell, "conv_lstm_cell", arguments, rank=arguments.pop("rank")
        )
        self.input_spec = InputSpec(ndim=rank + 3)

    def build(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        self._check_sequences_shape(shape)
        if None in shape[2:]:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs static spatial "
                f"and channel sizes (its weights and states depend on them), but "
                f"received input shape {shape}. Give them in "
                "`ember.Input(shape=(timesteps, ...))`; only the batch and "
                "timesteps may be `None`."
            )
        super().build(sequences_shape, initial_state_shape)
        # Built for these spatial and channel sizes: refuse others clearly.
        self.input_spec = InputSpec(shape=(None, None) + tuple(sequences_shape)[2:])

    def _state_count(self) -> int:
        return 2


# ---------------------------------------------------------------------- helpers
def _conv(x, kernel, bias, strides, padding, dilation, data_format):
    """Keras's `conv` on torch: `kernel` is `(*kernel_size, in, out)`, "same"
    pads like TensorFlow (the odd pixel at the end)."""
    rank = kernel.ndim - 2
    if data_format == "channels_last":
        x = x.movedim(-1, 1)
    weight = kernel.permute(rank + 1, rank, *range(rank))
    torch_padding = 0
    if padding == "same":
        pads = [
            _same_padding(size, k, s, d)
            for size, k, s, d in zip(
                x.shape[2:], kernel.shape[:rank], strides, dilation
            )
        ]
        if all(left == right for left, right in pads):
            torch_padding = [left for left, _ in pads]
        else:
            flat = [p for pair in reversed(pads) for p in pair]
            x = torch.nn.functional.pad(x, flat)
    out = _CONV[rank](x, weight, bias, strides, torch_padding, dilation)
    return out.movedim(1, -1) if data_format == "channels_last" else out


def _same_padding(size, kernel, stride, dilation):
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + effective - size)
    return total // 2, total - total // 2


def _conv_output_length(size, kernel, stride, dilation, padding):
    if padding == "same":
        return -(-size // stride)
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def _standardize_tuple(value, rank, name):
    expected = f"a positive integer or a tuple of {rank} positive integers"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * rank
    try:
        value = tuple(value)
    except TypeError:
        raise ArgumentError(name, expected, value) from None
    if len(value) != rank or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
        for v in value
    ):
        raise ArgumentError(name, expected, value)
    return tuple(int(v) for v in value)


def _standardize_padding(padding):
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower()
    raise ArgumentError("padding", "'valid' or 'same'", padding)
