"""`RNN`: runs a recurrent cell over the time axis of a sequence."""

import types

import torch

from ember import dtype_policies, regularizers
from ember.backend import tree
from ember.backend.errors import ArgumentError
from ember.backend.symbolic import in_meta_pass
from ember.layers.input_spec import assert_input_compatibility
from ember.layers.layer import Layer
from ember.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from ember.layers.rnn.layer_serialization import deserialize_layer, serialize_layer
from ember.layers.rnn.stacked_rnn_cells import StackedRNNCells
from ember.ops import rnn as rnn_ops

_CELL_EXPECTED = (
    "an RNN cell (an object with a `call(inputs, states)` method and a "
    "`state_size` attribute) or a list of cells"
)


class RNN(Layer):
    """Runs a recurrent cell over the timesteps of a sequence.

    A cell computes one step: `call(inputs_t, states)` returns
    `(output_t, new_states)`. It has a `state_size` attribute (an integer, or
    a list with one size per state), optionally `output_size`, and
    optionally `get_initial_state(batch_size)`. A list of cells is stacked
    (`StackedRNNCells`): each step runs the cells in order.

    The built-in cells (`SimpleRNNCell`, `LSTMCell`, `GRUCell`) run on torch's
    fused recurrent kernels when their configuration allows it (see `LSTM`);
    any other cell runs step by step in a Python loop.

    Args:
        cell: An RNN cell, or a list of cells to stack.
        return_sequences: Whether to return every timestep's output, or only
            the last one. Defaults to `False`.
        return_state: Whether to also return the last states. Defaults to
            `False`.
        go_backwards: Whether to process the sequence from its last timestep
            to its first; the returned sequence is then reversed. Defaults to
            `False`.
        stateful: Whether each batch starts from the last states of the
            previous batch (sample `i` continues sample `i`). Needs a fixed
            batch size; `reset_state()` sets the states back to zeros.
            Defaults to `False`.
        unroll: Accepted for compatibility with Keras: a Python loop is
            already unrolled. Needs a known number of timesteps. Defaults to
            `False`.
        zero_output_for_mask: Whether masked timesteps output zeros instead
            of repeating the last unmasked output. Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        sequences: A tensor `(batch, timesteps, ...)`.
        initial_state: Optional list of initial state tensors (one per entry
            of the cell's `state_size`). Defaults to zeros (or the carried
            states when `stateful`).
        mask: Optional boolean tensor `(batch, timesteps)`; at a `False`
            step the states carry over unchanged and the output repeats the
            previous one (zeros before the first unmasked step).
        training: Whether the cell is in training mode (dropout). Defaults
            to `False`.

    Input shape:
        `(batch_size, timesteps, ...)`.

    Output shape:
        `(batch_size, timesteps, output_size)` with `return_sequences`, else
        `(batch_size, output_size)`; with `return_state`, a tuple
        `(output, *states)`.

    Example:

    >>> from ember.layers import LSTMCell
    >>> RNN(LSTMCell(4))(torch.ones(2, 10, 8)).shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        cell,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs,
    ):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ArgumentError("cell", _CELL_EXPECTED, cell)
        state_size = cell.state_size
        if isinstance(state_size, bool) or not isinstance(
            state_size, (int, list, tuple)
        ):
            raise ArgumentError(
                "cell",
                f"{_CELL_EXPECTED}; its `state_size` must be an integer or a list "
                f"of integers, not {state_size!r}",
                cell,
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        self.supports_masking = True
        self.states = None
        # Which implementation the last call ran: "fused" (torch's recurrent
        # kernel) or "loop" (the cell, step by step).
        self._last_call_path = None

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        self._check_sequences_shape(sequences_shape)
        if self.unroll and sequences_shape[1] is None:
            raise ValueError(
                f"Layer '{self.name}' has `unroll=True`, which needs a known "
                f"number of timesteps, but received input shape {sequences_shape}. "
                "Give it in `ember.Input(shape=(timesteps, features))`, or use "
                "`unroll=False`."
            )
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        if self.stateful and self.states is None:
            if sequences_shape[0] is None:
                raise ValueError(
                    f"Layer '{self.name}' is stateful, which needs a fixed batch "
                    f"size, but received input shape {sequences_shape}. Pass "
                    "`batch_size=...` to `ember.Input(...)`."
                )
            with torch.no_grad():
                self.states = self.get_initial_state(sequences_shape[0])
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if not sequences.is_floating_point():
            sequences = sequences.to(self._dtype_policy.torch_compute_dtype)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        states = self._initial_states(sequences, initial_state)
        try:
            last_output, outputs, states = self._run(sequences, states, mask, training)
        finally:
            _reset_dropout_masks(self.cell)
        if self.stateful and not in_meta_pass():
            self.states = tree.map_structure(torch.Tensor.detach, list(states))
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self._state_count()
        return output_mask

    def compute_output_spec(self, *args, **kwargs):
        # Shape inference may run `call` on stand-in data: keep the real states.
        states = self.states
        try:
            return super().compute_output_spec(*args, **kwargs)
        finally:
            self.states = states

    def get_initial_state(self, batch_size):
        """Zero states for `batch_size` sequences (the cell's own if it has
        `get_initial_state`), as a list."""
        make = getattr(self.cell, "get_initial_state", None)
        if make is None:
            dtype = _compute_dtype(self.cell, self)
            return [
                torch.zeros((batch_size, size), dtype=dtype) for size in self.state_size
            ]
        states = make(batch_size=batch_size)
        return list(states) if tree.is_nested(states) else [states]

    def reset_state(self) -> None:
        """Sets the states of a stateful layer back to zeros."""
        if self.states is not None:
            self.states = tree.map_structure(torch.zeros_like, self.states)

    def reset_states(self) -> None:
        """Alias of `reset_state`."""
        self.reset_state()

    def get_config(self) -> dict:
        return {**self._rnn_config(), "cell": serialize_layer(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" not in config:
            # Layers that own their cell (LSTM, GRU, ...) take flat configs.
            return super().from_config(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        return cls(cell, **config)

    def extra_repr(self) -> str:
        flags = [
            name
            for name in ("return_sequences", "return_state", "go_backwards", "stateful")
            if getattr(self, name)
        ]
        return ", ".join([super().extra_repr()] + [f"{f}=True" for f in flags])

    # ----------------------------------------------------------------- helpers
    def _rnn_config(self) -> dict:
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }

    def _check_sequences_shape(self, shape):
        if self.input_spec is not None:
            assert_input_compatibility(
                self.input_spec, types.SimpleNamespace(shape=shape), self.name
            )
        elif len(shape) < 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                f"expected ndim>=3 (batch, timesteps, features), found "
                f"ndim={len(shape)}. Full shape received: {shape}."
            )

    def _state_count(self) -> int:
        return len(self.state_size)

    def _initial_states(self, sequences, initial_state):
        dtype = sequences.dtype
        if initial_state is not None:
            states = (
                list(initial_state)
                if tree.is_nested(initial_state)
                else [initial_state]
            )
            self._check_state_count(states)
            return tree.map_structure(
                lambda s: torch.as_tensor(s, device=sequences.device).to(dtype), states
            )
        if self.stateful and self.states is not None:
            batch = tree.flatten(self.states)[0].shape[0]
            if sequences.shape[0] != batch:
                raise ValueError(
                    f"Layer '{self.name}' is stateful with batch size {batch}, but "
                    f"received a batch of {sequences.shape[0]} sequences (input "
                    f"shape {tuple(sequences.shape)}). Feed batches of {batch} "
                    "(e.g. `fit(..., batch_size=...)` with `shuffle=False`)."
                )
            return tree.map_structure(
                lambda s: s.to(sequences.device, dtype), self.states
            )
        if sequences.device.type == "cpu":
            states = self.get_initial_state(sequences.shape[0])
        else:
            with torch.device(sequences.device):
                states = self.get_initial_state(sequences.shape[0])
        return tree.map_structure(
            lambda s: s if s.dtype == dtype else s.to(dtype), states
        )

    def _check_state_count(self, states):
        sizes = tree.flatten(self.state_size)
        if all(isinstance(s, int) and s > 0 for s in sizes) and len(
            tree.flatten(states)
        ) != len(sizes):
            raise ValueError(
                f"Layer '{self.name}' expects {len(sizes)} initial state tensor(s) "
                f"(state sizes {self.state_size}), but `initial_state` holds "
                f"{len(tree.flatten(states))}."
            )

    def _run(self, sequences, states, mask, training):
        mode = self._fused_mode(training)
        if mode is not None:
            result = self._run_fused(mode, sequences, states, mask, training)
            if result is not None:
                self._last_call_path = "fused"
                return result
        if getattr(self, "use_cudnn", "auto") is True:
            raise ValueError(
                f"Layer '{self.name}' has `use_cudnn=True`, but this call cannot run "
                "on the fused kernel (it needs the default activations, no "
                "recurrent dropout in training, `unroll=False`, a right-padded "
                "mask and, for GRU, `reset_after=True`). Pass `use_cudnn='auto'` "
                "to fall back to the step-by-step loop."
            )
        self._last_call_path = "loop"
        return self._run_loop(sequences, states, mask, training)

    def _fused_mode(self, training):
        if self.unroll or getattr(self, "use_cudnn", "auto") is False:
            return None
        fused_mode = getattr(self.cell, "_fused_mode", None)
        return fused_mode(training) if fused_mode is not None else None

    def _run_fused(self, mode, sequences, states, mask, training):
        cell = self.cell
        inputs = sequences
        dropout_mask = cell._input_dropout_mask(sequences, training, time_axis=True)
        if dropout_mask is not None:
            inputs = sequences * dropout_mask
        weights = cell._torch_weights(inputs.dtype)
        return rnn_ops.fused_rnn(
            mode,
            inputs,
            states,
            weights,
            mask=mask,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
        )

    def _run_loop(self, sequences, states, mask, training):
        cell = self.cell
        project = getattr(cell, "_project_inputs", None)
        if project is not None:
            inputs = project(sequences, training, time_axis=True)

            def step(projected, step_states):
                return cell._recurrent_step(projected, step_states, training)

        else:
            inputs = sequences
            call = cell if callable(cell) else cell.call
            kwargs = (
                {"training": training}
                if isinstance(cell, Layer) and cell._call_has_training
                else {}
            )

            def step(step_input, step_states):
                output, new_states = call(step_input, step_states, **kwargs)
                return output, (
                    new_states if tree.is_nested(new_states) else [new_states]
                )

        return rnn_ops.rnn(
            step,
            inputs,
            tuple(states),
            go_backwards=self.go_backwards,
            mask=mask,
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )


def own_cell(cell_cls, *args, **kwargs):
    """Makes the cell a layer (`LSTM`, `GRU`, ...) builds from its own
    arguments. A bad argument is the layer's: the error names the layer, not
    the cell the user never wrote."""
    try:
        return cell_cls(*args, **kwargs)
    except ArgumentError as error:
        raise ArgumentError(
            error.argument, error.expected, error.received, hint=error.hint
        ) from None


def cell_property(name):
    """A read-only property of a layer that forwards to `self.cell.<name>`."""
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


class OwnCellRNN(RNN):
    """An RNN layer that builds its own cell from its arguments (SimpleRNN, LSTM,
    GRU, the ConvLSTMs): each name in `CELL_ATTRIBUTES` reads through to the cell,
    and the config is the RNN's settings, the cell's and the activity regularizer,
    flat, as Keras writes it."""

    CELL_ATTRIBUTES: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("CELL_ATTRIBUTES", ()):
            setattr(cls, name, cell_property(name))

    def _init_own_cell(self, cell_cls, cell_name, arguments, **cell_only):
        """Builds the cell and the RNN from the layer's arguments (its
        `passed(locals())`): the `CELL_ATTRIBUTES`, `seed` and `cell_only` go to
        the cell; the rest (the RNN's settings, `activity_regularizer`, the
        standard layer arguments) to `RNN`."""
        arguments = dict(arguments)
        cell_arguments = {name: arguments.pop(name) for name in self.CELL_ATTRIBUTES}
        cell = own_cell(
            cell_cls,
            seed=arguments.pop("seed"),
            dtype=arguments.get("dtype"),
            trainable=arguments.get("trainable", True),
            name=cell_name,
            **cell_only,
            **cell_arguments,
        )
        super().__init__(cell, **arguments)

    def get_config(self) -> dict:
        return {
            **self._rnn_config(),
            **self.cell._cell_config(),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
        }


def _reset_dropout_masks(cell):
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    elif isinstance(cell, StackedRNNCells):
        for inner in cell.cells:
            _reset_dropout_masks(inner)


def _compute_dtype(cell, layer):
    policy = getattr(cell, "_dtype_policy", None) or layer._dtype_policy
    return policy.torch_compute_dtype
