"""`InverseTimeDecay`: the learning rate falls as one over (1 + rate * time)."""

import torch

from ember.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    cast_constant,
    check_positive_steps,
    float_constant,
)


class InverseTimeDecay(LearningRateSchedule):
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
        check_positive_steps(decay_steps, "decay_steps", "InverseTimeDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step) -> torch.Tensor:
        step = as_step(step)
        initial_learning_rate = float_constant(self.initial_learning_rate, step)
        decay_steps = cast_constant(self.decay_steps, initial_learning_rate)
        decay_rate = cast_constant(self.decay_rate, initial_learning_rate)
        p = step.to(initial_learning_rate.dtype) / decay_steps
        if self.staircase:
            p = torch.floor(p)
        one = cast_constant(1, initial_learning_rate)
        return initial_learning_rate / (one + decay_rate * p)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
