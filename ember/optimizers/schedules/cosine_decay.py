"""`CosineDecay`: an optional linear warmup, then a half cosine down to `alpha`."""

import math

import torch

from ember.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    cast_constant,
    check_positive_steps,
    float_constant,
)


class CosineDecay(LearningRateSchedule):
    """Decays the learning rate along a half cosine, after an optional warmup.

    Without warmup (`warmup_target=None`), at step `step` (held at
    `decay_steps` once reached) the learning rate is

        initial_learning_rate * ((1 - alpha) * cosine + alpha)
        cosine = 0.5 * (1 + cos(pi * step / decay_steps))

    With `warmup_target` set, the rate first rises linearly from
    `initial_learning_rate` to `warmup_target` over `warmup_steps` steps, then
    decays as above from `warmup_target` over the next `decay_steps` steps.

    Args:
        initial_learning_rate: Float, the learning rate at step 0.
        decay_steps: Positive int, the number of steps to decay over.
        alpha: Float, the floor of the decay as a fraction of the decayed-from
            rate. Defaults to `0.0`.
        name: String, the schedule's name. Defaults to `"CosineDecay"`.
        warmup_target: Float or `None`, the rate reached at the end of warmup;
            `None` means no warmup. Defaults to `None`.
        warmup_steps: Int, the number of warmup steps. Defaults to `0`.

    Example:

    >>> schedule = ember.optimizers.schedules.CosineDecay(0.1, decay_steps=100)
    >>> round(float(schedule(50)), 6)
    0.05
    >>> warm = ember.optimizers.schedules.CosineDecay(
    ...     0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    >>> round(float(warm(5)), 6)
    0.05
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        check_positive_steps(decay_steps, "decay_steps", "CosineDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def __call__(self, step) -> torch.Tensor:
        step = as_step(step)
        initial_learning_rate = float_constant(self.initial_learning_rate, step)
        decay_steps = cast_constant(self.decay_steps, initial_learning_rate)
        step = step.to(initial_learning_rate.dtype)
        if self.warmup_target is None:
            step = torch.minimum(step, decay_steps)
            return self._decay(step, decay_steps, initial_learning_rate)
        warmup_target = cast_constant(self.warmup_target, initial_learning_rate)
        warmup_steps = cast_constant(self.warmup_steps, initial_learning_rate)
        step = torch.minimum(step, decay_steps + warmup_steps)
        # Both phases are computed and one selected on the device: no host
        # sync to decide which phase the step is in.
        warmup = (warmup_target - initial_learning_rate) * (
            step / warmup_steps
        ) + initial_learning_rate
        decay = self._decay(step - warmup_steps, decay_steps, warmup_target)
        return torch.where(step < warmup_steps, warmup, decay)

    def _decay(self, step, decay_steps, decay_from):
        completed_fraction = step / decay_steps
        pi = cast_constant(math.pi, decay_from)
        cosine = 0.5 * (1.0 + torch.cos(pi * completed_fraction))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }
