"""Variables split across processes: `ShardedVariable`, and how layers use them.

Under a sharding distribution (`ModelParallel` with a `LayoutMap`, or
`DataParallel(fully_shard=True)`) every trainable variable is created as a
`ShardedVariable`: a torch `DTensor` (global shape, this process's shard
stored) that is also an `ember.Variable` (`name`, `path`, `assign`, `numpy`).
Variables no layout shards are `ShardedVariable`s too, replicated, so one
mechanism reduces every gradient:

- **Use.** `gathered_weights(layer)` swaps each sharded weight under the
  outermost layer called (a model, usually) for its full value for the
  length of that call (`_Gather`: an all-gather over the processes holding
  its shards). Layer code sees plain tensors, so every layer works unchanged.
- **Gradient.** `_Gather`'s backward averages the full gradient over the
  processes that read different data (the mesh's batch axis), then keeps this
  process's shard: the variable's `.grad` is a `DTensor` laid out like it.
- **Update.** Optimizers update the local shards (`local(tensor)`), which is
  exact for element-wise rules.
- **Reading.** `full_value` gathers a variable's whole value (`numpy()`,
  `get_weights()`, saving); `copy_`/`assign` take a full value (or a DTensor)
  and keep this process's shard.

The distribution decides the layouts. Importing torch's DTensor costs about
0.6 s, so this module is imported only once a sharding distribution is set;
`ember.backend.sharding` is the light half layers call.
"""

import contextlib

import numpy as np
import torch
import torch.distributed as dist
from torch.distributed.tensor import DTensor, Replicate, distribute_tensor

from ember.backend.sharding import _STATE
from ember.backend.variable import Variable, host_copy


class ShardedVariable(DTensor, Variable):
    """A `Variable` whose value is split across processes (a torch `DTensor`).

    Its `shape` is the global shape; `local(variable)` is this process's
    shard. Created by the distribution (see the module docstring), never
    directly.
    """

    # Attributes set per instance: the name of the mesh axis whose processes
    # read different data (gradients are averaged over its process group; the
    # name, not the group, is kept, so no group outlives the process group's
    # destruction at exit) and a cached full value while a save reads it.
    _ember_data_axis = None
    _ember_full_cache = None

    def numpy(self, *, force: bool = False) -> np.ndarray:
        return host_copy(full_value(self), force=force)

    def copy_(self, value, non_blocking=False) -> "ShardedVariable":
        """Sets the value from a full tensor (every process passes the same
        one) or from a `DTensor` laid out like this variable."""
        with torch.no_grad():
            self._local_tensor.copy_(_local_part(self, value), non_blocking)
        return self

    def __deepcopy__(self, memo):
        raise TypeError(
            f"Variable '{self.path}' is sharded across processes and cannot be "
            "deep-copied: save the model and load it, or copy `get_weights()`."
        )

    def __repr__(self) -> str:
        return Variable.__repr__(self).replace("<Variable", "<ShardedVariable", 1)


def local(tensor):
    """This process's shard of a `DTensor` (the tensor itself otherwise)."""
    return tensor._local_tensor if isinstance(tensor, DTensor) else tensor


def full_value(tensor) -> torch.Tensor:
    """The whole value of `tensor`, detached. For a sharded variable this is a
    collective: every process must ask (unless a save has cached it)."""
    if isinstance(tensor, DTensor):
        cached = tensor.__dict__.get("_ember_full_cache")
        if cached is not None:
            return cached
        with torch.no_grad():
            return tensor.full_tensor().detach()
    return tensor.detach()


def shard_variable(variable, mesh, placements, data_axis):
    """`variable` (a plain `Variable`) as a `ShardedVariable` laid out by
    `placements` over `mesh`, taking process 0's value (collective).
    `data_axis` names the mesh axis gradients are averaged over (or `None`)."""
    with torch.no_grad():
        spread = distribute_tensor(variable.detach(), mesh, placements)
    return _wrap(spread, variable, data_axis)


