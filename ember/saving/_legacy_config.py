"""Legacy Keras 2 configs (of `.h5` files) in Keras 3's spelling.

tf.keras 2 (and Keras 3's legacy writer) write layers without the `module`
Keras 3's loader needs, and with spellings Keras 3 dropped:
`batch_input_shape`, `Policy` dtypes, one-element `axis` lists,
`input_length`, `time_major`, Keras 2's `Lambda` functions, functional
nodes `[[layer, node, tensor, kwargs]]`, optimizer arguments such as
`decay` or `jit_compile`. The converted config is built by
`serialization_lib`, with its safety rules (nothing imported, code only
under `safe_mode=False`).
"""

import warnings

from ember.saving import object_registration
from ember.saving._keras_names import FUNCTIONAL_MODULE, find_class
from ember.saving._ops_config import find_op

_POLICY_CLASSES = ("Policy", "PolicyV1", "DTypePolicy", "FloatDTypePolicy")
_RNN_CLASSES = ("LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM1D", "ConvLSTM2D")
_TF_ONLY_LAYERS = ("TFOpLambda", "SlicingOpLambda", "CuDNNLSTM", "CuDNNGRU")
# Optimizer arguments tf.keras 2 wrote that Keras 3's optimizers do not take.
_OLD_OPTIMIZER_ARGS = ("jit_compile", "is_legacy_optimizer", "decay")


def convert_legacy_config(config, custom_objects=None):
    """Keras 3's config of a model or layer from its legacy Keras 2 config.

    Adds the `module` of each built-in class, and rewrites the spellings
    Keras 3 dropped: `batch_input_shape`, `Policy` dtypes, one-element
    `axis` lists, `input_length`, `time_major=False`, Keras 2's `Lambda`
    functions and functional nodes whose keyword arguments hold tensors.
    Classes that are registered or in `custom_objects` are left to the
    custom-object lookup.

    Example:

    >>> legacy = {"class_name": "Dense", "config": {"units": 2}}
    >>> convert_legacy_config(legacy)["module"]
    'keras.layers'
    """
    return _Converter(custom_objects).layer(config)


