"""`SGD`: gradient descent, with optional (Nesterov) momentum."""

import numbers

import torch

from ember.backend.errors import ArgumentError
from ember.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent, with optional momentum and Nesterov momentum.

    Without momentum: `w = w - learning_rate * g`. With momentum `m > 0`,
    a velocity `v` (slot `momentum`, starting at zero) accumulates the steps:

        v = m * v - learning_rate * g
        w = w + v                             # nesterov=False
        w = w + m * v - learning_rate * g     # nesterov=True

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.01`.
        momentum: Float in [0, 1]; `0` is plain gradient descent.
            Defaults to `0.0`.
        nesterov: Bool, whether to use Nesterov momentum. Defaults to `False`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0]))
    >>> optimizer = ember.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     optimizer.apply([torch.tensor([1.0])], [weight])
    >>> round(weight.tolist()[0], 4)   # steps of 0.1, then 0.9 * 0.1 + 0.1
    0.71
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, numbers.Real)
            or not 0 <= momentum <= 1
        ):
            raise ArgumentError("momentum", "a float in [0, 1]", momentum, owner="SGD")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _update_group(self, group, grads, learning_rate) -> None:
        variables = group.variables
        steps = torch._foreach_mul(grads, learning_rate)
        if self.momentum == 0:
            torch._foreach_sub_(variables, steps)
            return
        velocities = group.slots(self.momentums)
        torch._foreach_mul_(velocities, self.momentum)
        torch._foreach_sub_(velocities, steps)
        if self.nesterov:
            torch._foreach_sub_(variables, steps)
            torch._foreach_add_(variables, velocities, alpha=self.momentum)
        else:
            torch._foreach_add_(variables, velocities)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
