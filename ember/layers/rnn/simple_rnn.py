"""`SimpleRNNCell` and `SimpleRNN`: the fully connected (Elman) recurrent layer."""

from ember.backend import tree
from ember.backend.arguments import passed
from ember.layers.input_spec import InputSpec
from ember.layers.rnn.base_rnn_cell import BaseRNNCell, check_units, is_activation
from ember.layers.rnn.rnn import OwnCellRNN
from ember.ops import rnn as rnn_ops


class SimpleRNNCell(BaseRNNCell):
    """One step of a fully connected RNN: `h = activation(x @ W + h_prev @ U + b)`.

    `SimpleRNN` runs this cell over a whole sequence; `RNN(SimpleRNNCell(...))`
    does the same.

    Args:
        units: Positive integer, the size of the output (and state).
        activation: Activation function or its name. Defaults to `"tanh"`.
        use_bias: Whether the cell adds a bias. Defaults to `True`.
        kernel_initializer: Initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: Initializer of `recurrent_kernel`. Defaults to
            `"orthogonal"`.
        bias_initializer: Initializer of `bias`. Defaults to `"zeros"`.
        kernel_regularizer: Regularizer of `kernel`. Defaults to `None`.
        recurrent_regularizer: Regularizer of `recurrent_kernel`. Defaults to
            `None`.
        bias_regularizer: Regularizer of `bias`. Defaults to `None`.
        kernel_constraint: Constraint on `kernel`. Defaults to `None`.
        recurrent_constraint: Constraint on `recurrent_kernel`. Defaults to
            `None`.
        bias_constraint: Constraint on `bias`. Defaults to `None`.
        dropout: Float in `[0, 1]`, fraction of the inputs dropped in
            training. Defaults to `0.0`.
        recurrent_dropout: Float in `[0, 1]`, fraction of the previous state
            dropped in training. Defaults to `0.0`.
        seed: Integer seed of the dropout masks. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        sequence: A 2-D tensor `(batch, features)`, one timestep.
        states: The previous state: a list holding one `(batch, units)`
            tensor (or the tensor itself).
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, features)`.

    Output shape:
        `(output, [new_state])`, both `(batch_size, units)`.

    Example:

    >>> rnn = RNN(SimpleRNNCell(4), return_sequences=True)
    >>> rnn(torch.ones(2, 10, 8)).shape
    torch.Size([2, 10, 4])
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
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
        super().__init__(
            units,
            activation,
            use_bias,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            kernel_regularizer,
            recurrent_regularizer,
            bias_regularizer,
            kernel_constraint,
            recurrent_constraint,
            bias_constraint,
            dropout,
            recurrent_dropout,
            seed,
            **kwargs,
        )
        self.state_size = self.units

    def call(self, sequence, states, training=False):
        return self._recurrent_step(
            self._project_inputs(sequence, training), states, training
        )

    def _input_dropout_mask(self, inputs, training, time_axis):
        # Keras's SimpleRNNCell drops inputs for any rate above 0, 1 included.
        if not (training and self.dropout > 0):
            return None
        mask = self.get_dropout_mask(inputs[:, 0] if time_axis else inputs)
        return mask.unsqueeze(1) if time_axis else mask

    def _project_inputs(self, inputs, training, time_axis=False):
        inputs, kernel, bias = self._cast(inputs, self.kernel, self.bias)
        mask = self._input_dropout_mask(inputs, training, time_axis)
        return self._linear_gates(inputs, mask, kernel, bias)

    def _recurrent_step(self, projected, states, training):
        previous = states[0] if tree.is_nested(states) else states
        (recurrent_kernel,) = self._cast(projected, self.recurrent_kernel)[1:]
        if training and self.recurrent_dropout > 0:
            previous = previous * self.get_recurrent_dropout_mask(previous)
        output = self.activation(projected + previous @ recurrent_kernel)
        return output, ([output] if tree.is_nested(states) else output)

    def _fused_mode(self, training):
        if training and self.recurrent_dropout > 0:
            return None
        if is_activation(self.activation, "tanh"):
            return "rnn_tanh"
        if is_activation(self.activation, "relu"):
            return "rnn_relu"
        return None

    def _torch_weights(self, dtype):
        return rnn_ops.simple_rnn_weights(*self._weights_as(dtype))


class SimpleRNN(OwnCellRNN):
    """A fully connected RNN whose output is fed back as the next state.

    Each timestep computes `h_t = activation(x_t @ kernel + h_{t-1} @
    recurrent_kernel + bias)`. With the `"tanh"` or `"relu"` activation and no
    recurrent dropout in training it runs on torch's fused RNN kernel;
    otherwise it steps through time with `SimpleRNNCell`.

    Args:
        units: Positive integer, the size of the output.
        activation: Activation function or its name. Defaults to `"tanh"`.
        use_bias: Whether the layer adds a bias. Defaults to `True`.
        kernel_initializer: Initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: Initializer of `recurrent_kernel`. Defaults to
            `"orthogonal"`.
        bias_initializer: Initializer of `bias`. Defaults to `"zeros"`.
        kernel_regularizer: Regularizer of `kernel`. Defaults to `None`.
        recurrent_regularizer: Regularizer of `recurrent_kernel`. Defaults to
            `None`.
        bias_regularizer: Regularizer of `bias`. Defaults to `None`.
        activity_regularizer: Regularizer of the output. Defaults to `None`.
        kernel_constraint: Constraint on `kernel`. Defaults to `None`.
        recurrent_constraint: Constraint on `recurrent_kernel`. Defaults to
            `None`.
        bias_constraint: Constraint on `bias`. Defaults to `None`.
        dropout: Float in `[0, 1]`, fraction of the inputs dropped in
            training. Defaults to `0.0`.
        recurrent_dropout: Float in `[0, 1]`, fraction of the recurrent state
            dropped in training. Defaults to `0.0`.
        return_sequences: Whether to return every timestep's output or only
            the last. Defaults to `False`.
        return_state: Whether to also return the last state. Defaults to
            `False`.
        go_backwards: Whether to process the sequence backwards (and return
            the outputs reversed). Defaults to `False`.
        stateful: Whether each batch starts from the last state of the
            previous one. Defaults to `False`.
        unroll: Accepted for compatibility; the layer always steps in a
            Python loop or a fused kernel. Defaults to `False`.
        seed: Integer seed of the dropout masks. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        sequences: A 3-D tensor `(batch, timesteps, features)`.
        initial_state: Optional initial state: a `(batch, units)` tensor or a
            list holding it. Defaults to zeros.
        mask: Optional boolean tensor `(batch, timesteps)`; `False` steps are
            skipped (the state and output carry over).
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, timesteps, features)`.

    Output shape:
        `(batch_size, timesteps, units)` with `return_sequences`, else
        `(batch_size, units)`; with `return_state`, followed by the last state
        `(batch_size, units)`.

    Example:

    >>> SimpleRNN(4)(torch.ones(32, 10, 8)).shape
    torch.Size([32, 4])
    """

    CELL_ATTRIBUTES = (
        "units",
        "activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
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
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        arguments = passed(locals())
        check_units(units)
        self._init_own_cell(SimpleRNNCell, "simple_rnn_cell", arguments)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self) -> dict:
        config = super().get_config()
        # Keras's SimpleRNN leaves the seed out of its config.
        config.pop("seed")
        return config