class _Converter:
    def __init__(self, custom_objects):
        self.custom_objects = custom_objects or {}

    def is_custom(self, class_name):
        found = object_registration.get_registered_object(
            class_name, self.custom_objects
        )
        return found is not None

    def layer(self, entry):
        if not isinstance(entry, dict) or not {"class_name", "config"} <= set(entry):
            raise ValueError(
                "Invalid legacy model config: expected a layer as a dict with "
                f"'class_name' and 'config'. Received: {_short(entry)}."
            )
        if "module" in entry:
            return entry  # already Keras 3's spelling (Keras 3 nests these)
        class_name, inner = entry["class_name"], entry["config"]
        if not isinstance(class_name, str):
            raise ValueError(f"Invalid legacy layer class name: {_short(class_name)}.")
        out = {
            key: value
            for key, value in entry.items()
            if key not in ("class_name", "config", "__passive_serialization__")
        }
        if self.is_custom(class_name):
            # Its own `from_config` reads the config; only the spellings of the
            # objects inside it change.
            if isinstance(inner, dict):
                inner = self.layer_args(class_name, dict(inner))
            out.update(class_name=class_name, config=inner)
            return out
        if class_name in _TF_ONLY_LAYERS:
            raise TypeError(
                f"The model uses the tf.keras layer '{class_name}', which wraps "
                "TensorFlow-only code and has no Keras 3 or ember equivalent. "
                "Rebuild that part of the model with Keras layers."
            )
        module = None
        if class_name == "Sequential":
            module, inner = "keras", self.sequential(inner)
        elif class_name in ("Functional", "Model") and _is_functional(inner):
            module, class_name = FUNCTIONAL_MODULE, "Functional"
            inner = self.functional(inner)
        else:
            if not isinstance(inner, dict):
                raise ValueError(
                    f"Invalid legacy config of '{class_name}': expected a dict. "
                    f"Received: {_short(inner)}."
                )
            inner = self.layer_args(class_name, dict(inner))
            if find_class("keras.layers", class_name) is not None:
                module = "keras.layers"
            elif find_op("keras.ops", class_name) is not None:
                module = "keras.ops"  # an op Keras 3 recorded in the graph
        out.update(class_name=class_name, config=inner)
        if module is not None:
            out.update(module=module, registered_name=None)
        return out

    def layer_args(self, class_name, inner):
        shape = inner.pop("batch_input_shape", None)
        if shape is not None:
            key = "batch_shape" if class_name == "InputLayer" else "batch_input_shape"
            inner.setdefault(key, shape)
        axis = inner.get("axis")
        if class_name == "BatchNormalization" and isinstance(axis, list):
            if len(axis) == 1:
                inner["axis"] = int(axis[0])
        if class_name == "Embedding":
            inner.pop("input_length", None)  # no meaning in Keras 3
        if class_name in _RNN_CLASSES and inner.pop("time_major", False):
            raise ValueError(
                f"The '{class_name}' layer was saved with `time_major=True`, which "
                "Keras 3 and ember do not support (inputs are batch-major)."
            )
        if class_name == "MultiHeadAttention":
            for key in ("query_shape", "key_shape", "value_shape"):
                inner.pop(key, None)  # tf.keras 2.13+ built from them
        if class_name == "Lambda":
            _lambda_args(inner)
        for key, value in inner.items():
            if key.endswith("_initializer"):
                inner[key] = self.obj(value, "keras.initializers")
            elif key.endswith("_regularizer"):
                inner[key] = self.obj(value, "keras.regularizers")
            elif key.endswith("_constraint"):
                inner[key] = self.obj(value, "keras.constraints")
            elif key == "dtype":
                inner[key] = _dtype(value)
            elif key in ("layer", "backward_layer", "cell") and isinstance(value, dict):
                inner[key] = self.layer(value)
            elif key == "cells" and isinstance(value, list):
                inner[key] = [self.layer(cell) for cell in value]
        return inner

    def obj(self, value, module):
        """An initializer, regularizer, constraint, loss, metric or optimizer."""
        if not isinstance(value, dict) or "class_name" not in value:
            return value
        if "module" in value or not isinstance(value["class_name"], str):
            return value
        class_name = value["class_name"]
        inner = value.get("config")
        inner = dict(inner) if isinstance(inner, dict) else {}
        if self.is_custom(class_name):
            return {"class_name": class_name, "config": inner}
        if module == "keras.initializers":
            inner.pop("dtype", None)  # tf.keras 1 wrote it
            if (
                class_name == "VarianceScaling"
                and inner.get("distribution") == "normal"
            ):
                inner["distribution"] = "truncated_normal"  # Keras 2.0's meaning
        if module == "keras.losses" and inner.get("reduction") == "auto":
            inner["reduction"] = "sum_over_batch_size"
        for key, item in inner.items():
            if key == "dtype":
                inner[key] = _dtype(item)
        return {
            "module": module,
            "class_name": class_name,
            "config": inner,
            "registered_name": None,
        }

    def sequential(self, inner):
        if isinstance(inner, list):
            inner = {"layers": inner}  # Keras 2.0 and 2.1 wrote the bare list
        if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
            raise ValueError(
                "Invalid legacy Sequential config: expected a dict with a 'layers' "
                f"list. Received: {_short(inner)}."
            )
        inner = dict(inner)
        inner["layers"] = [self.layer(layer) for layer in inner["layers"]]
        if "dtype" in inner:
            inner["dtype"] = _dtype(inner["dtype"])
        return inner

    def functional(self, inner):
        inner = dict(inner)
        entries = inner["layers"]
        if not isinstance(entries, list):
            raise ValueError(
                "Invalid legacy functional config: 'layers' is not a list."
            )
        names = {e.get("name") for e in entries if isinstance(e, dict)}
        # tf.keras 2 (whose nodes are lists) counted the calls of a nested
        # model from 1 (its node 0 was its own input); Keras 3 and ember count
        # them from 0 inside `inbound_nodes`.
        keras2 = any(
            isinstance(node, list)
            for e in entries
            if isinstance(e, dict) and isinstance(e.get("inbound_nodes"), list)
            for node in e["inbound_nodes"]
        )
        shifted = {e.get("name") for e in entries if keras2 and _from_one(e)}
        layers = []
        for entry in entries:
            converted = self.layer(entry)
            if "name" not in converted and isinstance(entry.get("config"), dict):
                converted["name"] = entry["config"].get("name")
            nodes = entry.get("inbound_nodes", [])
            if not isinstance(nodes, list):
                raise ValueError(
                    f"Invalid legacy functional config: 'inbound_nodes' of "
                    f"'{converted.get('name')}' is not a list."
                )
            converted["inbound_nodes"] = [_node(node, names, shifted) for node in nodes]
            layers.append(converted)
        inner["layers"] = layers
        # Here ember counts a nested functional model's calls from 1, as Keras
        # does, but a nested Sequential's from 0.
        sequential = {
            e.get("name")
            for e in entries
            if isinstance(e, dict) and e.get("class_name") == "Sequential"
        }
        for key in ("input_layers", "output_layers"):
            value = inner[key]
            if isinstance(value, list) and len(value) == 1 and _is_ref(value[0]):
                value = value[0]  # tf.keras 2 lists a single tensor
            inner[key] = _renumber(value, shifted & sequential)
        if "dtype" in inner:
            inner["dtype"] = _dtype(inner["dtype"])
        return inner


