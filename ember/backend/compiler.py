"""`torch.compiler` markers that do not import `torch._dynamo` when ember is imported.

`torch.compiler.disable` and `assume_constant_result` import `torch._dynamo` as they
decorate, which costs seconds at `import ember` for programs that never compile. These
give the same behaviour under `torch.compile` and load nothing until then.
"""

import functools

import torch


def disable(fn):
    """Keeps `fn` out of `torch.compile` graphs, as `torch.compiler.disable` does.

    Eager calls go straight to `fn`; a call traced by the compiler goes through
    `torch.compiler.disable(fn)` (a graph break), made when first needed.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if torch.compiler.is_compiling():
            return torch.compiler.disable(fn)(*args, **kwargs)
        return fn(*args, **kwargs)

    return wrapper


def assume_constant_result(fn):
    """Marks `fn` as `torch.compiler.assume_constant_result` does: the compiler calls
    it once while tracing and keeps the result as a constant.

    The marker is the attribute torch's decorator sets (checked by a test)."""
    fn._dynamo_marked_constant = True
    return fn
