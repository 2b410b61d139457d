"""Objects to Keras 3's config dicts and back: `serialize_keras_object`,
`deserialize_keras_object`.

An object is written as `{"module", "class_name", "config", "registered_name"}`
(plus `build_config` / `compile_config` for layers and models), exactly as
Keras 3 writes it, so files move both ways. Reading is safe by construction:
classes and functions are only looked up among ember's built-ins and the
objects the user registered or passed (`custom_objects`); no module named by
a config is ever imported, and Python code stored in a config (a serialized
`lambda`) is only loaded when the caller passes `safe_mode=False`.
"""

import base64
import builtins
import inspect
import marshal
import threading
import types
import warnings

import numpy as np
import torch

from ember.saving import object_registration
from ember.saving._keras_names import (
    NON_MODELING_APIS,
    find_class,
    find_function,
    public_name,
)

PLAIN_TYPES = (str, int, float, bool)


# --------------------------------------------------------------------- scopes
class _State(threading.local):
    safe_mode = None  # None: no scope open
    shared_objects = None  # shared_object_id -> object, while loading


_STATE = _State()
_UNSAFE_EVERYWHERE = [False]


def in_safe_mode():
    """`False` when unsafe deserialization is enabled, else the open scope's
    value (`True`/`False`), or `None` outside any scope."""
    if _UNSAFE_EVERYWHERE[0]:
        return False
    return _STATE.safe_mode


def enable_unsafe_deserialization():
    """Lets every later load run Python lambdas stored in configs.

    Only for files you trust: a serialized lambda is arbitrary code. Prefer
    `load_model(..., safe_mode=False)` for the one file that needs it.
    """
    _UNSAFE_EVERYWHERE[0] = True


