"""`Adagrad`: per-coordinate steps shrinking with the gradients seen so far."""

import torch

from ember.initializers import Constant
from ember.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): each coordinate's step is divided by the
    root of the sum of all its squared gradients so far.

    Per variable, with slot `accumulator` (a) starting at
    `initial_accumulator_value`:

        a = a + g**2
        w = w - lr * g / sqrt(a + epsilon)

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        initial_accumulator_value: Non-negative float, the accumulators'
            starting value. Defaults to `0.1`.
        epsilon: Float, added inside the square root for numerical stability.
            Defaults to `1e-7`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0]))
    >>> optimizer = ember.optimizers.Adagrad(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([0.3])], [weight])
    >>> round(weight.tolist()[0], 4)   # 0.1 * 0.3 / sqrt(0.1 + 0.09)
    0.9312
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
        epsilon=1e-7,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables,
            "accumulator",
            initializer=Constant(self.initial_accumulator_value),
        )

    def _update_group(self, group, grads, learning_rate) -> None:
        accumulators = group.slots(self._accumulators)
        torch._foreach_add_(accumulators, torch._foreach_mul(grads, grads))
        denominators = torch._foreach_add(accumulators, self.epsilon)
        torch._foreach_sqrt_(denominators)
        steps = torch._foreach_mul(grads, learning_rate)
        torch._foreach_div_(steps, denominators)
        torch._foreach_sub_(group.variables, steps)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon,
            }
        )
        return config