def shard_like(value, reference):
    """A new variable with `value` (the same on every process, e.g. zeros),
    laid out like the sharded `reference`; no communication."""
    with torch.no_grad():
        spread = distribute_tensor(
            value.detach(),
            reference.device_mesh,
            reference.placements,
            src_data_rank=None,
        )
    return _wrap(spread, value, reference.__dict__.get("_ember_data_axis"))


def _wrap(spread, like, data_axis):
    result = ShardedVariable(
        spread._local_tensor.contiguous(),
        spread._spec,
        requires_grad=like.requires_grad,
    )
    result.__dict__.update(
        {k: v for k, v in like.__dict__.items() if k.startswith("_ember_")}
    )
    result.__dict__["_ember_data_axis"] = data_axis
    _STATE["created"] += 1
    return result


def _local_part(variable, value):
    if isinstance(value, DTensor):
        if value.placements != variable.placements:
            value = value.redistribute(variable.device_mesh, variable.placements)
        return value._local_tensor
    value = torch.as_tensor(value, dtype=variable.dtype)
    return distribute_tensor(
        value.to(variable._local_tensor.device),
        variable.device_mesh,
        variable.placements,
        src_data_rank=None,
    )._local_tensor


def full_norm(local_grad, variable):
    """See `ember.backend.sharding.full_norm`."""
    whole = DTensor.from_local(
        local_grad, variable.device_mesh, variable.placements, run_check=False
    )
    return torch.linalg.vector_norm(whole).full_tensor()


# --------------------------------------------------------------- using them
def use(variable):
    """See `ember.backend.sharding.use`."""
    if not isinstance(variable, DTensor):
        return variable
    if variable.requires_grad and torch.is_grad_enabled():
        return _Gather.apply(variable)
    return full_value(variable)


class _Gather(torch.autograd.Function):
    """Full value of a sharded variable; the backward averages the gradient
    over the data-parallel processes and keeps this process's shard."""

    @staticmethod
    def forward(ctx, variable):
        ctx.spec = variable._spec
        ctx.axis = variable.__dict__.get("_ember_data_axis")
        return variable.full_tensor()

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous()
        mesh = ctx.spec.mesh
        if ctx.axis is not None:
            group = mesh.get_group(ctx.axis)
            dist.all_reduce(grad, group=group)
            grad = grad / dist.get_world_size(group)
        whole = DTensor.from_local(
            grad, mesh, [Replicate()] * mesh.ndim, run_check=False
        )
        return whole.redistribute(mesh, ctx.spec.placements)


def _sharded_names(layer) -> list:
    """`(module, name)` of every sharded parameter in `layer`'s subtree (its
    sublayers' too: e.g. a fused RNN reads its cell's weights directly),
    cached until another sharded variable is made."""
    cached = layer.__dict__.get("_ember_sharded")
    if cached is not None and cached[0] == _STATE["created"]:
        return cached[1]
    names = [
        (module, name)
        for module in layer.modules()
        for name, value in module._parameters.items()
        if isinstance(value, DTensor)
    ]
    layer.__dict__["_ember_sharded"] = (_STATE["created"], names)
    return names


@contextlib.contextmanager
def gathered_weights(layer):
    """Inside: every sharded weight under `layer` is its full value (the
    outermost call gathers its whole subtree, so layers that read a
    sublayer's weights directly, as a fused RNN reads its cell's, see them
    whole too)."""
    saved = []
    try:
        for module, name in _sharded_names(layer):
            value = module._parameters[name]
            if isinstance(value, DTensor):  # an outer call may have swapped it
                saved.append((module, name, value))
                module._parameters[name] = use(value)
        yield
    finally:
        for module, name, value in saved:
            module._parameters[name] = value


@contextlib.contextmanager
def full_values_cached(variables):
    """Inside: each sharded variable of `variables` answers `full_value` from
    a copy gathered on entry (by every process), so one process can save."""
    sharded = [
        v
        for v in variables
        if isinstance(v, DTensor) and v.__dict__.get("_ember_full_cache") is None
    ]  # those an outer save has not cached already
    for variable in sharded:
        variable.__dict__["_ember_full_cache"] = full_value(variable)
    try:
        yield
    finally:
        for variable in sharded:
            variable.__dict__.pop("_ember_full_cache", None)
