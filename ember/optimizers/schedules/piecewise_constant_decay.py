"""`PiecewiseConstantDecay`: the learning rate is constant between boundaries."""

import torch

from ember.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    float_constant,
)


class PiecewiseConstantDecay(LearningRateSchedule):
    """A step function of the step: `values[i]` between two boundaries.

    The learning rate is `values[0]` while `step <= boundaries[0]`,
    `values[i]` while `boundaries[i - 1] < step <= boundaries[i]`, and
    `values[-1]` once `step > boundaries[-1]`.

    Args:
        boundaries: List of increasing step numbers (ints), one fewer than
            `values`.
        values: List of floats, the learning rate on each interval.
        name: String, the schedule's name. Defaults to `"PiecewiseConstant"`.

    Example:

    >>> schedule = ember.optimizers.schedules.PiecewiseConstantDecay(
    ...     boundaries=[100, 200], values=[1.0, 0.5, 0.1])
    >>> [round(float(schedule(s)), 6) for s in (100, 101, 201)]
    [1.0, 0.5, 0.1]
    >>> optimizer = ember.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "`PiecewiseConstantDecay` needs one more value than boundaries. "
                f"Received: boundaries={boundaries!r} ({len(boundaries)} items) "
                f"and values={values!r} ({len(values)} items)."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step) -> torch.Tensor:
        step = as_step(step)
        # Boundaries compare in the step's dtype, as Keras casts them.
        boundaries = [_in_dtype_of(b, step) for b in self.boundaries]
        values = [float_constant(v, step) for v in self.values]
        dtype = values[0].dtype
        # Each interval contributes its value times a 0/1 indicator; exactly one
        # indicator is 1, so the sum is that interval's value.
        result = torch.zeros((), dtype=dtype, device=step.device)
        result = result + (step <= boundaries[0]).to(dtype) * values[0]
        result = result + (step > boundaries[-1]).to(dtype) * values[-1]
        for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            result = result + ((step > low) & (step <= high)).to(dtype) * value
        return result

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


def _in_dtype_of(boundary, step: torch.Tensor):
    """A boundary as the step's dtype would hold it (floats truncate for int steps)."""
    if isinstance(boundary, torch.Tensor):
        return boundary.to(device=step.device, dtype=step.dtype)
    if not step.dtype.is_floating_point:
        return int(boundary)
    return boundary
