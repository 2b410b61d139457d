"""`Adadelta`: steps scaled by the ratio of running RMS of updates and gradients."""

import torch

from ember.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): each coordinate's step is the gradient times
    the ratio of two running root mean squares, of past updates and of past
    gradients, so the step size adapts without decaying to zero.

    Per variable, with slots `accumulated_grad` (G) and
    `accumulated_delta_var` (D) starting at zero:

        G = rho * G + (1 - rho) * g**2
        delta = -sqrt(D + epsilon) / sqrt(G + epsilon) * g
        D = rho * D + (1 - rho) * delta**2
        w = w + lr * delta

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable. The original
            method has no learning rate, i.e. `1.0`. Defaults to `0.001`.
        rho: Float, the decay rate of the running averages. Defaults to `0.95`.
        epsilon: Float, added inside the square roots for numerical stability.
            Defaults to `1e-7`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0]))
    >>> optimizer = ember.optimizers.Adadelta(learning_rate=1.0)
    >>> optimizer.apply([torch.tensor([1.0])], [weight])
    >>> round(weight.tolist()[0], 6)   # tiny first steps: D starts at zero
    0.998586
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = (
            self.add_optimizer_variables(
                variables, ["accumulated_grad", "accumulated_delta_var"]
            )
        )

    def _update_group(self, group, grads, learning_rate) -> None:
        rho = self.rho
        accumulated_grads = group.slots(self._accumulated_grads)
        accumulated_deltas = group.slots(self._accumulated_delta_vars)
        torch._foreach_mul_(accumulated_grads, rho)
        torch._foreach_add_(
            accumulated_grads, torch._foreach_mul(grads, grads), alpha=1 - rho
        )
        deltas = torch._foreach_mul(self._rms(accumulated_deltas), grads)
        torch._foreach_div_(deltas, self._rms(accumulated_grads))
        torch._foreach_neg_(deltas)
        torch._foreach_mul_(accumulated_deltas, rho)
        torch._foreach_add_(
            accumulated_deltas, torch._foreach_mul(deltas, deltas), alpha=1 - rho
        )
        torch._foreach_mul_(deltas, learning_rate)
        torch._foreach_add_(group.variables, deltas)

    def _rms(self, tensors):
        roots = torch._foreach_add(tensors, self.epsilon)
        torch._foreach_sqrt_(roots)
        return roots

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
