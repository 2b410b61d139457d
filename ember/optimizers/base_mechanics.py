"""The machinery every optimizer shares, apart from its update rule.

- `Plan` and `Group`: the variables of one `apply` call, split by device and
  dtype so that each group is updated by single `torch._foreach_*` calls.
- Gradient clipping (`clipnorm`, `global_clipnorm`, `clipvalue`) with Keras's
  arithmetic, on device, without host syncs.
- Moving averages of the weights (`use_ema`).
- `HostCounter`: the step count mirrored on the host, for the decisions Keras
  makes from it (gradient accumulation, EMA overwrites) without reading the
  device each step.
- Argument checks of the base constructor.
"""

import numbers
import re
import warnings

import torch

from ember.backend import sharding
from ember.backend.errors import ArgumentError


class Group:
    """Variables of one device and dtype, updated together by foreach kernels.

    Attributes:
        variables: The group's variables, in the order of the `apply` call.
        positions: Their positions in the `apply` call's variable list.
        indices: Their indices in the list the optimizer was built with; slot
            variables are looked up by these.
        decayed: The variables that take weight decay.
        device, dtype: Shared by all the group's variables.
    """

    __slots__ = (
        "variables",
        "positions",
        "indices",
        "decayed",
        "device",
        "dtype",
        "_slot_cache",
    )

    def __init__(self, variables, positions, indices, decayed):
        # Variables sharded across processes are updated shard by shard (the
        # element-wise rules are exact on shards).
        self.variables = [sharding.local(v) for v in variables]
        self.positions = positions
        self.indices = indices
        self.decayed = [sharding.local(v) for v in decayed]
        self.device = variables[0].device
        self.dtype = variables[0].dtype
        self._slot_cache = {}

    def slots(self, per_variable: list) -> list:
        """This group's entries of a list with one entry per built variable
        (e.g. Adam's momentums). Slot lists never change after `build`, so
        each is gathered once and cached."""
        cached = self._slot_cache.get(id(per_variable))
        if cached is None:
            # Holding `per_variable` keeps its id from being reused.
            cached = (
                per_variable,
                [sharding.local(per_variable[i]) for i in self.indices],
            )
            self._slot_cache[id(per_variable)] = cached
        return cached[1]


class Plan:
    """How one list of variables is updated: its groups and its constraints.

    Plans are made once per distinct variable list and cached by the optimizer,
    so a training step only splits the gradient list by position.
    """

    def __init__(self, variables: list, index_of: dict, use_weight_decay, name: str):
        indices = []
        for variable in variables:
            if id(variable) not in index_of:
                raise ValueError(
                    f"Optimizer '{name}' received an unknown variable "
                    f"{variable!r}: it updates only the variables it was built "
                    "with. Create a new optimizer for new variables."
                )
            indices.append(index_of[id(variable)])
        by_key = {}
        for position, (variable, index) in enumerate(zip(variables, indices)):
            key = (variable.device, variable.dtype)
            by_key.setdefault(key, []).append((variable, position, index))
        self.groups = []
        for members in by_key.values():
            group_variables = [m[0] for m in members]
            self.groups.append(
                Group(
                    group_variables,
                    [m[1] for m in members],
                    [m[2] for m in members],
                    [v for v in group_variables if use_weight_decay(v)],
                )
            )
        self.whole = len(self.groups) == 1
        self.constrained = [
            v for v in variables if getattr(v, "constraint", None) is not None
        ]
        self.sharded = any(v is not sharding.local(v) for v in variables)
        # Per group: the sharded variables (or None), whose gradients' norms
        # need every process's shard.
        self._sharded_members = [
            [v if sharding.is_sharded(v) else None for v in members]
            for members in (
                [variables[p] for p in group.positions] for group in self.groups
            )
        ]

    def norms(self, index: int, grads: list) -> list:
        """The norm of each gradient of group `index` (whole, for shards)."""
        sharded = self._sharded_members[index]
        if not any(v is not None for v in sharded):
            return list(torch._foreach_norm(grads))
        return [
            sharding.full_norm(g, v) if v is not None else torch.linalg.vector_norm(g)
            for g, v in zip(grads, sharded)
        ]

    def split(self, tensors: list) -> list:
        """Splits a list parallel to the plan's variables into per-group lists
        (of local shards, for sharded variables' gradients)."""
        if self.sharded:
            tensors = [sharding.local(t) for t in tensors]
        if self.whole:
            return [tensors]
        return [[tensors[p] for p in group.positions] for group in self.groups]


