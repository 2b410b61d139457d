"""`Ftrl`: Follow The Regularized Leader (McMahan et al., 2013)."""

import torch

from ember.backend import config
from ember.backend.errors import ArgumentError
from ember.initializers import Constant
from ember.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal: the update of large, sparse linear models at Google,
    with L1 and L2 regularization built into the step.

    Per variable, with slots `accumulator` (n, starting at
    `initial_accumulator_value`) and `linear` (z, starting at zero),
    `p = -learning_rate_power` and `l2 = l2_regularization_strength +
    beta / (2 * lr)`:

        g' = g + 2 * l2_shrinkage_regularization_strength * w
        n_new = n + g**2
        z = z + g' - (n_new**p - n**p) / lr * w
        w = (clip(z, -l1, l1) - z) / (n_new**p / lr + 2 * l2)
        n = n_new

    so coordinates with `|z| <= l1` are exactly zero.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        learning_rate_power: Float <= 0, how fast the per-coordinate rate
            decays with the accumulated squared gradients. Defaults to `-0.5`.
        initial_accumulator_value: Float >= 0, the accumulators' starting
            value. Defaults to `0.1`.
        l1_regularization_strength: Float >= 0. Defaults to `0.0`.
        l2_regularization_strength: Float >= 0. Defaults to `0.0`.
        l2_shrinkage_regularization_strength: Float >= 0, an L2 penalty
            added to the gradient (magnitude penalty) rather than to the
            stabilization term. Defaults to `0.0`.
        beta: Float, added to the stabilization term as `beta / (2 * lr)`.
            Defaults to `0.0`.
        **kwargs: The arguments every optimizer takes (`weight_decay`,
            `clipnorm`, `use_ema`, `gradient_accumulation_steps`, `name`, ...;
            see `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([0.0, 0.0]))
    >>> optimizer = ember.optimizers.Ftrl(
    ...     learning_rate=0.1, l1_regularization_strength=0.5)
    >>> optimizer.apply([torch.tensor([0.2, -1.0])], [weight])
    >>> [round(w, 4) for w in weight.tolist()]   # |z| = 0.2 <= l1: exactly 0
    [0.0, 0.0477]
    """

    def __init__(
        self,
        learning_rate=0.001,
        learning_rate_power=-0.5,
        initial_accumulator_value=0.1,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0,
        beta=0.0,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if learning_rate_power > 0.0:
            raise ArgumentError(
                "learning_rate_power", "a float <= 0", learning_rate_power, "Ftrl"
            )
        for argument, value in (
            ("initial_accumulator_value", initial_accumulator_value),
            ("l1_regularization_strength", l1_regularization_strength),
            ("l2_regularization_strength", l2_regularization_strength),
            (
                "l2_shrinkage_regularization_strength",
                l2_shrinkage_regularization_strength,
            ),
        ):
            if value < 0.0:
                raise ArgumentError(argument, "a float >= 0", value, owner="Ftrl")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators, self._linears = self.add_optimizer_variables(
            variables,
            ["accumulator", "linear"],
            initializer=[Constant(self.initial_accumulator_value), "zeros"],
        )

    def _update_group(self, group, grads, learning_rate) -> None:
        variables = group.variables
        accumulators = group.slots(self._accumulators)
        linears = group.slots(self._linears)
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        # A tensor exponent, as Keras passes it: `pow` then takes its general
        # path, not the `sqrt` shortcut of a Python 0.5 (they differ by an ulp).
        power = torch.full(
            (), -self.learning_rate_power, dtype=_floatx(), device=group.device
        )
        powers = [power] * len(variables)
        grads_to_use = torch._foreach_mul(
            variables, 2 * self.l2_shrinkage_regularization_strength
        )
        torch._foreach_add_(grads_to_use, grads)
        new_accumulators = torch._foreach_add(
            accumulators, torch._foreach_mul(grads, grads)
        )
        new_powers = torch._foreach_pow(new_accumulators, powers)
        corrections = torch._foreach_sub(
            new_powers, torch._foreach_pow(accumulators, powers)
        )
        torch._foreach_div_(corrections, learning_rate)
        torch._foreach_mul_(corrections, variables)
        torch._foreach_add_(linears, torch._foreach_sub(grads_to_use, corrections))
        quadratics = torch._foreach_div(new_powers, learning_rate)
        torch._foreach_add_(quadratics, [2 * l2] * len(variables))
        clipped = torch._foreach_clamp_max(torch._foreach_clamp_min(linears, -l1), l1)
        torch._foreach_sub_(clipped, linears)
        torch._foreach_div_(clipped, quadratics)
        torch._foreach_copy_(variables, clipped)
        torch._foreach_copy_(accumulators, new_accumulators)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": (
                    self.l2_shrinkage_regularization_strength
                ),
                "beta": self.beta,
            }
        )
        return config


def _floatx() -> torch.dtype:
    return getattr(torch, config.floatx())
