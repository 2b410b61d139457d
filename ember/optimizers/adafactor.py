"""`Adafactor`: Adam-like steps with factored second moments (Shazeer & Stern, 2018)."""

import torch

from ember.optimizers.base_mechanics import name_of
from ember.optimizers.optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor: keeps, for each matrix, only row and column averages of the
    squared gradients instead of a full second-moment estimate, so its memory
    grows with the sum of the dimensions rather than their product.

    For a variable with at least 2 dimensions, the last two are factored:
    slot `r` (shape without the last axis) and `c` (shape without the
    second-to-last) are decaying averages of `g**2 + epsilon_1` over those
    axes, and the second moment is rebuilt as `v = r / mean(r) * c`. Smaller
    variables keep a full `v`. With `t` the 1-based step:

        rho_t = min(lr, 1 / sqrt(t));  beta_2_t = 1 - t**beta_2_decay
        u = g / sqrt(v);  u = u / max(1, rms(u) / clip_threshold)
        w = w - max(epsilon_2, rms(w)) * rho_t * u

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        beta_2_decay: Float, the exponent of the second moments' decay
            schedule. Defaults to `-0.8`.
        epsilon_1: Float, added to the squared gradients. Defaults to `1e-30`.
        epsilon_2: Float, the floor of a variable's RMS in the step size.
            Defaults to `1e-3`.
        clip_threshold: Float, the largest RMS of the normalized step.
            Defaults to `1.0`.
        relative_step: Bool, kept for compatibility with Keras, where the
            step size is capped by `1 / sqrt(t)` whatever its value.
            Defaults to `True`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.ones(4, 3))
    >>> optimizer = ember.optimizers.Adafactor(learning_rate=0.1)
    >>> optimizer.apply([torch.ones(4, 3)], [weight])
    >>> round(weight.tolist()[0][0], 4)   # rms(w) * lr * rms-clipped step
    0.9
    """

    # Row and column statistics span whole variables: not for split ones.
    _elementwise = False

    def __init__(
        self,
        learning_rate=0.001,
        beta_2_decay=-0.8,
        epsilon_1=1e-30,
        epsilon_2=1e-3,
        clip_threshold=1.0,
        relative_step=True,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for variable in variables:
            name = name_of(variable)
            shape = tuple(variable.shape)
            if len(shape) < 2:
                # Not factored; Keras still lists two scalar placeholders.
                r = self._add((), "zeros", "int64", name, variable.device)
                c = self._add((), "zeros", "int64", name, variable.device)
            else:
                r = self._add(
                    shape[:-1], "zeros", variable.dtype, name, variable.device
                )
                c = self._add(
                    shape[:-2] + shape[-1:],
                    "zeros",
                    variable.dtype,
                    name,
                    variable.device,
                )
            self._r.append(r)
            self._c.append(c)
            self._v.append(self.add_variable_from_reference(variable, "velocity"))

    def _update_group(self, group, grads, learning_rate) -> None:
        # Reductions per variable (RMS, row and column means): a loop, as in
        # torch.optim's Adafactor.
        step = self._local_step(group)
        one = torch.ones_like(step)
        epsilon_2 = torch.full_like(step, self.epsilon_2)
        rho = torch.minimum(learning_rate, 1 / torch.sqrt(step))
        beta_2 = 1 - torch.pow(
            step, torch.full((), self.beta_2_decay, device=step.device)
        )
        for gradient, variable, index in zip(grads, group.variables, group.indices):
            alpha = torch.maximum(epsilon_2, _rms(variable)) * rho
            squares = gradient * gradient + self.epsilon_1
            v = self._v[index]
            if variable.ndim >= 2:
                r, c = self._r[index], self._c[index]
                r.copy_(beta_2 * r + (1 - beta_2) * squares.mean(dim=-1))
                c.copy_(beta_2 * c + (1 - beta_2) * squares.mean(dim=-2))
                row_factor = r / r.mean(dim=-1, keepdim=True)
                v.copy_(row_factor.unsqueeze(-1) * c.unsqueeze(-2))
            else:
                v.copy_(beta_2 * v + (1 - beta_2) * squares)
            update = gradient / torch.sqrt(v)
            update = update / torch.maximum(one, _rms(update) / self.clip_threshold)
            variable.sub_(alpha * update)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step,
            }
        )
        return config


def _rms(x: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(torch.mean(x * x))
