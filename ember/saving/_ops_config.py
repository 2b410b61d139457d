"""Keras ops inside functional configs (e.g. the `NotEqual` that computes the
mask of `Embedding(mask_zero=True)`), rebuilt as ember ops.

Keras writes an op called on symbolic tensors as
`{"module": "keras.src.ops.numpy", "class_name": "NotEqual", "config":
{"name": "not_equal", ...}}`: the op's class, whose constructor takes the
op's non-tensor arguments. Ember rebuilds it as a graph operation running the
`ember.ops` function of the same (snake_case) name with those arguments.
Only functions of `ember.ops` are ever reached.
"""

import functools
import importlib
import inspect

from ember.backend import naming

# Keras's op modules and the ember namespaces that hold the same functions.
_OP_MODULES = {
    "keras.src.ops.numpy": ("ember.ops.numpy", "ember.ops"),
    "keras.src.ops.nn": ("ember.ops.nn", "ember.ops"),
    "keras.src.ops.math": ("ember.ops.math", "ember.ops"),
    "keras.src.ops.core": ("ember.ops.core", "ember.ops"),
    "keras.src.ops.linalg": ("ember.ops.linalg",),
    "keras.ops": ("ember.ops",),
}


def is_op_module(module) -> bool:
    return isinstance(module, str) and module in _OP_MODULES


class KerasOp:
    """What `deserialize_keras_object` finds for a Keras op class."""

    def __init__(self, module, class_name, fn):
        self.module, self.__name__, self.fn = module, class_name, fn

    def from_config(self, config):
        from ember.backend.symbolic import FunctionOperation

        config = dict(config)
        name = config.pop("name", None)
        fn = getattr(self.fn, "__wrapped__", self.fn)
        if config:
            accepted = inspect.signature(fn).parameters
            unknown = [k for k in config if k not in accepted]
            if unknown:
                raise TypeError(
                    f"Cannot rebuild the Keras op '{self.__name__}': ember's "
                    f"`ops.{fn.__name__}` takes no argument(s) {unknown}."
                )
            fn = functools.partial(fn, **config)
            functools.update_wrapper(fn, getattr(self.fn, "__wrapped__", self.fn))
        return FunctionOperation(fn, name=name)


def find_op(module, class_name):
    """A `KerasOp` for `module.class_name`, or None if ember has no such op."""
    if not is_op_module(module) or not isinstance(class_name, str):
        return None
    snake = naming.to_snake_case(class_name)
    for package in _OP_MODULES[module]:
        try:
            namespace = importlib.import_module(package)
        except ImportError:
            continue
        fn = getattr(namespace, snake, None)
        if inspect.isfunction(fn) and fn.__module__.startswith("ember.ops"):
            return KerasOp(module, class_name, fn)
    return None
