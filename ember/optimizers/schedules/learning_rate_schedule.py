"""`LearningRateSchedule`: a learning rate that is a function of the step.

Schedules compute on the device of the step they are given, from tensors made
there (`torch.full` fills, never host copies), so an optimizer evaluates its
schedule from its `iterations` tensor each step without a host sync.
"""

import numbers

import torch

from ember.backend import config


class LearningRateSchedule:
    """Base class of learning rate schedules.

    A schedule is called with the optimizer's step (its `iterations`, counting
    from 0) and returns the learning rate for that step as a 0-d tensor.
    Subclasses implement `__call__(step)` and, to be serializable,
    `get_config()`. Pass an instance as any optimizer's `learning_rate`.

    Example:

    >>> class Halving(ember.optimizers.schedules.LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate):
    ...         self.initial_learning_rate = initial_learning_rate
    ...     def __call__(self, step):
    ...         step = torch.as_tensor(step, dtype=torch.float32)
    ...         return self.initial_learning_rate * 0.5 ** (step // 100)
    ...     def get_config(self):
    ...         return {"initial_learning_rate": self.initial_learning_rate}
    >>> round(float(Halving(0.1)(250)), 6)
    0.025
    >>> optimizer = ember.optimizers.SGD(learning_rate=Halving(0.1))
    """

    def __call__(self, step) -> torch.Tensor:
        raise TypeError(
            f"Learning rate schedule `{type(self).__name__}` must define "
            "`__call__(self, step)`, returning the learning rate at `step`."
        )

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        raise TypeError(
            f"Learning rate schedule `{type(self).__name__}` must define "
            "`get_config()` to be serialized."
        )

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        """Rebuilds a schedule from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except TypeError:
            arguments = ""
        return f"{type(self).__name__}({arguments})"


def as_step(step) -> torch.Tensor:
    """`step` (an int or a tensor) as a tensor, on its own device."""
    return step if isinstance(step, torch.Tensor) else torch.as_tensor(step)


def float_constant(value, step: torch.Tensor) -> torch.Tensor:
    """A schedule's float argument as a 0-d tensor on `step`'s device.

    Python numbers become `floatx()` tensors, as Keras converts them; tensors
    keep their dtype. This dtype is the one the schedule computes in.
    """
    if isinstance(value, torch.Tensor):
        return value.to(step.device)
    return torch.full((), value, dtype=_floatx(), device=step.device)


def cast_constant(value, like: torch.Tensor) -> torch.Tensor:
    """`value` (a number or tensor) as a 0-d tensor of `like`'s dtype and device."""
    if isinstance(value, torch.Tensor):
        return value.to(device=like.device, dtype=like.dtype)
    return torch.full((), value, dtype=like.dtype, device=like.device)


def check_positive_steps(value, name: str, owner: str) -> None:
    """Raises the Keras error for a step count that is not positive."""
    if not isinstance(value, numbers.Real) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}` of `{owner}`: expected a number "
            f"> 0. Received: {name}={value!r}."
        )


def _floatx() -> torch.dtype:
    return getattr(torch, config.floatx())


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: the same arguments, and
    `p = step / decay_steps` (floored with `staircase`); each subclass applies
    its own formula to `p` in `_decay(initial_learning_rate, decay_rate, p)`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        check_positive_steps(decay_steps, "decay_steps", type(self).__name__)
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
        return self._decay(initial_learning_rate, decay_rate, p)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
