"""`TimeDistributed`: applies one layer to every time step of a sequence."""

import torch

from ember import tree
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer
from ember.layers.rnn.layer_serialization import deserialize_layer, serialize_layer


class TimeDistributed(Layer):
    """Applies a layer to every temporal slice of an input.

    The input is `(batch_size, time, ...)`; the wrapped layer sees each slice
    `(batch_size, ...)` with the same weights, and the outputs are stacked
    back along axis 1. The time steps are folded into the batch axis, so the
    wrapped layer runs once per call; a layer with its own state (such as
    `BatchNormalization`'s moving statistics) runs once per time step in
    training, as in Keras.

    Args:
        layer: The layer to apply to each time step, e.g. `Dense(8)` or
            `Conv2D(16, 3)`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor `(batch_size, time, ...)`.
        training: Passed to the wrapped layer. Defaults to `None`.
        mask: Boolean `(batch_size, time)` (or more axes); each step's slice
            is passed to the wrapped layer if it takes a mask. The output keeps
            this mask. Defaults to the input's Keras mask.

    Input shape:
        `(batch_size, time, *step_shape)`: rank 3 or more.

    Output shape:
        `(batch_size, time, *step_output_shape)`, where the wrapped layer maps
        `(batch_size, *step_shape)` to `(batch_size, *step_output_shape)`.

    Example:

    >>> from ember.layers.core.dense import Dense
    >>> TimeDistributed(Dense(8))(torch.ones(32, 10, 16)).shape
    torch.Size([32, 10, 8])
    """

    def __init__(self, layer: Layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ArgumentError(
                "layer",
                "an ember layer instance, e.g. `TimeDistributed(Dense(8))`",
                layer,
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape):
        step_shape = self._step_shape(input_shape)
        if not self.layer.built:
            self.layer.build(step_shape)
            self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        self._step_shape(tuple(inputs.shape))
        batch, steps = inputs.shape[0], inputs.shape[1]
        if mask is not None:
            self._check_mask(mask, inputs)
        kwargs = {}
        if self.layer._call_has_training:
            kwargs["training"] = training
        takes_mask = self.layer._call_has_mask and mask is not None

        if training and _has_state(self.layer):
            # Per-step statistics and updates (Keras's loop), not per batch.
            per_step = []
            for t in range(steps):
                if takes_mask:
                    kwargs["mask"] = mask[:, t]
                per_step.append(self.layer(inputs[:, t], **kwargs))
            return tree.map_structure(lambda *xs: torch.stack(xs, dim=1), *per_step)

        if takes_mask:
            kwargs["mask"] = mask.flatten(0, 1)
        outputs = self.layer(inputs.flatten(0, 1), **kwargs)
        return tree.map_structure(lambda x: x.unflatten(0, (batch, steps)), outputs)

    def compute_output_shape(self, input_shape):
        step_output = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (step_output[0], input_shape[1], *step_output[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return super().from_config(config)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, layer={self.layer.name}"

    def _step_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` (layer '{self.name}') expects inputs of rank 3 "
                f"or more, (batch_size, time, ...), and applies "
                f"`{type(self.layer).__name__}` to each time step; received shape "
                f"{input_shape}. To apply the layer to the whole input, call it "
                "without TimeDistributed."
            )
        return (input_shape[0], *input_shape[2:])

    def _check_mask(self, mask, inputs):
        if mask.ndim < 2 or any(
            m is not None and i is not None and m != i
            for m, i in zip(mask.shape[:2], inputs.shape[:2])
        ):
            raise ValueError(
                f"`TimeDistributed` (layer '{self.name}') received a mask of shape "
                f"{tuple(mask.shape)} for inputs of shape {tuple(inputs.shape)}; "
                f"the mask must start with the (batch_size, time) axes "
                f"{tuple(inputs.shape[:2])}."
            )


def _has_state(layer) -> bool:
    """Whether `layer` (or a sublayer) owns non-trainable variables, such as
    moving statistics, whose updates depend on the batch it sees."""
    return any(
        isinstance(sub, Layer) and sub._non_trainable_variables
        for sub in layer._flatten_layers()
    )
