"""The light half of sharded variables (`ember.backend.sharded_variable`):
what `Layer` calls on every weight it creates and every call it runs.

Until a sharding distribution makes its first variable, each function here is
one dictionary lookup and torch's DTensor is not imported.
"""

import contextlib

_STATE = {"factory": None, "created": 0}


def set_variable_factory(factory) -> None:
    """Sets the function `Layer.add_weight` passes each new trainable variable
    through (`None`: variables stay as they are). The distribution sets it."""
    _STATE["factory"] = factory


def on_create(variable):
    """A new trainable variable as the current distribution lays it out."""
    factory = _STATE["factory"]
    return variable if factory is None else factory(variable)


def any_created() -> bool:
    """Whether this process has made any sharded variable."""
    return _STATE["created"] > 0


def use(variable):
    """`variable` as layer code computes with it: its full value when sharded
    (gradients flow back to the shard), the variable itself otherwise."""
    if not _STATE["created"]:
        return variable
    from ember.backend import sharded_variable

    return sharded_variable.use(variable)


def full_value(tensor):
    """The whole value of `tensor`, detached (gathered when sharded: every
    process must ask, unless a save has cached it)."""
    if not _STATE["created"]:
        return tensor.detach()
    from ember.backend import sharded_variable

    return sharded_variable.full_value(tensor)


def local(tensor):
    """This process's shard of a sharded tensor (the tensor itself otherwise)."""
    return getattr(tensor, "_local_tensor", tensor) if _STATE["created"] else tensor


def is_sharded(tensor) -> bool:
    """Whether `tensor` is split across processes (a DTensor)."""
    return bool(_STATE["created"]) and hasattr(tensor, "_local_tensor")


def shard_like(value, reference):
    """A new variable holding `value` (the same on every process), laid out
    like the sharded variable `reference`."""
    from ember.backend import sharded_variable

    return sharded_variable.shard_like(value, reference)


def full_norm(local_grad, variable):
    """The 2-norm of a whole gradient from this process's shard of it (laid
    out like the sharded `variable`); a collective."""
    from ember.backend import sharded_variable

    return sharded_variable.full_norm(local_grad, variable)


def max_across_processes(tensor) -> None:
    """Sets `tensor` to its maximum over all processes, in place."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)


def gathered_weights(layer):
    """Context in which every sharded weight under `layer` is its full value."""
    from ember.backend import sharded_variable

    return sharded_variable.gathered_weights(layer)


def full_values_cached(variables):
    """Context in which sharded variables of `variables` answer `full_value`
    from a copy every process gathered on entry (so one process can save)."""
    if not _STATE["created"]:
        return contextlib.nullcontext()
    from ember.backend import sharded_variable

    return sharded_variable.full_values_cached(variables)
