"""`InverseTimeDecay`: the learning rate falls as one over (1 + rate * time)."""

import torch

from ember.optimizers.schedules.learning_rate_schedule import (
    _RateDecay,
    cast_constant,
)


class InverseTimeDecay(_RateDecay):
    """Divides the learning rate by a term growing linearly with the step.

    At step `step` the learning rate is

        initial_learning_rate / (1 + decay_rate * step / decay_steps)

    with `step / decay_steps` rounded down when `staircase=True`.

    Args:
        initial_learning_rate: Float, the learning rate at step 0.
        decay_steps: Positive int, how many steps make one unit of time.
        decay_rate: Float, how fast the denominator grows per unit of time.
        staircase: Bool, whether time advances in whole units only.
            Defaults to `False`.
        name: String, the schedule's name. Defaults to `"InverseTimeDecay"`.

    Example:

    >>> schedule = ember.optimizers.schedules.InverseTimeDecay(
    ...     0.1, decay_steps=10, decay_rate=1.0)
    >>> round(float(schedule(10)), 6)
    0.05
    >>> optimizer = ember.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        super().__init__(
            initial_learning_rate, decay_steps, decay_rate, staircase, name
        )

    def _decay(self, initial_learning_rate, decay_rate, p) -> torch.Tensor:
        one = cast_constant(1, initial_learning_rate)
        return initial_learning_rate / (one + decay_rate * p)
