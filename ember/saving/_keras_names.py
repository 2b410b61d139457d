"""The Keras 3 names of ember's built-in classes and functions, both ways.

Files written by ember name the public `keras.*` module of each built-in
(`keras.layers`, `keras.optimizers`, `keras` for `Sequential` and
`DTypePolicy`, ...) so that Keras 3 loads them. Files written by Keras may
name private module paths (`keras.src.backend.torch.optimizers.torch_adam`);
those resolve to ember's class of the same name in the family the path names.
Nothing here imports a module named by a file: lookups only read ember's own
namespaces.
"""

import functools
import importlib
import inspect
import pkgutil

# (Keras module, ember package, the path segment that marks the family in
# Keras's private module paths). More specific families come first.
_FAMILIES = (
    ("keras.optimizers.schedules", "ember.optimizers.schedules", "schedules"),
    ("keras.optimizers", "ember.optimizers", "optimizers"),
    ("keras.layers", "ember.layers", "layers"),
    ("keras.losses", "ember.losses", "losses"),
    ("keras.metrics", "ember.metrics", "metrics"),
    ("keras.initializers", "ember.initializers", "initializers"),
    ("keras.regularizers", "ember.regularizers", "regularizers"),
    ("keras.constraints", "ember.constraints", "constraints"),
    ("keras.dtype_policies", "ember.dtype_policies", "dtype_policies"),
    ("keras.models", "ember.models", "models"),
)
_FUNCTION_FAMILIES = ("ember.activations", "ember.losses", "ember.metrics")
# Public helpers of the families that are not modeling functions.
_NOT_MODELING = {"get", "serialize", "deserialize", "names"}
# Keras APIs a config may never name (they load files or change global
# state, e.g. the CVE-2025-9906 safe-mode bypass).
NON_MODELING_APIS = frozenset(
    {
        "keras.backend.clear_session",
        "keras.config.enable_unsafe_deserialization",
        "keras.models.load_model",
        "keras.models.model_from_json",
        "keras.models.save_model",
        "keras.saving.deserialize_keras_object",
        "keras.saving.load_model",
        "keras.saving.load_weights",
        "keras.saving.register_keras_serializable",
        "keras.saving.save_model",
        "keras.saving.save_weights",
        "keras.saving.serialize_keras_object",
        "keras.utils.clear_session",
        "keras.utils.deserialize_keras_object",
        "keras.utils.get_file",
        "keras.utils.register_keras_serializable",
        "keras.utils.serialize_keras_object",
    }
)
FUNCTIONAL_MODULE = "keras.src.models.functional"


def public_name(cls):
    """`(keras_module, registered_name)` for a built-in ember class, else None."""
    from ember.models.functional import Functional

    if cls is Functional:
        # Keras does not export Functional; it writes the private path.
        return FUNCTIONAL_MODULE, "Functional"
    name = cls.__name__
    if not cls.__module__.startswith("ember.") or name.startswith("_"):
        return None
    import ember

    if getattr(ember, name, None) is cls:
        return "keras", None
    for keras_module, package, _ in _FAMILIES:
        if getattr(importlib.import_module(package), name, None) is cls:
            return keras_module, None
    if _layer_classes().get(name) is cls:
        return "keras.layers", None
    return None


def find_class(module, class_name):
    """Ember's built-in class for a Keras (or ember) module and class name."""
    import ember

    if not isinstance(class_name, str) or class_name.startswith("_"):
        return None
    if f"{module}.{class_name}" in NON_MODELING_APIS:
        raise ValueError(
            f"Not allowed: the config names `{module}.{class_name}`, which is not "
            "a modeling object. A model config may only hold layers, models, "
            "losses, metrics, optimizers and the like; a file naming this API "
            "was not made by Keras or ember, or was tampered with."
        )
    segments = str(module).split(".")
    if segments[0] not in ("keras", "ember"):
        return None
    if module in ("keras", "ember"):
        return _class_in(ember, class_name) or _anywhere(class_name)
    for keras_module, package, marker in _FAMILIES:
        if module == keras_module or marker in segments[1:]:
            found = _class_in(importlib.import_module(package), class_name)
            if found is None and package == "ember.layers":
                found = _layer_classes().get(class_name)
            return found
    return None


def find_function(name):
    """Ember's built-in modeling function (activation, loss, metric) `name`."""
    if not isinstance(name, str) or name.startswith("_") or name in _NOT_MODELING:
        return None
    for package in _FUNCTION_FAMILIES:
        found = getattr(importlib.import_module(package), name, None)
        if inspect.isfunction(found) and found.__module__.startswith("ember."):
            return found
    return None


def _class_in(namespace, class_name):
    found = getattr(namespace, class_name, None)
    return found if inspect.isclass(found) and hasattr(found, "from_config") else None


def _anywhere(class_name):
    import ember

    for namespace in [ember] + [importlib.import_module(p) for _, p, _ in _FAMILIES]:
        found = _class_in(namespace, class_name)
        if found is not None:
            return found
    return _layer_classes().get(class_name)


@functools.cache
def _layer_classes() -> dict:
    """Every public layer class under `ember.layers`, exported yet or not.

    Layer families land in their folders before they are exported from
    `ember.layers`; loading files that use them should not have to wait.
    """
    import ember.layers
    from ember.layers.layer import Layer

    classes = {}
    for info in pkgutil.walk_packages(ember.layers.__path__, "ember.layers."):
        try:
            module = importlib.import_module(info.name)
        except Exception:  # a module being written; its classes stay unknown
            continue
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Layer)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                classes.setdefault(name, obj)
    for name in getattr(ember.layers, "__all__", ()):
        obj = getattr(ember.layers, name, None)
        if inspect.isclass(obj):
            classes[name] = obj
    return classes
