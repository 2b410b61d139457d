"""`GRUCell` and `GRU`: the gated recurrent unit (Cho et al., 2014)."""

from ember import activations
from ember.backend import tree
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.rnn.base_rnn_cell import BaseRNNCell, check_units, is_activation
from ember.layers.rnn.rnn import OwnCellRNN
from ember.ops import rnn as rnn_ops

_USE_CUDNN = ("auto", True, False)


class GRUCell(BaseRNNCell):
    """One step of a GRU.

    The kernels hold the gate blocks `z` (update), `r` (reset) and `h`
    (candidate), in that order. `z` and `r` are `recurrent_activation` of the
    input and recurrent projections; the candidate is
    `activation(x_h + r * (h_prev @ U_h + b_h))` with `reset_after=True`, or
    `activation(x_h + (r * h_prev) @ U_h)` with `reset_after=False`; the new
    state is `z * h_prev + (1 - z) * candidate`.

    Args:
        units: Positive integer, the size of the output and state.
        activation: Activation of the candidate. Defaults to `"tanh"`.
        recurrent_activation: Activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: Whether the cell adds biases. Defaults to `True`.
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
        reset_after: Whether the reset gate applies after the recurrent
            matmul (`True`, cuDNN's convention, with separate input and
            recurrent biases: `bias` has shape `(2, 3 * units)`) or before it
            (`False`, `bias` of shape `(3 * units,)`). Defaults to `True`.
        seed: Integer seed of the dropout masks. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A 2-D tensor `(batch, features)`, one timestep.
        states: The previous state: a list holding one `(batch, units)`
            tensor (or the tensor itself).
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, features)`.

    Output shape:
        `(h, [h])`, `h` of shape `(batch_size, units)`.

    Example:

    >>> h, (state,) = GRUCell(4)(torch.ones(2, 3), [torch.zeros(2, 4)])
    >>> h.shape
    torch.Size([2, 4])
    """

    _gates = 3

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
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
        reset_after: bool = True,
        seed: int | None = None,
        **kwargs,
    ):
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
        self.reset_after = reset_after
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.units

    def build(self, input_shape):
        width = 3 * self.units
        bias_shape = (2, width) if self.reset_after else (width,)
        self._build_weights(input_shape[-1], self.bias_initializer, bias_shape)

    def _project_inputs(self, inputs, training, time_axis=False):
        inputs, kernel, bias = self._cast(inputs, self.kernel, self.bias)
        if bias is not None and self.reset_after:
            bias = bias[0]
        mask = self._input_dropout_mask(inputs, training, time_axis)
        return self._linear_gates(inputs, mask, kernel, bias)

    def _recurrent_step(self, projected, states, training):
        h_prev = states[0] if tree.is_nested(states) else states
        _, recurrent_kernel, bias = self._cast(
            projected, self.recurrent_kernel, self.bias
        )
        mask = self._state_dropout_mask(h_prev, training)
        units = self.units
        x_z, x_r, x_h = projected.chunk(3, dim=-1)
        gate = self.recurrent_activation
        if self.reset_after:
            recurrent_bias = bias[1] if bias is not None else None
            inner = self._linear_gates(h_prev, mask, recurrent_kernel, recurrent_bias)
            r_z, r_r, r_h = inner.chunk(3, dim=-1)
            z = gate(x_z + r_z)
            r = gate(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            masked = (
                [h_prev * m for m in mask]
                if isinstance(mask, list)
                else [h_prev * mask] * 3
                if mask is not None
                else [h_prev] * 3
            )
            z = gate(x_z + masked[0] @ recurrent_kernel[:, :units])
            r = gate(x_r + masked[1] @ recurrent_kernel[:, units : 2 * units])
            candidate = self.activation(
                x_h + (r * masked[2]) @ recurrent_kernel[:, 2 * units :]
            )
        h = z * h_prev + (1 - z) * candidate
        return h, ([h] if tree.is_nested(states) else h)

    def _fused_mode(self, training):
        if not self.reset_after:
            return None
        if training and (
            self.recurrent_dropout > 0
            or (self.dropout > 0 and getattr(self, "dropout_mask_count", None))
        ):
            return None
        if is_activation(self.activation, "tanh") and is_activation(
            self.recurrent_activation, "sigmoid"
        ):
            return "gru"
        return None

    def _torch_weights(self, dtype):
        return rnn_ops.gru_weights(*self._weights_as(dtype))

    def _cell_config(self) -> dict:
        return {
            **super()._cell_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }


class GRU(OwnCellRNN):
    """Gated Recurrent Unit layer (Cho et al., 2014).

    Runs on torch's fused GRU kernel (cuDNN on GPU) when the configuration
    allows it: `reset_after=True`, `activation="tanh"`,
    `recurrent_activation="sigmoid"`, no recurrent dropout in training,
    `unroll=False`, and right-padded masks if any. Otherwise it steps through
    time with `GRUCell`. The weights keep Keras's layout (gates `z, r, h`;
    with `reset_after=True` a `(2, 3 * units)` bias of input and recurrent
    rows); the fused kernel reads reordered copies that pass gradients back.

    Args:
        units: Positive integer, the size of the output.
        activation: Activation of the candidate. Defaults to `"tanh"`.
        recurrent_activation: Activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: Whether the layer adds biases. Defaults to `True`.
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
        seed: Integer seed of the dropout masks. Defaults to `None`.
        return_sequences: Whether to return every timestep's output or only
            the last. Defaults to `False`.
        return_state: Whether to also return the last state. Defaults to
            `False`.
        go_backwards: Whether to process the sequence backwards (and return
            the outputs reversed). Defaults to `False`.
        stateful: Whether each batch starts from the last state of the
            previous one. Defaults to `False`.
        unroll: Accepted for compatibility; forces the step-by-step loop.
            Defaults to `False`.
        reset_after: Where the reset gate applies (see `GRUCell`). Defaults
            to `True`.
        use_cudnn: `"auto"` uses the fused kernel when possible, `False`
            never, `True` always (an error when it cannot). Defaults to
            `"auto"`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        sequences: A 3-D tensor `(batch, timesteps, features)`.
        initial_state: Optional initial state `(batch, units)` (or a list
            holding it). Defaults to zeros.
        mask: Optional boolean tensor `(batch, timesteps)`; at `False` steps
            the state carries over and the output repeats the previous one.
        training: Whether dropout applies. Defaults to `False`.

    Input shape:
        `(batch_size, timesteps, features)`.

    Output shape:
        `(batch_size, timesteps, units)` with `return_sequences`, else
        `(batch_size, units)`; with `return_state`, a tuple `(output, h)`.

    Example:

    >>> GRU(4)(torch.ones(32, 10, 8)).shape
    torch.Size([32, 4])
    """

    CELL_ATTRIBUTES = (
        "units",
        "activation",
        "recurrent_activation",
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
        "reset_after",
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
        reset_after: bool = True,
        use_cudnn="auto",
        **kwargs,
    ):
        arguments = passed(locals())
        check_units(units)
        if use_cudnn not in _USE_CUDNN:
            raise ArgumentError("use_cudnn", "one of 'auto', True, False", use_cudnn)
        del arguments["use_cudnn"]
        self._init_own_cell(
            GRUCell,
            "gru_cell",
            arguments,
            implementation=arguments.pop("implementation", 2),
        )
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn
