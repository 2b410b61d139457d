"""`BaseRNNCell`: what SimpleRNN, LSTM and GRU cells share.

A built-in cell computes one step as two halves: `_project_inputs` (the input
transformation, which `RNN` applies to the whole sequence in one matmul) and
`_recurrent_step` (the part that depends on the previous state). `call` is the
two halves on one step, which keeps Keras's cell protocol for users who call
cells directly or wrap them in their own `RNN`.
"""

import numbers

import torch

from ember import activations, constraints, initializers, random, regularizers
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.core.dense import _common_dtype
from ember.layers.layer import Layer
from ember.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from ember.layers.weight_settings import set_weight_settings


class BaseRNNCell(Layer, DropoutRNNCell):
    """Base of the dense recurrent cells: arguments, weights, config.

    Subclasses set `_gates` (how many `units`-wide blocks the kernels hold)
    and implement `_project_inputs`, `_recurrent_step` and `_fused_mode`.

    Args:
        units: Positive integer, the size of the output and of each state.
        activation: Activation of the candidate state and output.
        use_bias: Whether the cell adds a bias.
        kernel_initializer: Initializer of `kernel`.
        recurrent_initializer: Initializer of `recurrent_kernel`.
        bias_initializer: Initializer of `bias`.
        kernel_regularizer: Regularizer of `kernel`.
        recurrent_regularizer: Regularizer of `recurrent_kernel`.
        bias_regularizer: Regularizer of `bias`.
        kernel_constraint: Constraint on `kernel`.
        recurrent_constraint: Constraint on `recurrent_kernel`.
        bias_constraint: Constraint on `bias`.
        dropout: Float in `[0, 1]`, fraction of the inputs dropped (values
            outside are clipped, as Keras does).
        recurrent_dropout: Float in `[0, 1]`, fraction of the recurrent state
            dropped.
        seed: Integer seed of the dropout masks, or `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
    """

    _gates = 1

    def __init__(
        self,
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
    ):
        arguments = passed(locals())
        super().__init__(**kwargs)
        check_units(units)
        for name, rate in (
            ("dropout", dropout),
            ("recurrent_dropout", recurrent_dropout),
        ):
            if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
                raise ArgumentError(name, "a float between 0 and 1", rate)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_settings(self, arguments, ("kernel", "recurrent", "bias"))
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        # A plain attribute, not a weight: Keras keeps it out of `weights`.
        self.seed_generator = random.SeedGenerator(seed)
        self.output_size = self.units

    def build(self, input_shape):
        self._build_weights(
            input_shape[-1], self.bias_initializer, (self._gates * self.units,)
        )

    def call(self, inputs, states, training=False):
        projected = self._project_inputs(inputs, training)
        return self._recurrent_step(projected, states, training)

    def get_initial_state(self, batch_size=None):
        """Zero states: one `(batch_size, size)` tensor per `state_size` entry."""
        sizes = (
            self.state_size if isinstance(self.state_size, list) else [self.state_size]
        )
        return [
            torch.zeros((batch_size, size), dtype=self._torch_compute_dtype())
            for size in sizes
        ]

    def get_config(self) -> dict:
        return {**super().get_config(), **self._cell_config()}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, units={self.units}"

    # ----------------------------------------------------------------- helpers
    def _build_weights(self, input_dim, bias_initializer, bias_shape):
        width = self._gates * self.units
        self.kernel = self.add_weight(
            shape=(input_dim, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=bias_shape,
                initializer=bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.built = True

    def _torch_compute_dtype(self):
        return self._dtype_policy.torch_compute_dtype

    def _input_dropout_mask(self, inputs, training, time_axis):
        """The input mask for `inputs` (broadcast over time when `time_axis`),
        or `None` when no input dropout applies."""
        if not (training and 0.0 < self.dropout < 1.0):
            return None
        mask = self.get_dropout_mask(inputs[:, 0] if time_axis else inputs)
        if time_axis:
            mask = (
                [m.unsqueeze(1) for m in mask]
                if isinstance(mask, list)
                else mask.unsqueeze(1)
            )
        return mask

    def _state_dropout_mask(self, state, training):
        if not (training and 0.0 < self.recurrent_dropout < 1.0):
            return None
        return self.get_recurrent_dropout_mask(state)

    def _linear_gates(self, x, mask, kernel, bias):
        """`x @ kernel + bias`, with `x` masked per gate block when `mask` is a
        list (Keras's `implementation=1`) or as a whole otherwise."""
        if mask is None:
            return (
                x @ kernel
                if bias is None
                else torch.nn.functional.linear(x, kernel.T, bias)
            )
        if not isinstance(mask, list):
            x = x * mask
            return (
                x @ kernel
                if bias is None
                else torch.nn.functional.linear(x, kernel.T, bias)
            )
        blocks = kernel.chunk(len(mask), dim=1)
        biases = bias.chunk(len(mask)) if bias is not None else [None] * len(mask)
        return torch.cat(
            [
                torch.nn.functional.linear(x * m, k.T, b)
                for m, k, b in zip(mask, blocks, biases)
            ],
            dim=-1,
        )

    def _weights_as(self, dtype):
        """`kernel`, `recurrent_kernel` and `bias` in `dtype` (mixed precision)."""
        return tuple(
            w if w is None or w.dtype == dtype else w.to(dtype)
            for w in (self.kernel, self.recurrent_kernel, self.bias)
        )

    def _cast(self, inputs, *weights):
        return _common_dtype(self, inputs, *weights)

    def _cell_config(self) -> dict:
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weights_config(self),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


def check_units(units):
    if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
        raise ArgumentError("units", "a positive integer", units)


def weights_config(cell) -> dict:
    """The initializer, regularizer and constraint entries of a cell's config."""
    return {
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
    }


def is_activation(fn, *names) -> bool:
    """Whether `fn` is the built-in activation (or torch function) `names`."""
    return any(
        fn is getattr(activations, n) or fn is getattr(torch, n, None) for n in names
    )