def _from_one(entry):
    """Whether tf.keras 2 numbered this nested model's calls from 1."""
    class_name, config = entry.get("class_name"), entry.get("config")
    if class_name in ("Functional", "Model"):
        return _is_functional(config)
    if class_name == "Sequential" and isinstance(config, dict):
        layers = config.get("layers")
        return (
            isinstance(layers, list)
            and bool(layers)
            and isinstance(layers[0], dict)
            and (layers[0].get("class_name") == "InputLayer")
        )
    return False


def _is_functional(inner):
    return isinstance(inner, dict) and all(
        key in inner for key in ("layers", "input_layers", "output_layers")
    )


def _is_ref(value):
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])
    )


def _dtype(value):
    """tf.keras 2's `Policy` config as the policy name Keras 3 reads."""
    if isinstance(value, dict) and "module" not in value:
        if value.get("class_name") in _POLICY_CLASSES:
            name = (value.get("config") or {}).get("name")
            if isinstance(name, str):
                return name
    return value


def _node(node, names, shifted):
    """A Keras 2 node `[[layer, node, tensor, kwargs], ...]`, its references
    to nested models renumbered; rewritten in Keras 3's form when its
    keyword arguments hold tensors (e.g. the `value` of `MultiHeadAttention`),
    which the short form cannot express."""
    if not isinstance(node, list):
        return node
    entries, kwargs = [], {}
    for entry in node:
        if not isinstance(entry, list) or len(entry) not in (3, 4):
            raise ValueError(f"Invalid legacy functional config: bad node {node!r}.")
        if len(entry) == 4 and isinstance(entry[3], dict):
            kwargs = entry[3]
        entries.append(_shift(entry[:3], shifted) + entry[3:])
    if not _holds_ref(kwargs, names):
        return entries
    tensors = [_tensor_config(entry[:3]) for entry in entries]
    return {
        "args": [tensors[0] if len(tensors) == 1 else tensors],
        "kwargs": _wrap_refs(_renumber(kwargs, shifted), names),
    }


def _shift(ref, shifted):
    if _is_ref(ref) and ref[0] in shifted and ref[1] > 0:
        return [ref[0], ref[1] - 1, ref[2]]
    return list(ref)


def _holds_ref(value, names):
    if _is_ref(value) and value[0] in names:
        return True
    if isinstance(value, dict):
        return any(_holds_ref(v, names) for v in value.values())
    if isinstance(value, list):
        return any(_holds_ref(v, names) for v in value)
    return False


def _renumber(value, layers):
    """`value` with its references `[layer, node, tensor]` to `layers`
    counted from 0 instead of 1."""
    if _is_ref(value):
        return _shift(value, layers)
    if isinstance(value, dict):
        return {k: _renumber(v, layers) for k, v in value.items()}
    if isinstance(value, list):
        return [_renumber(v, layers) for v in value]
    return value


