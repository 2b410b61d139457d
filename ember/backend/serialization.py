"""The lookup and config format that the object families share.

Regularizers, constraints and initializers are classes found by name in a
dict of built-ins (`ALL_OBJECTS_DICT`) and written as Keras's config dict
`{"module", "class_name", "config", "registered_name"}`. Each family's
`serialize`, `deserialize` and `get` call these functions with its own
built-ins, argument name (`family`) and `expected` text for errors.
"""

import difflib
import inspect

from ember.backend.errors import ArgumentError


def serialize_object(obj, builtins: dict, module: str) -> dict | None:
    """Returns Keras's config dict of `obj` (`None` stays `None`).

    A built-in (its class is the one `builtins` holds under the class name) is
    written under the public `module`, e.g. `"keras.regularizers"`, with no
    registered name; any other class under its own module and class name.

    Example:

    >>> builtins = ember.regularizers.ALL_OBJECTS_DICT
    >>> serialize_object(ember.regularizers.L2(0.1), builtins, "keras.regularizers")
    {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.1}, ...}
    """
    if obj is None:
        return None
    cls = type(obj)
    builtin = builtins.get(cls.__name__) is cls
    return {
        "module": module if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def lookup_class(
    class_name,
    registered_name,
    builtins: dict,
    custom_objects: dict | None,
    family: str,
    expected: str,
) -> type:
    """Returns the class named `class_name`.

    `custom_objects` is searched first (under `registered_name`, then
    `class_name`), then `builtins`. An unknown name raises `ArgumentError` for
    the argument `family`, with the closest built-in name as a hint.
    """
    custom_objects = custom_objects or {}
    for name in (registered_name, class_name):
        if name in custom_objects:
            return custom_objects[name]
    if class_name in builtins:
        return builtins[class_name]
    close = difflib.get_close_matches(str(class_name), list(builtins), n=1)
    hint = f"Did you mean '{close[0]}'?" if close else None
    hint = hint or f"Custom {family}s can be passed through `custom_objects`."
    raise ArgumentError(family, expected, class_name, hint=hint)


def deserialize_object(
    config, builtins: dict, custom_objects: dict | None, family: str, expected: str
):
    """Builds an object from a name or a config dict (`None` stays `None`).

    A string name gives the class built with its defaults; a dict with a
    `class_name` gives `cls.from_config(config["config"] or {})`. Anything
    else raises `ArgumentError`. See `lookup_class` for the other arguments.
    """
    if config is None:
        return None
    if isinstance(config, str):
        return lookup_class(config, None, builtins, custom_objects, family, expected)()
    if isinstance(config, dict) and "class_name" in config:
        cls = lookup_class(
            config["class_name"],
            config.get("registered_name"),
            builtins,
            custom_objects,
            family,
            expected,
        )
        return cls.from_config(config.get("config") or {})
    raise ArgumentError(family, expected, config)


def get_object(identifier, builtins: dict, family: str, expected: str):
    """Returns an object from any spelling Keras accepts (`None` stays `None`).

    Names and config dicts go through `deserialize_object`; a class is built
    with its defaults; any other callable (instances included) is returned as
    is. Anything else raises `ArgumentError`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize_object(identifier, builtins, None, family, expected)
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ArgumentError(family, expected, identifier)
