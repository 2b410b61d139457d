"""`Adamax`: Adam with the infinity norm in place of the second moment."""

import torch

from ember.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014, section 7): a variant of Adam whose
    denominator is an exponentially weighted infinity norm of the gradients.

    Per variable, with slots `momentum` (m) and `norm` (u) starting at zero
    and `t` the 1-based step:

        m = beta_1 * m + (1 - beta_1) * g
        u = max(beta_2 * u, abs(g))
        w = w - lr * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        beta_1: Float, decay rate of the first moment. Defaults to `0.9`.
        beta_2: Float, decay rate of the infinity norm. Defaults to `0.999`.
        epsilon: Float, added to the denominator for numerical stability.
            Defaults to `1e-7`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0]))
    >>> optimizer = ember.optimizers.Adamax(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([0.5])], [weight])
    >>> round(weight.tolist()[0], 4)
    0.9
    """

    def __init__(
        self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def _update_group(self, group, grads, learning_rate) -> None:
        step = self._local_step(group)
        beta_1_power = torch.pow(torch.full_like(step, self.beta_1), step)
        momentums = group.slots(self._m)
        norms = group.slots(self._u)
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(norms, self.beta_2)
        torch._foreach_maximum_(norms, torch._foreach_abs(grads))
        denominators = torch._foreach_add(norms, self.epsilon)
        torch._foreach_mul_(denominators, 1 - beta_1_power)
        steps = torch._foreach_mul(momentums, learning_rate)
        torch._foreach_div_(steps, denominators)
        torch._foreach_sub_(group.variables, steps)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
        )
        return config
