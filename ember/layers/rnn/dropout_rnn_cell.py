"""`DropoutRNNCell`: the dropout masks of a recurrent cell, one per sequence."""

import torch

from ember import random


class DropoutRNNCell:
    """Mixin that gives a recurrent cell dropout masks fixed over the timesteps.

    Recurrent dropout drops the same units at every timestep of a sequence
    (Gal and Ghahramani, 2016), so a cell draws its masks on the first step
    and reuses them until the `RNN` layer running it resets them at the end
    of its call. A cell using this mixin has the attributes `dropout`,
    `recurrent_dropout` (floats in `[0, 1]`) and `seed_generator` (an
    `ember.random.SeedGenerator`); with `dropout_mask_count` set, it gets one
    mask per gate instead of one shared mask.

    Example:

    >>> cell = ember.layers.LSTMCell(4, dropout=0.5, seed=1)
    >>> cell.get_dropout_mask(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def get_dropout_mask(self, step_input: torch.Tensor):
        """The input mask (or list of masks), shaped like one step's input.

        Kept entries hold `1 / (1 - dropout)`, so the masked input keeps its
        expected value. `None` when `dropout` is 0.
        """
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input: torch.Tensor):
        """The mask (or list of masks) of the recurrent state. `None` when
        `recurrent_dropout` is 0."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(
                step_input, self.recurrent_dropout
            )
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        """Forgets the input mask: the next sequence draws a new one."""
        if self._dropout_mask is not None:
            self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        """Forgets the recurrent mask: the next sequence draws a new one."""
        if self._recurrent_dropout_mask is not None:
            self._recurrent_dropout_mask = None

    def _create_dropout_mask(self, step_input, rate):
        ones = torch.ones_like(step_input)
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return random.dropout(ones, rate, seed=self.seed_generator)
        return [
            random.dropout(ones, rate, seed=self.seed_generator) for _ in range(count)
        ]
