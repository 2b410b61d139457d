"""`Nadam`: Adam with Nesterov momentum (Dozat, 2016)."""

import torch

from ember.backend import config
from ember.initializers import Constant
from ember.optimizers.optimizer import Optimizer


class Nadam(Optimizer):
    """Nadam: Adam whose step looks ahead with Nesterov momentum, with a
    momentum schedule that warms up over the first steps.

    Per variable, with slots `momentum` (m) and `velocity` (v), `t` the
    1-based step, `mu_t = beta_1 * (1 - 0.5 * 0.96**t)` and `P_t` the product
    `mu_1 * ... * mu_t` (one shared state variable, `variable`):

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
        v_hat = v / (1 - beta_2**t)
        w = w - lr * m_hat / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        beta_1: Float, decay rate of the first moment. Defaults to `0.9`.
        beta_2: Float, decay rate of the second moment. Defaults to `0.999`.
        epsilon: Float, added to the denominator for numerical stability.
            Defaults to `1e-7`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0]))
    >>> optimizer = ember.optimizers.Nadam(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([0.5])], [weight])
    >>> round(weight.tolist()[0], 4)   # the warm-up momentum's first step
    0.8937
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
        variables = list(variables)
        dtype = variables[0].dtype if variables else config.floatx()
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        # The running product of the momentum schedule; Keras names it
        # "variable" and lists it after the slots.
        self._u_product = self.add_variable((), Constant(1.0), dtype, name="variable")

    def _update(self, plan, group_grads) -> None:
        # The schedule's product advances once per update, shared by all groups.
        step = self.iterations.to(self._u_product.dtype)
        u_t = self._momentum_at(step + 1)
        u_t_1 = self._momentum_at(step + 2)
        u_product_t = self._u_product * u_t
        self._u_product.copy_(u_product_t)
        self._schedule = (u_t, u_t_1, u_product_t, u_product_t * u_t_1)
        super()._update(plan, group_grads)

    def _momentum_at(self, step):
        decay = torch.full_like(step, 0.96)
        return torch.full_like(step, self.beta_1) * (1.0 - 0.5 * torch.pow(decay, step))

    def _update_group(self, group, grads, learning_rate) -> None:
        u_t, u_t_1, u_product_t, u_product_t_1 = (
            value.to(device=group.device, dtype=group.dtype) for value in self._schedule
        )
        step = self._local_step(group)
        beta_2_power = torch.pow(torch.full_like(step, self.beta_2), step)
        momentums = group.slots(self._momentums)
        velocities = group.slots(self._velocities)
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_add_(
            velocities, torch._foreach_mul(grads, grads), alpha=1 - self.beta_2
        )
        m_hat = torch._foreach_mul(momentums, u_t_1)
        torch._foreach_div_(m_hat, 1 - u_product_t_1)
        current = torch._foreach_mul(grads, 1 - u_t)
        torch._foreach_div_(current, 1 - u_product_t)
        torch._foreach_add_(m_hat, current)
        denominators = torch._foreach_div(velocities, 1 - beta_2_power)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_mul_(m_hat, learning_rate)
        torch._foreach_div_(m_hat, denominators)
        torch._foreach_sub_(group.variables, m_hat)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
        )
        return config