def clip_gradients(
    group_grads: list, clipnorm, global_clipnorm, clipvalue, norms=None
) -> list:
    """Clips per-group gradient lists as Keras does; at most one option is set.

    `norms(index, grads)` gives the norms of group `index`'s gradients
    (`Plan.norms`, which knows shards); by default `torch._foreach_norm`.
    Returns new lists: the caller's gradients (e.g. `.grad` of parameters) are
    never modified.
    """
    norms = norms or (lambda index, grads: list(torch._foreach_norm(grads)))
    if clipnorm and clipnorm > 0:
        return [
            _clip_by_norm(grads, clipnorm, norms(i, grads))
            for i, grads in enumerate(group_grads)
        ]
    if global_clipnorm and global_clipnorm > 0:
        return _clip_by_global_norm(group_grads, global_clipnorm, norms)
    if clipvalue and clipvalue > 0:
        return [
            torch._foreach_clamp_max(
                torch._foreach_clamp_min(grads, -clipvalue), clipvalue
            )
            for grads in group_grads
        ]
    return group_grads


def _clip_by_norm(grads: list, clipnorm: float, norms: list) -> list:
    """Each gradient times `clipnorm / max(norm, clipnorm)`."""
    torch._foreach_maximum_(norms, clipnorm)
    clipped = torch._foreach_mul(grads, clipnorm)
    torch._foreach_div_(clipped, norms)
    return clipped


def _clip_by_global_norm(group_grads: list, clipnorm: float, norms) -> list:
    """All gradients times `clipnorm / max(global_norm, clipnorm)`; a non-finite
    global norm makes every gradient NaN, as in Keras."""
    device = group_grads[0][0].device
    every = [
        n.to(device) for i, grads in enumerate(group_grads) for n in norms(i, grads)
    ]
    total = torch.linalg.vector_norm(torch.stack(every))
    scale = clipnorm * torch.clamp(1.0 / total, max=1.0 / clipnorm) + (total - total)
    return [
        torch._foreach_mul(grads, scale.to(grads[0].device)) for grads in group_grads
    ]


def update_moving_averages(plan: Plan, averages: list, iterations, momentum) -> None:
    """`average = m * average + (1 - m) * variable` for every group of `plan`,
    with `m = 0` at step 0 (the average starts at the variable's value) and
    `momentum` after."""
    for group in plan.groups:
        variables = group.variables
        factor = (iterations != 0).to(device=group.device, dtype=group.dtype)
        factor = factor * momentum
        group_averages = group.slots(averages)
        torch._foreach_mul_(group_averages, factor)
        torch._foreach_add_(group_averages, torch._foreach_mul(variables, 1 - factor))


def copy_averages(name: str, variables: list, averages: list) -> None:
    """Overwrites `variables` by their moving averages."""
    if len(variables) != len(averages):
        raise ValueError(
            f"`finalize_variable_values` received {len(variables)} variables, "
            f"but optimizer '{name}' holds moving averages of {len(averages)}. "
            "Pass the variables it was built with."
        )
    with torch.no_grad():
        for variable, average in zip(variables, averages):
            variable.copy_(average)


def no_update_rule(optimizer) -> TypeError:
    return TypeError(
        f"Optimizer `{type(optimizer).__name__}` has no update rule: define "
        "`update_step(self, gradient, variable, learning_rate)`."
    )


def accumulate(accumulators: list, group_grads: list, steps: int, step: int):
    """Gradient accumulation at host step `step` (0-based): adds the gradients
    into the accumulators and returns None, or, on every `steps`-th call,
    returns the means `(gradient + accumulated) / steps` to apply instead."""
    if (step + 1) % steps:
        for accumulated, grads in zip(accumulators, group_grads):
            torch._foreach_add_(accumulated, grads)
        return None
    means = []
    for accumulated, grads in zip(accumulators, group_grads):
        total = torch._foreach_add(grads, accumulated)
        torch._foreach_div_(total, steps)
        means.append(total)
    return means


def drop_missing_gradients(name: str, grads: list, variables: list):
    """Drops the variables whose gradient is None, with a warning (Keras's
    behaviour); raises if none has a gradient."""
    kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
    if not kept:
        raise ValueError(
            f"Optimizer '{name}' received no gradient for any variable. "
            "Check that the loss depends on the variables."
        )
    missing = [
        getattr(v, "path", None) or name_of(v)
        for g, v in zip(grads, variables)
        if g is None
    ]
    warnings.warn(
        f"No gradients for variables {missing}; they are not updated this step. "
        "If using `model.compile()`, did you forget the `loss`?",
        stacklevel=4,
    )
    return [g for g, _ in kept], [v for _, v in kept]


class HostCounter:
    """An int counter tensor whose value the host also knows, without reads.

    The optimizer increments `iterations` itself, so it mirrors the value in a
    Python int. A write from outside (loading weights, `assign`) bumps the
    tensor's version counter; the mirror then re-reads the value once.
    """

    def __init__(self, tensor: torch.Tensor, value: int = 0):
        self.tensor = tensor
        self.value = value
        self.mark()

    def mark(self) -> None:
        """Records the tensor's current state as matching `value`."""
        self.state = (self.tensor._version, self.tensor.data_ptr())

    def get(self) -> int:
        if (self.tensor._version, self.tensor.data_ptr()) != self.state:
            self.value = int(self.tensor)  # written from outside: read it once
            self.mark()
        return self.value

    def increment(self) -> None:
        fresh = (self.tensor._version, self.tensor.data_ptr()) == self.state
        self.tensor.add_(1)
        if fresh:  # a stale mirror stays stale until `get` needs it
            self.value += 1
            self.mark()


def check_base_arguments(
    owner,
    clipnorm,
    clipvalue,
    global_clipnorm,
    use_ema,
    ema_momentum,
    ema_overwrite_frequency,
    gradient_accumulation_steps,
) -> None:
    """Raises Keras's errors for invalid base optimizer arguments."""
    if gradient_accumulation_steps and not (
        isinstance(gradient_accumulation_steps, int)
        and gradient_accumulation_steps >= 2
    ):
        raise ArgumentError(
            "gradient_accumulation_steps",
            "an integer >= 2 or None",
            gradient_accumulation_steps,
            owner=owner,
        )
    if use_ema:
        if not 0 <= ema_momentum <= 1:
            raise ArgumentError(
                "ema_momentum", "a float in [0, 1]", ema_momentum, owner=owner
            )
        if ema_overwrite_frequency and (
            not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
        ):
            raise ArgumentError(
                "ema_overwrite_frequency",
                "an integer >= 1 or None",
                ema_overwrite_frequency,
                owner=owner,
            )
    clip = {
        "clipnorm": clipnorm,
        "clipvalue": clipvalue,
        "global_clipnorm": global_clipnorm,
    }
    chosen = [key for key, value in clip.items() if value is not None]
    if len(chosen) > 1:
        raise ValueError(
            f"`{owner}` accepts only one of `clipnorm`, `clipvalue` and "
            f"`global_clipnorm`. Received: "
            + ", ".join(f"{key}={clip[key]!r}" for key in chosen)
            + ". Keep the one you want and drop the others."
        )


def check_learning_rate(value, owner):
    """Returns a float learning rate, or raises for a value that is neither a
    number, a schedule nor a callable (schedules are callables)."""
    if callable(value):
        return value
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise ArgumentError(
        "learning_rate",
        "a float, a `LearningRateSchedule` or a callable returning the rate",
        value,
        owner=owner,
    )


class WeightDecayFilter:
    """Whether a variable takes weight decay: not if it is in `var_list`, nor
    if its name matches one of the regular expressions `var_names`."""

    def __init__(self, var_list=None, var_names=None):
        self.excluded = {id(v) for v in var_list or ()}
        self.pattern = re.compile("|".join(set(var_names))) if var_names else None

    def __call__(self, variable) -> bool:
        if id(variable) in self.excluded:
            return False
        name = name_of(variable)
        return self.pattern is None or self.pattern.search(name) is None


def name_of(variable) -> str:
    """A variable's Keras name; plain torch parameters (whose `name` is the
    named-tensor name, usually None) are called "variable"."""
    return getattr(variable, "name", None) or "variable"