class SafeModeScope:
    """Sets the safe mode of the deserialization calls made inside it."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self.original = _STATE.safe_mode
        _STATE.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc_info):
        _STATE.safe_mode = self.original


class ObjectSharingScope:
    """While open, configs carrying the same `shared_object_id` load as one
    object (Keras marks objects, such as a dtype policy, used in many places)."""

    def __enter__(self):
        self.original = _STATE.shared_objects
        _STATE.shared_objects = {}
        return self

    def __exit__(self, *exc_info):
        _STATE.shared_objects = self.original


# ------------------------------------------------------------------ serialize
def serialize_keras_object(obj):
    """Returns the config of `obj` in Keras 3's format (JSON-serializable).

    Plain values, lists and dicts are kept (their items serialized); tensors,
    arrays, `KerasTensor`s and functions get Keras's special entries; any
    other object needs `get_config()` and is written as
    `{"module", "class_name", "config", "registered_name"}`.

    Args:
        obj: The object to serialize.

    Returns:
        A dict (or plain value) that `deserialize_keras_object` turns back
        into the object.

    Example:

    >>> serialize_keras_object(ember.layers.Dense(2))["module"]
    'keras.layers'
    """
    from ember.backend import dtypes
    from ember.backend.keras_tensor import KerasTensor

    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {
            "class_name": "__slice__",
            "config": {
                key: serialize_keras_object(getattr(obj, key))
                for key in ("start", "stop", "step")
            },
        }
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, KerasTensor):
        history = obj._keras_history
        if history:
            history = [history[0].name, history[1], history[2]]
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": obj.shape,
                "dtype": obj.dtype,
                "keras_history": history,
            },
        }
    if isinstance(obj, torch.Tensor):
        return {
            "class_name": "__tensor__",
            "config": {
                "value": obj.detach().cpu().tolist(),
                "dtype": dtypes.standardize_dtype(obj.dtype),
            },
        }
    if isinstance(obj, torch.dtype):
        return dtypes.standardize_dtype(obj)
    if isinstance(obj, (np.ndarray, np.generic)):
        if isinstance(obj, np.ndarray) and obj.ndim > 0:
            return {
                "class_name": "__numpy__",
                "config": {
                    "value": obj.tolist(),
                    "dtype": dtypes.standardize_dtype(obj.dtype),
                },
            }
        return obj.item()
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        _warn_lambda(obj)
        code, defaults, closure = func_dump(obj)
        return {
            "class_name": "__lambda__",
            "config": {"value": [code, defaults, closure]},
        }
    if isinstance(obj, types.FunctionType):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": object_registration.get_registered_name(obj),
            "registered_name": "function",
        }
    if inspect.isclass(obj) or not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize {obj!r} (of type {type(obj).__name__}): only plain "
            "values, tensors, functions and objects with a `get_config()` method "
            "can be written into a config. Give its class a `get_config()`."
        )
    return _serialize_object(obj)


def serialize_dict(obj) -> dict:
    return {key: serialize_keras_object(value) for key, value in obj.items()}


def _serialize_object(obj) -> dict:
    cls = type(obj)
    inner = obj.get_config()
    if not isinstance(inner, dict):
        raise TypeError(
            f"The `get_config()` method of {cls.__name__} must return a dict. "
            f"It returned: {inner!r}."
        )
    if _is_lambda_layer(obj):
        inner = _lambda_layer_config(inner)
    inner = serialize_dict(inner)
    public = public_name(cls)
    if public is not None:
        module, registered_name = public
    else:
        module = cls.__module__
        registered_name = object_registration.get_registered_name(cls)
        if module == "__main__":
            module = None  # Keras's spelling of "no importable module"
    config = {
        "module": module,
        "class_name": cls.__name__,
        "config": inner,
        "registered_name": registered_name,
    }
    if hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            config["build_config"] = serialize_dict(build_config)
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            config["compile_config"] = serialize_dict(compile_config)
    return config


# ---------------------------------------------------------------- deserialize
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Builds the object described by a Keras 3 config (see
    `serialize_keras_object`).

    Classes and functions are found among the objects of open
    `custom_object_scope`s, registered objects, `custom_objects`, and ember's
    built-ins (which stand for Keras's: a config naming
    `keras.layers.Dense` builds `ember.layers.Dense`). Nothing else is
    looked up, and no module named by the config is imported.

    Args:
        config: The config (a dict, list or plain value). An object that is
            already deserialized is returned as is.
        custom_objects: Optional dict mapping names to custom classes or
            functions.
        safe_mode: If `True` (the default), refuse Python lambdas stored in
            the config (they are code). An enclosing load's setting wins.

    Returns:
        The object.

    Example:

    >>> layer = deserialize_keras_object(
    ...     {"module": "keras.layers", "class_name": "Dense",
    ...      "config": {"units": 2}, "registered_name": None})
    >>> layer.units
    2
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(
            "`deserialize_keras_object` got unexpected keyword argument(s) "
            f"{sorted(kwargs)}."
        )
    scoped = in_safe_mode()
    safe_mode = scoped if scoped is not None else safe_mode
    custom_objects = {
        **(module_objects or {}),
        **(custom_objects or {}),
        **object_registration.scope_objects(),
        **object_registration.GLOBAL_CUSTOM_OBJECTS,
    }
    return _deserialize(config, custom_objects, safe_mode)


def _deserialize(config, custom_objects, safe_mode):
    if config is None:
        return None
    if isinstance(config, str) and custom_objects.get(config) is not None:
        return custom_objects[config]
    if isinstance(config, (list, tuple)):
        return [_deserialize(x, custom_objects, safe_mode) for x in config]
    if isinstance(config, PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        return config  # already an object
    if "class_name" not in config or "config" not in config:
        return {
            key: _deserialize(value, custom_objects, safe_mode)
            for key, value in config.items()
        }
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    special = _SPECIALS.get(class_name)
    if special is not None:
        return special(inner, custom_objects, safe_mode)
    module = config.get("module")
    registered_name = config.get("registered_name", class_name)
    if class_name == "function":
        if not isinstance(inner, str):
            raise TypeError(
                "Expected the 'config' of a function entry to be its name (a "
                f"string). Received: {inner!r}. Full config: {config}"
            )
        return _find_function(inner, module, config, custom_objects)
    if not isinstance(inner, dict):
        raise TypeError(
            f"Expected the 'config' of '{class_name}' to be a dict. Received: "
            f"{inner!r}. Full config: {config}"
        )
    shared = _STATE.shared_objects
    if shared is not None and config.get("shared_object_id") in shared:
        return shared[config["shared_object_id"]]
    cls = _find_class(class_name, registered_name, module, config, custom_objects)
    if isinstance(cls, types.FunctionType):
        return cls
    if not hasattr(cls, "from_config"):
        raise TypeError(
            f"Cannot rebuild '{class_name}': its class has no `from_config()` "
            f"method. Full config: {config}"
        )
    with (
        object_registration.CustomObjectScope(custom_objects),
        SafeModeScope(safe_mode),
    ):
        inner = _resolve_nested(cls, dict(inner), custom_objects, safe_mode)
        try:
            instance = cls.from_config(inner)
        except TypeError as error:
            raise TypeError(
                f"{cls.__name__} could not be rebuilt from its config. Objects its "
                "`get_config()` returns (layers, models, ...) must be rebuilt in "
                f"its `from_config()`.\n\nconfig={config}\n\nError: {error}"
            ) from error
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            instance.build_from_config(build_config)
            instance.built = True
        compile_config = config.get("compile_config")
        if compile_config and hasattr(instance, "compile_from_config"):
            instance.compile_from_config(compile_config)
    if shared is not None and "shared_object_id" in config:
        shared[config["shared_object_id"]] = instance
    return instance


def _resolve_nested(cls, inner, custom_objects, safe_mode):
    """Rebuilds the objects nested in a config before `from_config` sees it.

    For ember's own classes every nested object is rebuilt here, through the
    same safe lookup (so registered custom activations, initializers or
    sublayers work inside built-in layers, and no layer's own lookup ever
    imports a module named by the file). For user classes only non-layer
    objects are rebuilt: their `from_config` may expect sublayer configs as
    dicts, as in Keras. Ember's models rebuild their layers themselves.
    """
    from ember.models.model import Model

    builtin = public_name(cls) is not None
    if builtin and issubclass(cls, Model):
        return inner
    return {
        key: _resolve(value, builtin, custom_objects, safe_mode)
        for key, value in inner.items()
    }


def _resolve(value, builtin, custom_objects, safe_mode):
    from ember.layers.layer import Layer

    if isinstance(value, list):
        return [_resolve(v, builtin, custom_objects, safe_mode) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value or "config" not in value:
        return {
            k: _resolve(v, builtin, custom_objects, safe_mode) for k, v in value.items()
        }
    if builtin or value["class_name"] in _SPECIALS:
        return _deserialize(value, custom_objects, safe_mode)
    # Inside a user class: leave layers (and anything unknown) to its own
    # `from_config`.
    try:
        if value["class_name"] != "function":
            cls = _find_class(
                value["class_name"],
                value.get("registered_name", value["class_name"]),
                value.get("module"),
                value,
                custom_objects,
            )
            if inspect.isclass(cls) and issubclass(cls, Layer):
                return value
        return _deserialize(value, custom_objects, safe_mode)
    except TypeError:
        return value


# ------------------------------------------------------------------- lookups
def _find_class(class_name, registered_name, module, config, custom_objects):
    found = object_registration.get_registered_object(registered_name, custom_objects)
    if found is None and registered_name != class_name:
        # A class passed by its plain name in `custom_objects` (or a scope).
        found = object_registration.get_registered_object(class_name, custom_objects)
        if found is not None and module and str(module).startswith("keras"):
            found = None  # a Keras built-in is never replaced by name
    if found is not None:
        return found
    if module:
        from ember.saving._ops_config import find_op

        found = find_op(module, class_name) or find_class(module, class_name)
        if found is not None:
            explicit = config.get("registered_name")
            if explicit and explicit not in (
                class_name,
                getattr(found, "__name__", None),
            ):
                raise ValueError(
                    f"The config gives `registered_name={explicit!r}` for "
                    f"'{module}.{class_name}', a built-in, which has no registered "
                    f"name. Remove the `registered_name`. Full config: {config}"
                )
            return found
    hint = ""
    if module and ".ops." in f"{module}.":
        hint = " ember has no op matching this Keras op class."
    raise TypeError(
        f"Could not locate class '{class_name}' (module {module!r}). Custom classes "
        "must be decorated with `@ember.saving.register_keras_serializable()` (and "
        "imported before loading) or passed in `custom_objects`, e.g. "
        f"`custom_objects={{'{registered_name or class_name}': {class_name}}}`."
        f"{hint} Full object config: {config}"
    )


def _find_function(name, module, config, custom_objects):
    found = object_registration.get_registered_object(name, custom_objects)
    if found is not None:
        return found
    if module and (
        module == "builtins" or str(module).split(".")[0] in ("keras", "ember")
    ):
        if f"{module}.{name}" in NON_MODELING_APIS:
            raise ValueError(
                f"Not allowed: the config names the function `{module}.{name}`, "
                "which is not a modeling function (it loads files or changes "
                "global settings). The file was not made by Keras or ember, or "
                "was tampered with."
            )
        found = find_function(name)
        if found is not None:
            return found
        if ">" not in name:
            # Keras <= 3.6 wrote registered functions by their bare name.
            for key, value in custom_objects.items():
                if key.endswith(f">{name}"):
                    return value
    raise TypeError(
        f"Could not locate function '{name}' (module {module!r}). Custom functions "
        "must be decorated with `@ember.saving.register_keras_serializable()` or "
        f"passed in `custom_objects`. Full object config: {config}"
    )


# ------------------------------------------------------------ special entries
def _keras_tensor(inner, custom_objects, safe_mode):
    from ember.backend.keras_tensor import KerasTensor

    tensor = KerasTensor(inner["shape"], dtype=inner["dtype"])
    tensor._pre_serialization_keras_history = inner.get("keras_history")
    return tensor


def _tensor(inner, custom_objects, safe_mode):
    from ember.backend import dtypes

    return torch.tensor(inner["value"], dtype=dtypes.to_torch_dtype(inner["dtype"]))


def _slice(inner, custom_objects, safe_mode):
    return slice(
        *(
            _deserialize(inner.get(key), custom_objects, safe_mode)
            for key in ("start", "stop", "step")
        )
    )


def _lambda(inner, custom_objects, safe_mode):
    if safe_mode is not False:
        raise ValueError(
            "Refusing to load a Python lambda stored in the config: it is code, "
            "and loading it could run anything the file's author wrote. If you "
            "trust the source of the file, pass `safe_mode=False` to the loading "
            "function (e.g. `ember.saving.load_model(path, safe_mode=False)`)."
        )
    if "code" in inner:  # the Lambda layer's spelling
        return func_load(inner["code"], inner.get("defaults"), inner.get("closure"))
    return func_load(inner["value"])


def _typespec(inner, custom_objects, safe_mode):
    raise TypeError(
        "The config holds a TensorFlow TypeSpec, which only the TensorFlow "
        "backend of Keras can read."
    )


_SPECIALS = {
    "__keras_tensor__": _keras_tensor,
    "__tensor__": _tensor,
    "__numpy__": lambda inner, c, s: np.array(inner["value"], dtype=inner["dtype"]),
    "__bytes__": lambda inner, c, s: inner["value"].encode("utf-8"),
    "__ellipsis__": lambda inner, c, s: Ellipsis,
    "__slice__": _slice,
    "__lambda__": _lambda,
    "__typespec__": _typespec,
}


# ---------------------------------------------------------------- functions
def func_dump(func):
    """`(code, defaults, closure)` of a Python function, as Keras writes it."""
    code = base64.b64encode(marshal.dumps(func.__code__)).decode("ascii")
    closure = None
    if func.__closure__:
        closure = tuple(cell.cell_contents for cell in func.__closure__)
    return code, func.__defaults__, closure


def func_load(code, defaults=None, closure=None):
    """The function `func_dump` wrote. Runs code from the config: only ever
    called with `safe_mode=False`."""
    if isinstance(code, (list, tuple)):
        code, defaults, closure = code
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    raw = base64.b64decode(code.encode("ascii"))
    function_code = marshal.loads(raw)
    if closure is not None:
        closure = tuple(_cell(value) for value in closure)
    return types.FunctionType(
        function_code,
        _lambda_globals(),
        name=function_code.co_name,
        argdefs=defaults,
        closure=closure,
    )


def _cell(value):
    return (lambda: value).__closure__[0]


def _lambda_globals() -> dict:
    # Lambdas written by Keras name `keras` / `ops`; ember stands in for both.
    import ember

    return {
        "__builtins__": builtins,
        "keras": ember,
        "ember": ember,
        "ops": ember.ops,
        "np": np,
        "numpy": np,
        "torch": torch,
    }


def _warn_lambda(fn):
    warnings.warn(
        "The object being serialized includes a Python `lambda`. Loading it "
        "back needs `safe_mode=False`, which lets the file run code; prefer a "
        "named function registered with "
        "`@ember.saving.register_keras_serializable()`.",
        stacklevel=3,
    )


def _is_lambda_layer(obj) -> bool:
    from ember.layers.core.lambda_layer import Lambda

    return isinstance(obj, Lambda)


def _lambda_layer_config(config) -> dict:
    """The Lambda layer's config with its functions in Keras's Lambda format."""
    config = dict(config)
    for key in ("function", "output_shape", "mask"):
        value = config.get(key)
        if isinstance(value, types.FunctionType) and value.__name__ == "<lambda>":
            _warn_lambda(value)
            code, defaults, closure = func_dump(value)
            config[key] = {
                "class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure},
            }
    return config
