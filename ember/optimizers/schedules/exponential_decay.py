"""`ExponentialDecay`: the learning rate shrinks by a fixed factor per period."""

import torch

from ember.optimizers.schedules.learning_rate_schedule import _RateDecay


class ExponentialDecay(_RateDecay):
    """Multiplies the learning rate by `decay_rate` every `decay_steps` steps.

    At step `step` the learning rate is

        initial_learning_rate * decay_rate ** (step / decay_steps)

    with the exponent rounded down to an integer when `staircase=True`, so the
    rate drops in steps rather than continuously.

    Args:
        initial_learning_rate: Float, the learning rate at step 0.
        decay_steps: Positive int, the length of one decay period in steps.
        decay_rate: Float, the factor applied per period.
        staircase: Bool, whether the decay happens at whole periods only.
            Defaults to `False`.
        name: String, the schedule's name. Defaults to `"ExponentialDecay"`.

    Example:

    >>> schedule = ember.optimizers.schedules.ExponentialDecay(
    ...     0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(schedule(20)), 6)
    0.025
    >>> optimizer = ember.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ):
        super().__init__(
            initial_learning_rate, decay_steps, decay_rate, staircase, name
        )

    def _decay(self, initial_learning_rate, decay_rate, p) -> torch.Tensor:
        return initial_learning_rate * torch.pow(decay_rate, p)
