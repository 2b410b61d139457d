"""`Lion`: sign-based steps from an interpolated momentum (Chen et al., 2023)."""

import torch

from ember.backend.errors import ArgumentError
from ember.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Lion (EvoLved Sign Momentum): every coordinate moves by exactly the
    learning rate, in the direction of the sign of an interpolation between
    the momentum and the gradient.

    Per variable, with slot `momentum` (m) starting at zero:

        w = w - lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Its steps are larger than Adam's, so it usually wants a learning rate 3-10
    times smaller (and a weight decay as many times larger).

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        beta_1: Float in (0, 1], the interpolation weight of the momentum in
            the step. Defaults to `0.9`.
        beta_2: Float, the decay rate of the momentum. Defaults to `0.99`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0, 1.0]))
    >>> optimizer = ember.optimizers.Lion(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([0.001, -5.0])], [weight])
    >>> weight.tolist()
    [0.8999999761581421, 1.100000023841858]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ArgumentError(
                "beta_1",
                "a float in (0, 1]",
                beta_1,
                owner="Lion",
                hint="With beta_1 = 0 Lion is sign descent on the raw gradient.",
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def _update_group(self, group, grads, learning_rate) -> None:
        momentums = group.slots(self._momentums)
        directions = torch._foreach_mul(momentums, self.beta_1)
        torch._foreach_add_(directions, grads, alpha=1 - self.beta_1)
        torch._foreach_sign_(directions)
        torch._foreach_mul_(directions, learning_rate)
        torch._foreach_sub_(group.variables, directions)
        torch._foreach_mul_(momentums, self.beta_2)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_2)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
