"""`CosineDecayRestarts`: cosine decay that restarts, with longer periods (SGDR)."""

import math

import torch

from ember.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    cast_constant,
    check_positive_steps,
    float_constant,
)


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2016).

    The first period decays the learning rate along a half cosine over
    `first_decay_steps` steps, from `initial_learning_rate` down to
    `alpha * initial_learning_rate`. Then it restarts: each following period
    lasts `t_mul` times as long as the one before, and starts from `m_mul`
    times the previous starting rate.

    Args:
        initial_learning_rate: Float, the learning rate at step 0.
        first_decay_steps: Positive int, the length of the first period.
        t_mul: Float, the factor by which each period is longer than the
            last. Defaults to `2.0`.
        m_mul: Float, the factor applied to the starting rate at each restart.
            Defaults to `1.0`.
        alpha: Float, the floor of the decay as a fraction of
            `initial_learning_rate`. Defaults to `0.0`.
        name: String, the schedule's name. Defaults to `"SGDRDecay"`.

    Example:

    >>> schedule = ember.optimizers.schedules.CosineDecayRestarts(
    ...     0.1, first_decay_steps=10)
    >>> [round(float(schedule(s)), 6) for s in (0, 5, 10)]
    [0.1, 0.05, 0.1]
    >>> optimizer = ember.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ):
        check_positive_steps(
            first_decay_steps, "first_decay_steps", "CosineDecayRestarts"
        )
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step) -> torch.Tensor:
        step = as_step(step)
        initial_learning_rate = float_constant(self.initial_learning_rate, step)
        first_decay_steps = cast_constant(self.first_decay_steps, initial_learning_rate)
        alpha = cast_constant(self.alpha, initial_learning_rate)
        t_mul = cast_constant(self._t_mul, initial_learning_rate)
        m_mul = cast_constant(self._m_mul, initial_learning_rate)
        completed_fraction = step.to(initial_learning_rate.dtype) / first_decay_steps
        # `t_mul` is a constant, so which formula applies is known on the host.
        equal_periods = float(torch.tensor(self._t_mul, dtype=t_mul.dtype)) == 1.0
        if equal_periods:
            i_restart = torch.floor(completed_fraction)
            completed_fraction = completed_fraction - i_restart
        else:
            # Periods grow geometrically: solve for the index of the current one.
            i_restart = torch.floor(
                torch.log(1.0 - completed_fraction * (1.0 - t_mul)) / torch.log(t_mul)
            )
            sum_r = (1.0 - torch.pow(t_mul, i_restart)) / (1.0 - t_mul)
            completed_fraction = (completed_fraction - sum_r) / torch.pow(
                t_mul, i_restart
            )
        m_fac = torch.pow(m_mul, i_restart)
        pi = cast_constant(math.pi, initial_learning_rate)
        cosine = 0.5 * m_fac * (1.0 + torch.cos(pi * completed_fraction))
        decayed = (1 - alpha) * cosine + alpha
        return initial_learning_rate * decayed

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
