"""`RMSprop`: steps divided by a running root mean square of the gradients."""

import torch

from ember.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): divides each gradient by the root of a moving
    average of its squares.

    Per variable, with slot `velocity` (v) starting at zero:

        v = rho * v + (1 - rho) * g**2
        w = w - lr * g / sqrt(v + epsilon)

    With `centered=True` a moving average of the gradients `a` (slot
    `average_gradient`) is kept too, and the denominator becomes
    `sqrt(v - a**2 + epsilon)`, an estimate of the gradient's variance. With
    `momentum > 0` the steps go through a momentum buffer (slot `momentum`):
    `b = momentum * b + step; w = w - b`.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        rho: Float, the discount factor of the moving averages.
            Defaults to `0.9`.
        momentum: Float, the momentum of the steps (plain, not Nesterov).
            Defaults to `0.0`.
        epsilon: Float, added inside the square root for numerical stability.
            Defaults to `1e-7`.
        centered: Bool, whether to normalize by the estimated variance instead
            of the second moment. Defaults to `False`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([10.0]))
    >>> optimizer = ember.optimizers.RMSprop(learning_rate=0.1)
    >>> optimizer.apply([weight.detach().clone()], [weight])
    >>> round(weight.tolist()[0], 4)
    9.6838
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(
                variables, "average_gradient"
            )

    def _update_group(self, group, grads, learning_rate) -> None:
        rho = self.rho
        velocities = group.slots(self._velocities)
        torch._foreach_mul_(velocities, rho)
        torch._foreach_add_(velocities, torch._foreach_mul(grads, grads), alpha=1 - rho)
        denominators = torch._foreach_add(velocities, self.epsilon)
        if self.centered:
            averages = group.slots(self._average_gradients)
            torch._foreach_mul_(averages, rho)
            torch._foreach_add_(averages, grads, alpha=1 - rho)
            torch._foreach_sub_(denominators, torch._foreach_mul(averages, averages))
        torch._foreach_sqrt_(denominators)
        increments = torch._foreach_mul(grads, learning_rate)
        torch._foreach_div_(increments, denominators)
        if self.momentum > 0:
            buffers = group.slots(self._momentums)
            torch._foreach_mul_(buffers, self.momentum)
            torch._foreach_add_(buffers, increments)
            increments = buffers
        torch._foreach_sub_(group.variables, increments)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config