def _wrap_refs(value, names):
    """`value` with its references to the layers in `names` as tensors."""
    if _is_ref(value) and value[0] in names:
        return _tensor_config(value)
    if isinstance(value, dict):
        return {k: _wrap_refs(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_wrap_refs(v, names) for v in value]
    return value


def _tensor_config(ref):
    # The shape is a placeholder: the functional loader replaces the tensor
    # by the output its `keras_history` names.
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": [], "dtype": "float32", "keras_history": list(ref)},
    }


def _lambda_args(inner):
    """Keras 2's `Lambda` functions in Keras 3's spelling (code stays code:
    it only runs when the caller passes `safe_mode=False`)."""
    for key, kind_key, module_key in (
        ("function", "function_type", "module"),
        ("output_shape", "output_shape_type", "output_shape_module"),
    ):
        kind = inner.pop(kind_key, None)
        inner.pop(module_key, None)
        value = inner.get(key)
        if kind == "lambda" and isinstance(value, (list, tuple)) and len(value) == 3:
            code, defaults, closure = value
            inner[key] = {
                "class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure},
            }
        elif kind == "lambda" and isinstance(value, str):
            inner[key] = {"class_name": "__lambda__", "config": {"code": value}}
        elif kind == "function" and isinstance(value, str):
            inner[key] = {
                "module": "builtins",
                "class_name": "function",
                "config": value,
                "registered_name": "function",
            }


def compile_args(training_config, custom_objects=None):
    """`model.compile`'s arguments, as Keras 3 configs, from a legacy
    `training_config` (`optimizer_config`, `loss`, `metrics`, ...)."""
    if not isinstance(training_config, dict):
        raise ValueError("'training_config' is not a JSON object")
    optimizer = training_config.get("optimizer_config")
    if not isinstance(optimizer, dict) or "class_name" not in optimizer:
        raise ValueError("'training_config' has no 'optimizer_config'")
    converter = _Converter(custom_objects)
    return {
        "optimizer": _optimizer(converter, optimizer),
        "loss": _nested(converter, training_config.get("loss"), "keras.losses"),
        "metrics": _nested(converter, training_config.get("metrics"), "keras.metrics"),
        "weighted_metrics": _nested(
            converter, training_config.get("weighted_metrics"), "keras.metrics"
        ),
        "loss_weights": training_config.get("loss_weights"),
    }


def _optimizer(converter, config):
    class_name = config["class_name"]
    inner = dict(config.get("config") or {})
    if (
        isinstance(class_name, str)
        and class_name.startswith("Custom>")
        and not converter.is_custom(class_name)
        and find_class("keras.optimizers", class_name[len("Custom>") :])
    ):
        class_name = class_name[len("Custom>") :]  # tf.keras 2.11+'s spelling
    if "lr" in inner:
        inner.setdefault("learning_rate", inner.pop("lr"))
    for key in _OLD_OPTIMIZER_ARGS:
        value = inner.pop(key, None)
        if key == "decay" and value:
            warnings.warn(
                f"The saved optimizer used `decay={value}`, which Keras 3 and ember "
                "no longer support; it is ignored.",
                stacklevel=6,
            )
    rate = inner.get("learning_rate")
    if isinstance(rate, dict):
        inner["learning_rate"] = converter.obj(rate, "keras.optimizers.schedules")
    return converter.obj(
        {"class_name": class_name, "config": inner}, "keras.optimizers"
    )


def _nested(converter, value, module):
    """Losses or metrics: a name, a config, or lists/dicts of them."""
    if isinstance(value, dict) and "class_name" in value:
        if value["class_name"] == "MeanMetricWrapper" and "module" not in value:
            name = (value.get("config") or {}).get("name")
            return name if isinstance(name, str) else value
        return converter.obj(value, module)
    if isinstance(value, dict):
        return {k: _nested(converter, v, module) for k, v in value.items()}
    if isinstance(value, list):
        return [_nested(converter, v, module) for v in value]
    return value


def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
