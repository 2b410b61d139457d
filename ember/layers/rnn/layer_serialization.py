"""Layers nested in a config (an RNN's cell, Bidirectional's layer), written as
Keras writes them: `{"module", "class_name", "config", "registered_name"}`."""

import importlib
import inspect


def serialize_layer(layer) -> dict:
    """Keras's config dict of `layer` (built-ins under `"keras.layers"`)."""
    cls = type(layer)
    builtin = _builtin(cls.__name__) is cls
    return {
        "module": "keras.layers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": layer.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize_layer(config, custom_objects=None):
    """Rebuilds a layer from `serialize_layer`'s dict (or an instance, as is).

    The class is looked up in `custom_objects` (by registered name, then class
    name), then among ember's layers, then in the module the config names.
    """
    if not isinstance(config, dict):
        return config
    custom_objects = custom_objects or {}
    class_name = config.get("class_name")
    cls = None
    for key in (config.get("registered_name"), class_name):
        if key in custom_objects:
            cls = custom_objects[key]
            break
    cls = cls or _builtin(class_name) or _from_module(config.get("module"), class_name)
    if cls is None:
        raise ValueError(
            f"Could not locate the layer class '{class_name}' of this config. "
            "Pass it in `custom_objects`, e.g. "
            f"`from_config(config, custom_objects={{'{class_name}': {class_name}}})`. "
            f"Config: {config!r}"
        )
    inner = dict(config.get("config") or {})
    if _accepts_custom_objects(cls):
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def _builtin(class_name):
    # Imported here: the layer packages import this module.
    import ember.layers
    from ember.layers import rnn

    for namespace in (rnn, ember.layers):
        found = getattr(namespace, str(class_name), None)
        if isinstance(found, type) and hasattr(found, "from_config"):
            return found
    return None


def _from_module(module, class_name):
    if not module or module.startswith("keras"):
        return None
    try:
        found = getattr(importlib.import_module(module), class_name, None)
    except ImportError:
        return None
    return found if isinstance(found, type) else None


def _accepts_custom_objects(cls):
    try:
        return "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        return False
