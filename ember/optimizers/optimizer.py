"""`Optimizer`: the base class of ember's optimizers, with Keras 3's API.

An optimizer owns its state as `ember.Variable`s, in Keras's order
(`iteration`, `learning_rate`, then the slots of each built variable), so
`.keras` files carry the same optimizer weights as Keras writes. The update
runs on the device of the variables, in place under `torch.no_grad()`, with
`torch._foreach_*` kernels over groups of variables that share a device and
dtype; the learning rate and the step count are tensors there, so `apply`
never waits on the device.
"""

import warnings

import torch

from ember.backend import naming, sharding
from ember.backend.errors import UnknownArgumentError
from ember.backend.variable import Variable
from ember.initializers import Constant
from ember.optimizers import base_mechanics
from ember.optimizers.base_mechanics import Group, HostCounter, Plan
from ember.optimizers.optimizer_variables import OptimizerVariables
from ember.optimizers.schedules import LearningRateSchedule
from ember.optimizers.schedules import serialize as serialize_schedule


class Optimizer(OptimizerVariables):
    """Base class of optimizers.

    `apply(grads, variables)` updates the variables in place from their
    gradients. A custom optimizer subclasses `Optimizer` and defines `build`
    (creating its slot variables with `add_variable_from_reference` or
    `add_optimizer_variables`), `update_step(gradient, variable,
    learning_rate)` and `get_config`, as in Keras.

    Args:
        learning_rate: A float, a `LearningRateSchedule`, or a callable taking
            no arguments that returns the rate.
        weight_decay: Float or `None`. If set, each step first scales every
            variable by `1 - weight_decay * learning_rate` (decoupled weight
            decay). Defaults to `None`.
        clipnorm: Float or `None`. If set, each gradient is scaled so that its
            L2 norm is at most this value. Defaults to `None`.
        clipvalue: Float or `None`. If set, each gradient is clipped elementwise
            to `[-clipvalue, clipvalue]`. Defaults to `None`.
        global_clipnorm: Float or `None`. If set, all gradients are scaled
            together so that their joint L2 norm is at most this value.
            Only one of the three clipping options may be set. Defaults to
            `None`.
        use_ema: Bool. If `True`, the optimizer keeps an exponential moving
            average of the variables (see `finalize_variable_values`).
            Defaults to `False`.
        ema_momentum: Float in [0, 1], the moving average's momentum:
            `average = ema_momentum * average + (1 - ema_momentum) * value`.
            Defaults to `0.99`.
        ema_overwrite_frequency: Int or `None`. If set with `use_ema`, the
            variables are overwritten by their average every this many
            (accumulated) steps. Defaults to `None`.
        loss_scale_factor: Float or `None`. If set, `scale_loss` multiplies
            the loss by it and `apply` divides the gradients by it.
            Defaults to `None`.
        gradient_accumulation_steps: Int >= 2 or `None`. If set, gradients
            are summed over this many `apply` calls and their mean is applied
            on the last one; `iterations` counts applied updates.
            Defaults to `None`.
        name: String, the name under which the optimizer's variables are
            created. Defaults to the snake-cased class name, made unique.

    Example:

    >>> weight = ember.Variable(torch.ones(3))
    >>> optimizer = ember.optimizers.SGD(learning_rate=0.1)
    >>> optimizer.apply([torch.ones(3)], [weight])
    >>> weight.tolist()
    [0.8999999761581421, 0.8999999761581421, 0.8999999761581421]
    """

    # Whether the update rule works element by element, so that it is exact
    # on the shards of variables split across processes.
    _elementwise = True

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        owner = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                f"`{owner}` ignores the argument `decay`, which Keras 3 removed; "
                "pass a learning rate schedule as `learning_rate` instead.",
                stacklevel=2,
            )
        if kwargs:
            raise UnknownArgumentError(
                f"`{owner}` got unexpected keyword argument(s) "
                f"{', '.join(f'`{key}`' for key in sorted(kwargs))}."
            )
        base_mechanics.check_base_arguments(
            owner,
            clipnorm,
            clipvalue,
            global_clipnorm,
            use_ema,
            ema_momentum,
            ema_overwrite_frequency,
            gradient_accumulation_steps,
        )
        self.name = name or naming.auto_name(owner)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._plans = {}
        self._use_weight_decay = base_mechanics.WeightDecayFilter()
        self._device = torch.device("cpu")
        # Keras's order: the step count, then the learning rate (unless it is
        # a schedule or callable), then the slots that `build` creates.
        self._iterations = self.add_variable((), dtype="int64", name="iteration")
        self._step = HostCounter(self._iterations)
        learning_rate = base_mechanics.check_learning_rate(learning_rate, owner)
        if callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            self._learning_rate = self.add_variable(
                (), initializer=Constant(learning_rate), name="learning_rate"
            )

    # Properties -----------------------------------------------------------

    @property
    def iterations(self) -> torch.Tensor:
        """The number of updates applied so far (an int64 tensor).

        With gradient accumulation this counts applied updates, i.e. `apply`
        calls divided by `gradient_accumulation_steps`; learning rate
        schedules still see every call.
        """
        if self.gradient_accumulation_steps:
            return torch.div(
                self._iterations,
                self.gradient_accumulation_steps,
                rounding_mode="floor",
            )
        return self._iterations

    @property
    def learning_rate(self):
        """The current learning rate: the rate variable, or the schedule's or
        callable's value now. Set it to a float, a schedule or a callable."""
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        previous = self._learning_rate
        if callable(value):
            self._learning_rate = value
            if isinstance(previous, Variable):
                self._variables = [v for v in self._variables if v is not previous]
            return
        if not isinstance(previous, Variable):
            raise TypeError(
                f"The learning rate of optimizer '{self.name}' is a "
                f"{type(previous).__name__}, so it cannot be set to a number. "
                "Create the optimizer with a float `learning_rate` to change it "
                "during training, or assign another schedule."
            )
        previous.assign(value)

    # Building -------------------------------------------------------------

    def build(self, variables) -> None:
        """Creates the state for `variables`: moving averages and gradient
        accumulators here, the update rule's slots in subclasses.

        Subclasses begin with `if self.built: return` and `super().build(...)`.
        """
        variables = list(variables)
        if variables:
            self._device = variables[0].device
        # The step count and learning rate live where the update runs.
        step = self._step.get()
        self._iterations = self._place(self._iterations, self._device)
        self._step = HostCounter(self._iterations, step)
        if isinstance(self._learning_rate, Variable):
            self._learning_rate = self._place(self._learning_rate, self._device)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average"
            )
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator"
            )
        self._trainable_variables = variables[:]
        self._trainable_variables_indices = {
            id(variable): index for index, variable in enumerate(variables)
        }
        self._plans = {}
        self.built = True

    # Applying gradients ---------------------------------------------------

    def apply_gradients(self, grads_and_vars) -> torch.Tensor:
        """`apply` for a list of `(gradient, variable)` pairs; returns
        `iterations`."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self._iterations

    @torch.no_grad()
    def apply(self, grads, trainable_variables=None) -> None:
        """Updates variables in place from their gradients, then counts a step.

        Args:
            grads: List of gradient tensors, one per variable (`None` for a
                variable without gradient, which is then left unchanged).
            trainable_variables: The variables, the first time at least: the
                optimizer builds its state for them on the first call. Later
                calls may pass the same list (or part of it) or `None`.
        """
        grads = list(grads)
        if not grads:
            return
        # 1. The variables, building the state on the first call.
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"Optimizer '{self.name}' was given gradients without "
                    "variables before being built. Pass the variables too: "
                    "`optimizer.apply(grads, variables)`, or call "
                    "`optimizer.build(variables)` first."
                )
            variables = self._trainable_variables
            if len(grads) != len(variables):
                raise ValueError(
                    f"Optimizer '{self.name}' holds {len(variables)} variables "
                    f"but received {len(grads)} gradients; pass one gradient "
                    "per variable, in the order the optimizer was built with."
                )
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        # 2. Variables without gradients sit this step out, as in Keras.
        if any(g is None for g in grads):
            grads, variables = base_mechanics.drop_missing_gradients(
                self.name, grads, variables
            )
        plan = self._plan(variables)
        if plan.sharded and not self._elementwise:
            raise ValueError(
                f"Optimizer '{self.name}' ({type(self).__name__}) reduces over "
                "whole variables, and this model's variables are split across "
                "processes. Use an element-wise optimizer (Adam, AdamW, SGD, "
                "RMSprop, ...) or a distribution that does not split variables "
                "(`DataParallel()`)."
            )
        group_grads = plan.split(grads)
        if self.loss_scale_factor is not None:
            group_grads = [
                torch._foreach_div(g, self.loss_scale_factor) for g in group_grads
            ]
        # 3. Accumulate, or update (clipping and weight decay included).
        if self.gradient_accumulation_steps:
            self._accumulate_or_update(plan, group_grads)
        else:
            self._update(plan, group_grads)
        # 4. Moving averages of all the variables, and their periodic copy.
        if self.use_ema:
            self._update_moving_averages()
        # 5. Constraints, then the step count.
        for variable in plan.constrained:
            variable.copy_(variable.constraint(sharding.full_value(variable)))
        self._step.increment()

    def update_step(self, gradient, variable, learning_rate) -> None:
        """Updates one variable from its gradient: the rule a custom optimizer
        defines. Built-in optimizers update groups of variables at once; called
        on them, this runs their rule for the one variable."""
        if type(self)._update_group is Optimizer._update_group:
            raise base_mechanics.no_update_rule(self)
        index = self._trainable_variables_indices[id(variable)]
        group = Group([variable], [0], [index], [])
        rate = torch.as_tensor(learning_rate, device=variable.device)
        self._update_group(group, [gradient], rate.to(dtype=variable.dtype))

    def scale_loss(self, loss):
        """The loss times `loss_scale_factor` (unchanged when it is `None`)."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempts variables from weight decay.

        Args:
            var_list: Variables to exempt.
            var_names: Strings (regular expressions); a variable whose name
                contains one of them is exempt, e.g. `["bias"]`.
        """
        self._use_weight_decay = base_mechanics.WeightDecayFilter(var_list, var_names)
        self._plans = {}

    def finalize_variable_values(self, var_list) -> None:
        """With `use_ema`, overwrites `var_list` (the variables the optimizer
        was built with) by their moving averages; otherwise does nothing."""
        if self.use_ema:
            base_mechanics.copy_averages(
                self.name, list(var_list), self._model_variables_moving_average
            )

    # Helpers for `update_step` in custom optimizers ------------------------

    def assign(self, variable, value) -> None:
        with torch.no_grad():
            variable.copy_(value)

    def assign_add(self, variable, value) -> None:
        with torch.no_grad():
            variable.add_(value)

    def assign_sub(self, variable, value) -> None:
        with torch.no_grad():
            variable.sub_(value)

    def get_config(self) -> dict:
        """Returns the constructor arguments (Keras's keys) as a dict."""
        rate = self._learning_rate
        if isinstance(rate, LearningRateSchedule):
            rate = serialize_schedule(rate)
        else:  # the rate variable, or a callable's current value
            rate = float(
                torch.as_tensor(rate if isinstance(rate, Variable) else rate())
            )
        return {
            "name": self.name,
            "learning_rate": rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> "Optimizer":
        """Rebuilds an optimizer (without its state) from `get_config()`."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from ember.optimizers.schedules import deserialize

            config["learning_rate"] = deserialize(
                config["learning_rate"], custom_objects
            )
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # Internals ------------------------------------------------------------

    def _update_group(self, group: Group, grads: list, learning_rate) -> None:
        """Updates one group of variables; built-ins override this with
        foreach kernels, custom optimizers define `update_step` instead."""
        if type(self).update_step is Optimizer.update_step:
            raise base_mechanics.no_update_rule(self)
        for gradient, variable in zip(grads, group.variables):
            self.update_step(gradient, variable, learning_rate)

    def _update(self, plan: Plan, group_grads: list) -> None:
        """Clips the gradients, decays the weights, runs the update rule."""
        group_grads = base_mechanics.clip_gradients(
            group_grads,
            self.clipnorm,
            self.global_clipnorm,
            self.clipvalue,
            plan.norms,
        )
        learning_rate = self._current_learning_rate()
        if not isinstance(learning_rate, torch.Tensor):
            learning_rate = torch.full((), learning_rate, device=self._device)
        if self.weight_decay is not None:
            factor = 1 - self.weight_decay * learning_rate
            for group in plan.groups:
                if group.decayed:
                    torch._foreach_mul_(group.decayed, factor.to(group.device))
        for group, grads in zip(plan.groups, group_grads):
            rate = learning_rate.to(device=group.device, dtype=group.dtype)
            self._update_group(group, grads, rate)

    def _accumulate_or_update(self, plan: Plan, group_grads: list) -> None:
        """Adds the gradients to the accumulators; every
        `gradient_accumulation_steps`-th call, updates with their mean instead
        and resets them. The host knows the step, so only one branch runs."""
        accumulators = [
            group.slots(self._accumulated_gradients) for group in plan.groups
        ]
        means = base_mechanics.accumulate(
            accumulators,
            group_grads,
            self.gradient_accumulation_steps,
            self._step.get(),
        )
        if means is not None:
            self._update(plan, means)
            for accumulated in accumulators:
                torch._foreach_zero_(accumulated)

    def _update_moving_averages(self) -> None:
        plan = self._plan(self._trainable_variables)
        averages = self._model_variables_moving_average
        base_mechanics.update_moving_averages(
            plan, averages, self.iterations, self.ema_momentum
        )
        frequency = self.ema_overwrite_frequency
        if frequency:
            step = self._step.get() // (self.gradient_accumulation_steps or 1)
            if (step + 1) % frequency == 0:
                for group in plan.groups:
                    torch._foreach_copy_(group.variables, group.slots(averages))

    def _current_learning_rate(self):
        rate = self._learning_rate
        if isinstance(rate, LearningRateSchedule):
            return rate(self._iterations)
        if isinstance(rate, Variable):
            return rate
        return rate()

    def _local_step(self, group: Group, offset: int = 1) -> torch.Tensor:
        """`iterations + offset` in the group's dtype and device (Keras's
        1-based step of bias corrections)."""
        return (self.iterations + offset).to(device=group.device, dtype=group.dtype)

    def _plan(self, variables: list) -> Plan:
        plan = self._plans.get(tuple(map(id, variables)))
        if plan is None:
            plan = Plan(
                variables,
                self._trainable_variables_indices,
                self._use_weight_decay,
                self.name,
            )
            self._plans[tuple(map(id, variables))] = plan
        return plan
