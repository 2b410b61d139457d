"""Tracking of layers kept in lists and dicts on a layer or model.

Keras tracks `self.blocks = [Dense(4), Dense(4)]` (and later `append`s); torch
only tracks modules it can see in `_modules`. A `TrackedList`/`TrackedDict` is the
user's list or dict, and after each change it mirrors its modules into an
`nn.ModuleList`/`nn.ModuleDict` registered on the owner under the same name, so
`parameters()`, `state_dict()` and `.to(device)` see them too.
"""

import weakref

import torch


def _modules_in(value):
    if isinstance(value, torch.nn.Module):
        return [value]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _modules_in(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _modules_in(v)]
    return []


class _Mirror:
    def _bind(self, owner, name):
        self._owner = weakref.ref(owner)
        self._name = name
        self._sync()
        return self

    def _sync(self):
        owner = getattr(self, "_owner", None)
        owner = owner() if owner is not None else None
        if owner is None:
            return
        if isinstance(self, dict) and all(
            isinstance(k, str) and "." not in k and isinstance(v, torch.nn.Module)
            for k, v in self.items()
        ):
            mirror = torch.nn.ModuleDict(dict(self)) if self else None
        else:
            modules = _modules_in(
                list(self.values()) if isinstance(self, dict) else self
            )
            mirror = torch.nn.ModuleList(modules) if modules else None
        if mirror is None:
            owner._modules.pop(self._name, None)
        else:
            mirror._ember_mirror = True
            owner._modules[self._name] = mirror


def _mutating(method_name):
    base = getattr(list, method_name, None) or getattr(dict, method_name)

    def method(self, *args, **kwargs):
        result = getattr(super(type(self), self), method_name)(*args, **kwargs)
        self._sync()
        return result

    method.__name__ = method_name
    method.__doc__ = base.__doc__
    return method


class TrackedList(_Mirror, list):
    """A list whose layers are tracked by the layer that holds it."""

    for _name in (
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "__setitem__",
        "__delitem__",
        "sort",
        "reverse",
    ):
        locals()[_name] = _mutating(_name)

    def __iadd__(self, other):
        self.extend(other)
        return self

    def __reduce_ex__(self, protocol):
        return (list, (list(self),))

    def __deepcopy__(self, memo):
        import copy

        return [copy.deepcopy(v, memo) for v in self]


class TrackedDict(_Mirror, dict):
    """A dict whose layers are tracked by the layer that holds it."""

    for _name in (
        "__setitem__",
        "__delitem__",
        "pop",
        "popitem",
        "clear",
        "update",
        "setdefault",
    ):
        locals()[_name] = _mutating(_name)

    def __reduce_ex__(self, protocol):
        return (dict, (dict(self),))

    def __deepcopy__(self, memo):
        import copy

        return {k: copy.deepcopy(v, memo) for k, v in self.items()}


def track(owner, name, value):
    """Returns what to store for attribute `name`: tracked containers where needed."""
    if isinstance(value, _Mirror):
        value = list(value) if isinstance(value, list) else dict(value)
    if type(value) is list and (not name.startswith("_") or _modules_in(value)):
        return TrackedList(value)._bind(owner, name)
    if type(value) is dict and (not name.startswith("_") or _modules_in(value)):
        return TrackedDict(value)._bind(owner, name)
    if type(value) is tuple and _modules_in(value):
        mirror = torch.nn.ModuleList(_modules_in(value))
        mirror._ember_mirror = True
        owner._modules[name] = mirror
    return value


def is_mirror(module) -> bool:
    return getattr(module, "_ember_mirror", False)
