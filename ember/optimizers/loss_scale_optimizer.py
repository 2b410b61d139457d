"""`LossScaleOptimizer`: dynamic loss scaling for float16 training."""

import torch

from ember.backend import sharding
from ember.initializers import Constant
from ember.optimizers.optimizer import Optimizer

# Arguments of the base optimizer that belong on the inner optimizer.
_INNER_ONLY = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer with dynamic loss scaling, so that small float16
    gradients do not underflow to zero.

    The loss is multiplied by a scale before the backward pass and the
    gradients are divided by it before the update. When a step produces an
    infinite or NaN gradient, the update is skipped and the scale halved;
    after `dynamic_growth_steps` finite steps in a row, the scale doubles.
    `compile()` wraps the optimizer in one automatically under the
    `"mixed_float16"` policy (unless `auto_scale_loss=False`).

    Args:
        inner_optimizer: The `ember.optimizers.Optimizer` to wrap.
        initial_scale: Float, the first loss scale. A large value is lowered
            quickly by the first overflowing steps. Defaults to `2.0**15`.
        dynamic_growth_steps: Int, how many finite steps double the scale.
            Defaults to `2000`.
        name: String, the optimizer's name. Defaults to
            `"loss_scale_optimizer"` made unique.

    Example:

    >>> optimizer = LossScaleOptimizer(ember.optimizers.SGD(0.1))
    >>> float(optimizer.scale_loss(torch.tensor(1.0)))
    32768.0
    """

    def __init__(
        self,
        inner_optimizer,
        initial_scale=2.0**15,
        dynamic_growth_steps=2000,
        name=None,
        **kwargs,
    ):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "`LossScaleOptimizer` only scales dynamically (`dynamic=False` "
                "is not supported). For a fixed scale, set `loss_scale_factor` "
                "on the inner optimizer instead."
            )
        for argument, default in _INNER_ONLY.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(
                    f"`LossScaleOptimizer` does not take `{argument}`: set it "
                    f"on the inner optimizer, e.g. `Adam({argument}=...)`."
                )
        if kwargs:
            raise ValueError(
                "`LossScaleOptimizer` got unexpected argument(s) "
                f"{', '.join(f'`{k}`' for k in sorted(kwargs))}."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(
                "Invalid value for argument `inner_optimizer` of "
                "`LossScaleOptimizer`: expected an `ember.optimizers.Optimizer` "
                f"instance. Received: inner_optimizer={inner_optimizer!r}."
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, variables) -> None:
        if self.built:
            return
        variables = list(variables)
        if variables:
            self._device = variables[0].device
        # Keras's names and order; torch's scale update wants an int32 counter.
        self.step_counter = self.add_variable((), dtype="int32", name="step_counter")
        self.dynamic_scale = self.add_variable(
            (), initializer=Constant(self.initial_scale), name="dynamic_scale"
        )
        self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def variables(self) -> list:
        return self._variables[:] + self.inner_optimizer.variables

    @property
    def iterations(self) -> torch.Tensor:
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def scale_loss(self, loss):
        """The loss times the current scale."""
        scale = self.dynamic_scale if self.built else self.initial_scale
        return loss * scale

    @torch.no_grad()
    def apply(self, grads, trainable_variables=None) -> None:
        """Unscales the gradients; applies them with the inner optimizer if
        all are finite, and updates the scale."""
        if not self.built:
            if trainable_variables is None:
                raise ValueError(
                    f"Optimizer '{self.name}' was given gradients without "
                    "variables before being built. Pass the variables too."
                )
            self.build(trainable_variables)
        present = [sharding.local(g) for g in grads if g is not None]
        if not present:
            return
        # 1. Unscale in place and detect non-finite values, fused per device
        # and dtype (the scale is a power of two, so this equals a division).
        found_inf = torch.zeros((), device=self.dynamic_scale.device)
        inv_scale = self.dynamic_scale.reciprocal()
        for group in _by_dtype(present, found_inf.device):
            torch._amp_foreach_non_finite_check_and_unscale_(
                group, found_inf, inv_scale
            )
        if sharding.any_created():
            # Each process checked its own shards: all must agree to skip.
            sharding.max_across_processes(found_inf)
        # 2. The update runs only on finite gradients (one host read per step,
        # as torch's GradScaler does).
        if not found_inf.item():
            self.inner_optimizer.apply(grads, trainable_variables)
        # 3. Halve on overflow; double after `dynamic_growth_steps` good steps.
        torch._amp_update_scale_(
            self.dynamic_scale,
            self.step_counter,
            found_inf,
            2.0,
            0.5,
            self.dynamic_growth_steps,
        )

    def finalize_variable_values(self, var_list) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict:
        from ember import optimizers

        return {
            "name": self.name,
            "inner_optimizer": optimizers.serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ember import optimizers

        config = dict(config)
        inner = optimizers.deserialize(
            config.pop("inner_optimizer"), custom_objects=custom_objects
        )
        return cls(inner, **config)


def _by_dtype(tensors, device) -> list:
    groups = {}
    for t in tensors:
        if t.device != device:
            raise ValueError(
                f"`LossScaleOptimizer` received a gradient on {t.device} for "
                f"variables on {device}; keep the model on one device."
            )
        groups.setdefault(t.dtype, []).append(t)
    return list(groups.values())
