"""Custom objects by name: `register_keras_serializable` and `CustomObjectScope`.

A config names a custom class or function by its registered name
(`"package>Name"`). Loading finds it here: in the innermost
`custom_object_scope`, then among the registered objects, then in the
`custom_objects` dict passed to the loader.
"""

import inspect
import threading

# Registered name -> object, and object -> registered name.
GLOBAL_CUSTOM_OBJECTS = {}
GLOBAL_CUSTOM_NAMES = {}


class _ScopeState(threading.local):
    """The custom objects of the open `custom_object_scope`s (per thread)."""

    objects = None


_SCOPE = _ScopeState()


def scope_objects() -> dict:
    """The objects of the open `custom_object_scope`s (a copy; may be empty)."""
    return dict(_SCOPE.objects or {})


class CustomObjectScope:
    """Makes custom objects findable by name while the scope is open.

    Inside `with custom_object_scope({"MyLayer": MyLayer}):`, loading a model
    or calling `deserialize_keras_object` finds `MyLayer` by that name. Scopes
    nest; an inner scope adds to (and may shadow) the objects of outer ones.

    Args:
        custom_objects: Dict mapping names to classes or functions.

    Example:

    >>> with ember.saving.custom_object_scope({"my_act": my_act}):
    ...     layer = ember.layers.Dense.from_config(config)
    """

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(
                "Invalid value for argument `custom_objects` of "
                "`CustomObjectScope`: expected a dict mapping names to classes or "
                f"functions. Received: {custom_objects!r}."
            )
        self.custom_objects = dict(custom_objects or {})
        self.backup = None

    def __enter__(self):
        self.backup = _SCOPE.objects
        _SCOPE.objects = {**(self.backup or {}), **self.custom_objects}
        return self

    def __exit__(self, *exc_info):
        _SCOPE.objects = self.backup


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """Returns the live dict of registered custom objects (name -> object).

    Objects of `custom_object_scope`s are not in it.

    Example:

    >>> ember.saving.get_custom_objects()["MyObject"] = MyObject
    """
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function under the name `"package>name"`.

    A registered object is found by loaders without `custom_objects`, and is
    written into configs under that name.

    Args:
        package: The package part of the registered name. Defaults to
            `"Custom"`.
        name: The name part. Defaults to `None` (the object's `__name__`).

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Example:

    >>> @ember.saving.register_keras_serializable(package="my_package")
    ... class MyDense(ember.layers.Dense):
    ...     pass
    >>> ember.saving.get_registered_name(MyDense)
    'my_package>MyDense'
    """

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                f"Cannot register the class {arg.__name__}: it has no "
                "`get_config()` method, so it could not be written into a config. "
                "Define `get_config()` (and `from_config()` if needed)."
            )
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """Returns the registered name of `obj`, or its `__name__` if unregistered.

    Example:

    >>> ember.saving.get_registered_name(ember.layers.Dense)
    'Dense'
    """
    try:
        if obj in GLOBAL_CUSTOM_NAMES:
            return GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:  # unhashable
        pass
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Returns the object registered (or passed) under `name`, else `None`.

    Looks in the open `custom_object_scope`s, then the registered objects,
    then `custom_objects`, then `module_objects`.

    Args:
        name: The name to look up.
        custom_objects: Optional dict of user-provided objects.
        module_objects: Optional dict of a library's own objects.

    Example:

    >>> ember.saving.get_registered_object("my_package>MyDense")
    <class 'MyDense'>
    """
    scoped = _SCOPE.objects or {}
    for store in (scoped, GLOBAL_CUSTOM_OBJECTS, custom_objects, module_objects):
        if store and isinstance(name, str) and name in store:
            return store[name]
    return None
