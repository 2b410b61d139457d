"""`Adam`: adaptive moment estimation (Kingma & Ba, 2014), optionally AMSGrad."""

import math

import torch

from ember.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's first and
    second moments.

    Per variable, with slots `momentum` (m) and `velocity` (v) starting at
    zero and `t` the 1-based step:

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        w = w - lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)

    Note where `epsilon` sits: it is added to `sqrt(v)`, not to the
    bias-corrected `sqrt(v_hat)` as in `torch.optim.Adam` (Keras's form).
    The update runs on torch's fused Adam kernel with its epsilon set to
    `epsilon / sqrt(1 - beta_2**t)`, which is the same arithmetic.
    With `amsgrad=True`, `v` in the last line is replaced by its running
    maximum (slot `velocity_hat`).

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        beta_1: Float, decay rate of the first moment. Defaults to `0.9`.
        beta_2: Float, decay rate of the second moment. Defaults to `0.999`.
        epsilon: Float, added to the denominator for numerical stability.
            Defaults to `1e-7`.
        amsgrad: Bool, whether to use AMSGrad (Reddi et al., 2018).
            Defaults to `False`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0]))
    >>> optimizer = ember.optimizers.Adam(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([0.5])], [weight])
    >>> round(weight.tolist()[0], 4)   # the first step has the size of lr
    0.9
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._fused_steps = {}  # device -> float step tensor the kernel reads

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(
                variables, "velocity_hat"
            )

    def _update_group(self, group, grads, learning_rate) -> None:
        if _fusable(group, grads):
            self._fused_update(group, grads, learning_rate)
            return
        step = self._local_step(group)
        beta_1_power = torch.pow(torch.full_like(step, self.beta_1), step)
        beta_2_power = torch.pow(torch.full_like(step, self.beta_2), step)
        alpha = learning_rate * torch.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        momentums = group.slots(self._momentums)
        velocities = group.slots(self._velocities)
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_add_(
            velocities, torch._foreach_mul(grads, grads), alpha=1 - self.beta_2
        )
        if self.amsgrad:
            maxima = group.slots(self._velocity_hats)
            torch._foreach_maximum_(maxima, velocities)
            velocities = maxima
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, self.epsilon)
        steps = torch._foreach_mul(momentums, alpha)
        torch._foreach_div_(steps, denominators)
        torch._foreach_sub_(group.variables, steps)

    def _fused_update(self, group, grads, learning_rate) -> None:
        # Keras's `lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps)`
        # is torch's `lr / (1 - b1**t) * m / (sqrt(v / (1 - b2**t)) + eps_t)`
        # with `eps_t = eps / sqrt(1 - b2**t)`; the host knows `t`.
        t = self._step.get() // (self.gradient_accumulation_steps or 1) + 1
        steps = self._fused_steps.get(group.device)
        if steps is None:
            steps = self._fused_steps[group.device] = torch.zeros(
                (), device=group.device
            )
        steps.fill_(t)
        torch._fused_adam_(
            group.variables,
            grads,
            group.slots(self._momentums),
            group.slots(self._velocities),
            group.slots(self._velocity_hats) if self.amsgrad else [],
            [steps] * len(grads),
            lr=learning_rate,
            beta1=self.beta_1,
            beta2=self.beta_2,
            weight_decay=0.0,
            eps=self.epsilon / math.sqrt(1 - self.beta_2**t),
            amsgrad=self.amsgrad,
            maximize=False,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
            }
        )
        return config


def _fusable(group, grads) -> bool:
    """Whether torch's fused Adam kernel can update this group: dense
    floating tensors of one dtype on the CPU or a CUDA device, outside
    `torch.compile` (the kernel has no meta implementation to trace; the
    compiler fuses the foreach update itself)."""
    return (
        not torch.compiler.is_compiling()
        and group.device.type in ("cpu", "cuda")
        and group.dtype.is_floating_point
        and all(g.dtype == group.dtype and g.layout == torch.strided for g in grads)
    )
