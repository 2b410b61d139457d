"""`LSTMCell` and `LSTM`: the long short-term memory layer (Hochreiter, 1997)."""

import torch

from ember import activations, initializers
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.rnn.base_rnn_cell import BaseRNNCell, check_units, is_activation
from ember.layers.rnn.rnn import OwnCellRNN
from ember.ops import rnn as rnn_ops

_USE_CUDNN = ("auto", True, False)


class LSTMCell(BaseRNNCell):
    """One step of an LSTM.

    With `z = x @ kernel + h_prev @ recurrent_kernel + bias` split into the
    gate blocks `i, f, c, o` (that order, `units` columns each):
    `c = f' * c_prev + i' * activation(c_z)` and `h = o' * activation(c)`,
    where `i', f', o'` are the blocks through `recurrent_activation`.

    Args:
        units: Positive integer, the size of the output and of both states.
        activation: Activation of the candidate and the output. Defaults to
            `"tanh"`.
        recurrent_activation: Activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: Whether the cell adds a bias. Defaults to `True`.
        kernel_initializer: Initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: Initializer of `recurrent_kernel`. Defaults to
            `"orthogonal"`.
        bias_initializer: Initializer of `bias`. Defaults to `"zeros"`.
        unit_forget_bias: Whether to add 1 to the forget-gate bias at
            initialization (Jozefowicz et al., 2015). Defaults to `True`.
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
        recurrent_dropout: Float in `[0, 1]`, fraction of the previous output
            dropped in training (one mask per gate). Defaults to `0.0`.
        seed: Integer seed of the dropout masks. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A 2-D tensor `(batch, features)`, one timestep.
        states: `[h, c]`, the previous output and carry, each
            `(batch, units)`.
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, features)`.

    Output shape:
        `(h, [h, c])`, each `(batch_size, units)`.

    Example:

    >>> cell = LSTMCell(4)
    >>> h, (h, c) = cell(torch.ones(2, 3), [torch.zeros(2, 4), torch.zeros(2, 4)])
    >>> h.shape
    torch.Size([2, 4])
    """

    _gates = 4

    def __init__(
        self,
        units: int,
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
        # Keras's `implementation=1` computes each gate apart (and drops each
        # gate's input with its own mask); recurrent dropout forces it.
        implementation = kwargs.pop("implementation", 2)
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
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        bias_initializer = self.bias_initializer
        if self.use_bias and self.unit_forget_bias:
            bias_initializer = self._forget_bias_initializer
        self._build_weights(input_shape[-1], bias_initializer, (4 * self.units,))

    def _forget_bias_initializer(self, shape, dtype=None):
        units = self.units
        init = self.bias_initializer
        return torch.cat(
            [
                torch.as_tensor(init((units,), dtype=dtype)),
                torch.as_tensor(initializers.get("ones")((units,), dtype=dtype)),
                torch.as_tensor(init((2 * units,), dtype=dtype)),
            ]
        )

    def _project_inputs(self, inputs, training, time_axis=False):
        inputs, kernel, bias = self._cast(inputs, self.kernel, self.bias)
        mask = self._input_dropout_mask(inputs, training, time_axis)
        return self._linear_gates(inputs, mask, kernel, bias)

    def _recurrent_step(self, projected, states, training):
        h_prev, c_prev = states[0], states[1]
        (recurrent_kernel,) = self._cast(projected, self.recurrent_kernel)[1:]
        mask = self._state_dropout_mask(h_prev, training)
        z = projected + self._linear_gates(h_prev, mask, recurrent_kernel, None)
        z_i, z_f, z_c, z_o = z.chunk(4, dim=-1)
        gate = self.recurrent_activation
        c = gate(z_f) * c_prev + gate(z_i) * self.activation(z_c)
        h = gate(z_o) * self.activation(c)
        return h, [h, c]

    def _fused_mode(self, training):
        if training and (
            self.recurrent_dropout > 0
            or (self.dropout > 0 and getattr(self, "dropout_mask_count", None))
        ):
            return None
        if is_activation(self.activation, "tanh") and is_activation(
            self.recurrent_activation, "sigmoid"
        ):
            return "lstm"
        return None

    def _torch_weights(self, dtype):
        return rnn_ops.lstm_weights(*self._weights_as(dtype))

    def _cell_config(self) -> dict:
        return {
            **super()._cell_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


class LSTM(OwnCellRNN):
    """Long Short-Term Memory layer (Hochreiter and Schmidhuber, 1997).

    Runs on torch's fused LSTM kernel (cuDNN on GPU) when the configuration
    allows it: `activation="tanh"`, `recurrent_activation="sigmoid"`, no
    recurrent dropout in training, `unroll=False`, and masks, if any, that are
    right-padded (as `Embedding(mask_zero=True)` gives for padded batches).
    Otherwise it steps through time with `LSTMCell`. Both give the same
    values, with Keras's weight layout: `kernel` `(features, 4 * units)`,
    `recurrent_kernel` `(units, 4 * units)`, `bias` `(4 * units,)`, gates in
    the order `i, f, c, o`.

    Args:
        units: Positive integer, the size of the output.
        activation: Activation of the candidate and the output. Defaults to
            `"tanh"`.
        recurrent_activation: Activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: Whether the layer adds a bias. Defaults to `True`.
        kernel_initializer: Initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: Initializer of `recurrent_kernel`. Defaults to
            `"orthogonal"`.
        bias_initializer: Initializer of `bias`. Defaults to `"zeros"`.
        unit_forget_bias: Whether to add 1 to the forget-gate bias at
            initialization. Defaults to `True`.
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
            training (the same units at every timestep). Defaults to `0.0`.
        recurrent_dropout: Float in `[0, 1]`, fraction of the recurrent state
            dropped in training. Defaults to `0.0`.
        seed: Integer seed of the dropout masks. Defaults to `None`.
        return_sequences: Whether to return every timestep's output or only
            the last. Defaults to `False`.
        return_state: Whether to also return the last `h` and `c`. Defaults
            to `False`.
        go_backwards: Whether to process the sequence backwards (and return
            the outputs reversed). Defaults to `False`.
        stateful: Whether each batch starts from the last states of the
            previous one. Defaults to `False`.
        unroll: Accepted for compatibility; forces the step-by-step loop.
            Defaults to `False`.
        use_cudnn: `"auto"` uses the fused kernel when possible, `False`
            never, `True` always (an error when it cannot). Defaults to
            `"auto"`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        sequences: A 3-D tensor `(batch, timesteps, features)`.
        initial_state: Optional `[h, c]`, each `(batch, units)`. Defaults to
            zeros.
        mask: Optional boolean tensor `(batch, timesteps)`; at `False` steps
            the states carry over and the output repeats the previous one.
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, timesteps, features)`.

    Output shape:
        `(batch_size, timesteps, units)` with `return_sequences`, else
        `(batch_size, units)`; with `return_state`, a tuple `(output, h, c)`.

    Example:

    >>> LSTM(4)(torch.ones(32, 10, 8)).shape
    torch.Size([32, 4])
    >>> out, h, c = LSTM(4, return_sequences=True, return_state=True)(
    ...     torch.ones(32, 10, 8))
    >>> out.shape, h.shape
    (torch.Size([32, 10, 4]), torch.Size([32, 4]))
    """

    CELL_ATTRIBUTES = (
        "units",
        "activation",
        "recurrent_activation",
        "use_bias",
        "unit_forget_bias",
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
        unroll: bool = False,
        use_cudnn="auto",
        **kwargs,
    ):
        arguments = passed(locals())
        check_units(units)
        if use_cudnn not in _USE_CUDNN:
            raise ArgumentError("use_cudnn", "one of 'auto', True, False", use_cudnn)
        del arguments["use_cudnn"]
        self._init_own_cell(
            LSTMCell,
            "lstm_cell",
            arguments,
            implementation=arguments.pop("implementation", 2),
        )
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn
