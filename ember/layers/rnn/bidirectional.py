"""`Bidirectional`: runs a recurrent layer forwards and backwards and merges."""

import copy

import torch

from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer
from ember.layers.rnn.layer_serialization import deserialize_layer, serialize_layer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Runs a recurrent layer over a sequence in both directions.

    The wrapped layer is copied twice from its config (fresh weights): a
    forward copy, named `forward_<name>`, and a backward one, named
    `backward_<name>`, that reads the sequence from its end
    (`go_backwards=True`); or pass your own `backward_layer`. The backward
    outputs are flipped back into time order before merging. With
    `return_sequences`, masked timesteps output zeros in both directions
    (`zero_output_for_mask`), so padding does not leak into the merge.

    Args:
        layer: A recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN`, ...)
            with the attributes `return_sequences`, `return_state`,
            `go_backwards` and `stateful`.
        merge_mode: How the two outputs combine: `"concat"`, `"sum"`,
            `"mul"`, `"ave"`, or `None` to return both in a list. Defaults
            to `"concat"`.
        weights: Optional initial weights (forward layer's, then backward
            layer's), set when the layer is built. Defaults to `None`.
        backward_layer: Optional recurrent layer for the backward direction;
            it must have `go_backwards=True` and the same `stateful`,
            `return_sequences` and `return_state` as `layer`. Defaults to
            `None` (a copy of `layer`).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        sequences: A 3-D tensor `(batch, timesteps, features)`.
        initial_state: Optional list of initial states: the forward layer's
            first, then the backward layer's.
        mask: Optional boolean tensor `(batch, timesteps)`.
        training: Whether dropout applies. Defaults to `None`.

    Input shape:
        That of the wrapped layer.

    Output shape:
        The wrapped layer's output, with the last axis doubled for
        `"concat"`; a list of both outputs for `merge_mode=None`; followed by
        the forward then backward states with `return_state`.

    Example:

    >>> from ember.layers import LSTM
    >>> Bidirectional(LSTM(4, return_sequences=True))(torch.ones(2, 5, 3)).shape
    torch.Size([2, 5, 8])
    """

    def __init__(
        self,
        layer,
        merge_mode: str | None = "concat",
        weights=None,
        backward_layer=None,
        **kwargs,
    ):
        if not isinstance(layer, Layer):
            raise ArgumentError("layer", "an ember recurrent layer instance", layer)
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ArgumentError(
                "backward_layer",
                "an ember recurrent layer instance or None",
                backward_layer,
            )
        if merge_mode not in _MERGE_MODES:
            raise ArgumentError(
                "merge_mode", "one of 'concat', 'sum', 'mul', 'ave' or None", merge_mode
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, "forward", go_backwards=None)
        if backward_layer is None:
            backward_layer = _copy_layer(layer, "backward", go_backwards=True)
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._check_directions()
        for direction in (self.forward_layer, self.backward_layer):
            # Padding must not leak into the merge: masked steps output zeros.
            if getattr(direction, "zero_output_for_mask", None) is not None:
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights is not None else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def build(self, sequences_shape, initial_state_shape=None):
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction.build(sequences_shape)
                direction.built = True
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_has_training:
            kwargs["training"] = training
        if self.forward_layer._call_has_mask:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, (1,))
        output = self._merge(y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else mask
        else:
            output_mask = [None, None] if self.merge_mode is None else None
        if not self.return_state:
            return output_mask
        outputs = output_mask if isinstance(output_mask, list) else [output_mask]
        states = self.forward_layer._state_count() + self.backward_layer._state_count()
        return outputs + [None] * states

    def compute_output_spec(self, *args, **kwargs):
        # Shape inference may run on stand-in data: keep the real states.
        saved = [self.forward_layer.states, self.backward_layer.states]
        try:
            return super().compute_output_spec(*args, **kwargs)
        finally:
            self.forward_layer.states, self.backward_layer.states = saved

    @property
    def states(self):
        """The forward then backward states of a stateful layer, else `None`."""
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states) + tuple(self.backward_layer.states)
        return None

    def reset_state(self) -> None:
        """Sets both directions' states back to zeros (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(
                f"Layer '{self.name}' is not stateful: it has no states to reset."
            )
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self) -> None:
        """Alias of `reset_state`."""
        self.reset_state()

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialize_layer(self.forward_layer),
            "backward_layer": serialize_layer(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(dict(config))
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_layer(backward, custom_objects)
        return super().from_config(config)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, merge_mode={self.merge_mode}"

    # ----------------------------------------------------------------- helpers
    def _check_directions(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"`Bidirectional` (layer '{self.name}') needs its forward and "
                "backward layers to read in opposite directions, but both have "
                f"go_backwards={forward.go_backwards}. Give the backward layer "
                "`go_backwards=True` and the forward one `go_backwards=False`."
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(forward, attribute), getattr(backward, attribute)
            if a != b:
                raise ValueError(
                    f"`Bidirectional` (layer '{self.name}') needs the forward and "
                    f"backward layers to agree on `{attribute}`, but the forward "
                    f"layer has {attribute}={a} and the backward layer "
                    f"{attribute}={b}."
                )

    def _merge(self, y, y_rev):
        if y_rev.dtype != y.dtype:
            y_rev = y_rev.to(y.dtype)
        mode = self.merge_mode
        if mode == "concat":
            return torch.cat([y, y_rev], dim=-1)
        if mode == "sum":
            return y + y_rev
        if mode == "ave":
            return (y + y_rev) / 2
        if mode == "mul":
            return y * y_rev
        return (y, y_rev)


def _copy_layer(layer, prefix, go_backwards):
    """A fresh copy of `layer` from its config, named `<prefix>_<name>`."""
    config = serialize_layer(layer)
    name = layer.name
    if name.startswith(f"{prefix}_"):
        name = name[len(prefix) + 1 :]
    config["config"]["name"] = f"{prefix}_{name}"
    if go_backwards is not None:
        config["config"]["go_backwards"] = go_backwards
    return deserialize_layer(config)
