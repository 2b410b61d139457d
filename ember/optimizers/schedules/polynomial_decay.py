"""`PolynomialDecay`: the learning rate follows a polynomial down to an end value."""

import torch

from ember.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    cast_constant,
    check_positive_steps,
    float_constant,
)


class PolynomialDecay(LearningRateSchedule):
    """Moves the learning rate from its initial to its end value along a
    polynomial of degree `power` over `decay_steps` steps.

    At step `step` (held at `decay_steps` once reached) the learning rate is

        (initial_learning_rate - end_learning_rate)
            * (1 - step / decay_steps) ** power + end_learning_rate

    With `cycle=True` the decay restarts instead of holding: `decay_steps` is
    stretched to the first multiple of itself at or above `step`.

    Args:
        initial_learning_rate: Float, the learning rate at step 0.
        decay_steps: Positive int, the number of steps to reach the end value.
        end_learning_rate: Float, the final learning rate. Defaults to `0.0001`.
        power: Float, the degree of the polynomial. Defaults to `1.0`
            (a straight line).
        cycle: Bool, whether to restart after `decay_steps`. Defaults to
            `False`.
        name: String, the schedule's name. Defaults to `"PolynomialDecay"`.

    Example:

    >>> schedule = ember.optimizers.schedules.PolynomialDecay(
    ...     0.1, decay_steps=100, end_learning_rate=0.0)
    >>> round(float(schedule(25)), 6)
    0.075
    >>> optimizer = ember.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        check_positive_steps(decay_steps, "decay_steps", "PolynomialDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step) -> torch.Tensor:
        step = as_step(step)
        initial_learning_rate = float_constant(self.initial_learning_rate, step)
        end_learning_rate = cast_constant(self.end_learning_rate, initial_learning_rate)
        power = cast_constant(self.power, initial_learning_rate)
        step = step.to(initial_learning_rate.dtype)
        decay_steps = cast_constant(self.decay_steps, initial_learning_rate)
        if self.cycle:
            # The first multiple of decay_steps at or above the step; 1 at step 0.
            one = torch.ones_like(step)
            multiplier = torch.where(
                step == 0, one, torch.ceil(step / self.decay_steps)
            )
            decay_steps = decay_steps * multiplier
        else:
            step = torch.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial_learning_rate - end_learning_rate) * torch.pow(
            1 - p, power
        ) + end_learning_rate

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }
