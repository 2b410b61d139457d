"""`StackedRNNCells`: several recurrent cells run as one, each feeding the next."""

import torch

from ember.backend import tree
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer
from ember.layers.rnn.layer_serialization import deserialize_layer, serialize_layer


class StackedRNNCells(Layer):
    """Stacks recurrent cells into one cell: at each timestep the first cell
    reads the input, and each next cell reads the previous cell's output.

    `RNN([cell_1, cell_2])` wraps its list in this class. The stacked state is
    the list of the cells' states, in order.

    Args:
        cells: A list of RNN cells (objects with `call(inputs, states)` and
            `state_size`).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: One timestep, `(batch, features)`.
        states: A list with the states of each cell.
        training: Whether the cells are in training mode. Defaults to
            `False`.

    Input shape:
        `(batch_size, features)`.

    Output shape:
        `(output of the last cell, [states of each cell])`.

    Example:

    >>> from ember.layers import RNN, LSTMCell
    >>> cells = StackedRNNCells([LSTMCell(8), LSTMCell(4)])
    >>> RNN(cells)(torch.ones(2, 10, 3)).shape
    torch.Size([2, 4])
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cells, (str, bytes)) or not isinstance(cells, (list, tuple)):
            raise ArgumentError("cells", "a list of RNN cells", cells)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ArgumentError(
                    "cells",
                    "a list of RNN cells, each with a `call(inputs, states)` "
                    f"method and a `state_size` attribute; {cell!r} is not one",
                    cells,
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return _output_size(self.cells[-1])

    def build(self, input_shape):
        batch_size = tree.flatten(input_shape)[0]
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            input_shape = (batch_size, _output_size(cell))
        self.built = True

    def call(self, inputs, states, training=False, **kwargs):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            as_list = tree.is_nested(cell_states)
            cell_states = list(cell_states) if as_list else [cell_states]
            call_kwargs = dict(kwargs)
            if isinstance(cell, Layer) and cell._call_has_training:
                call_kwargs["training"] = training
            call = cell if callable(cell) else cell.call
            inputs, cell_states = call(inputs, cell_states, **call_kwargs)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not as_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def get_initial_state(self, batch_size=None):
        """Each cell's initial states (zeros unless the cell says otherwise)."""
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                states.append(make(batch_size=batch_size))
                continue
            dtype = self._dtype_policy.torch_compute_dtype
            sizes = cell.state_size
            if isinstance(sizes, int):
                states.append(torch.zeros((batch_size, sizes), dtype=dtype))
            else:
                states.append(
                    [torch.zeros((batch_size, s), dtype=dtype) for s in sizes]
                )
        return states

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cells": [serialize_layer(cell) for cell in self.cells],
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return super().from_config({**config, "cells": cells})


def _output_size(cell) -> int:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size
