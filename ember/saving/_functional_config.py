"""A functional model's graph as Keras 3 writes it, and back.

The config lists every operation (`layers`) with its `name` and the calls
that belong to this model (`inbound_nodes`: serialized `args` / `kwargs`
whose KerasTensors carry `keras_history = [layer name, node index, tensor
index]`), plus `input_layers` / `output_layers` in the same notation.

Node indices count only the calls made inside this model (a layer shared
with another model has calls that do not belong here). Keras numbers the
calls of a nested functional model from 1 in `input_layers` /
`output_layers` (and from 0 inside `inbound_nodes`); ember writes and reads
the same numbers.
"""

import copy

from ember.backend import tree
from ember.backend.keras_tensor import KerasTensor
from ember.saving import serialization_lib


def functional_get_config(model) -> dict:
    """`{"name", "trainable", "layers", "input_layers", "output_layers"}`."""
    from ember.layers.layer import Layer

    own = {id(node) for node in model._nodes}
    reindex = {}
    for operation in model._operations:
        kept = 1 if _counts_from_one(operation) else 0
        for node in operation._inbound_nodes:
            if id(node) in own:
                reindex[id(node)] = kept
                kept += 1

    layer_configs = []
    for operation in model._operations:
        if not isinstance(operation, Layer):
            raise TypeError(
                f"Cannot write the config of functional model '{model.name}': its "
                f"graph calls the operation '{operation.name}' "
                f"({type(operation).__name__}) directly on symbolic tensors. Only "
                "layers can be saved in ember's configs; wrap the computation in a "
                "layer (e.g. a registered custom layer)."
            )
        inbound = []
        for node in operation._inbound_nodes:
            if id(node) in own and not node.is_input:
                inbound.append(_serialize_node(node, own))
        config = serialization_lib.serialize_keras_object(operation)
        config["name"] = operation.name
        config["inbound_nodes"] = inbound
        layer_configs.append(config)

    def tensor_config(tensor):
        operation, node_index, tensor_index = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        return [operation.name, reindex[id(node)], tensor_index]

    return copy.deepcopy(
        {
            "name": model.name,
            "trainable": model.trainable,
            "layers": layer_configs,
            "input_layers": tree.map_structure(tensor_config, model._inputs_struct),
            "output_layers": tree.map_structure(tensor_config, model._outputs_struct),
        }
    )


def _counts_from_one(operation) -> bool:
    from ember.models.functional import Functional

    return isinstance(operation, Functional)


def _serialize_node(node, own) -> dict:
    def serialize_tensor(x):
        if not isinstance(x, KerasTensor):
            return serialization_lib.serialize_keras_object(x)
        operation, node_index, tensor_index = x._keras_history
        foreign = sum(
            1 for n in operation._inbound_nodes[:node_index] if id(n) not in own
        )
        config = serialization_lib.serialize_keras_object(x)
        config["config"]["keras_history"] = [
            operation.name,
            node_index - foreign,
            tensor_index,
        ]
        return config

    def walk(value):
        if isinstance(value, KerasTensor):
            return serialize_tensor(value)
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return serialization_lib.serialize_keras_object(value)

    kwargs = walk(node.call_kwargs)
    # Keras records `mask=None` for a layer whose call takes a mask and that
    # gets one tensor argument; write the same node.
    arguments = list(node.call_args) + list(node.call_kwargs.values())
    with_tensors = [a for a in arguments if isinstance(a, KerasTensor)]
    if (
        getattr(node.operation, "_call_has_mask", False)
        and "mask" not in kwargs
        and len(with_tensors) == 1
    ):
        kwargs["mask"] = None
    return {"args": walk(list(node.call_args)), "kwargs": kwargs}


# ----------------------------------------------------------------- reading
def is_functional_config(config) -> bool:
    return isinstance(config, dict) and all(
        key in config for key in ("name", "layers", "input_layers", "output_layers")
    )


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a functional model of class `cls` by replaying its layer calls."""
    config = dict(config)
    layers_data = config.pop("layers")
    input_layers = config.pop("input_layers")
    output_layers = config.pop("output_layers")
    name = config.pop("name", None)
    trainable = config.pop("trainable", None)
    if not isinstance(layers_data, list):
        raise ValueError(
            "Invalid functional model config: 'layers' must be a list of layer "
            f"configs. Received: {type(layers_data).__name__}."
        )

    created, pending = {}, {}
    for layer_data in layers_data:
        if not isinstance(layer_data, dict) or "name" not in layer_data:
            raise ValueError(
                "Invalid functional model config: every entry of 'layers' must be "
                f"a layer config with a 'name'. Received: {layer_data!r}."
            )
        layer = serialization_lib.deserialize_keras_object(
            layer_data, custom_objects=custom_objects
        )
        from ember.backend.symbolic import Operation

        if not isinstance(layer, Operation):
            raise ValueError(
                f"Invalid functional model config: '{layer_data['name']}' did not "
                f"deserialize to a layer (got {type(layer).__name__})."
            )
        created[layer_data["name"]] = layer
        nodes = layer_data.get("inbound_nodes", [])
        if nodes:
            pending[layer_data["name"]] = list(nodes)

    # Replay the calls in config order; a call whose inputs do not exist yet
    # waits for the next sweep (layers shared at different depths).
    while pending:
        progressed = False
        for layer_data in layers_data:
            layer_name = layer_data["name"]
            queue = pending.get(layer_name)
            while queue:
                try:
                    args, kwargs = _deserialize_node(queue[0], created)
                except IndexError:
                    break
                layer = created[layer_name]
                _call_layer(layer, args, kwargs)
                queue.pop(0)
                progressed = True
            if layer_name in pending and not pending[layer_name]:
                del pending[layer_name]
        if not progressed:
            raise ValueError(
                "Invalid functional model config: the graph has loops or "
                f"disconnected calls. Unresolved layers: {sorted(pending)}."
            )

    def get_tensor(layer_name, node_index, tensor_index):
        if layer_name not in created:
            raise ValueError(
                f"Invalid functional model config: no layer named '{layer_name}' "
                "(named in 'input_layers' or 'output_layers')."
            )
        layer = created[layer_name]
        if _counts_from_one(layer):
            node_index -= 1
        try:
            node = layer._inbound_nodes[node_index]
            return node.outputs[tensor_index]
        except (IndexError, TypeError):
            raise ValueError(
                "Invalid functional model config: layer "
                f"'{layer_name}' has no output [{node_index}][{tensor_index}]."
            ) from None

    def map_tensors(tensors):
        if (
            isinstance(tensors, list)
            and len(tensors) == 3
            and isinstance(tensors[0], str)
        ):
            return get_tensor(*tensors)
        if isinstance(tensors, dict):
            return {k: map_tensors(v) for k, v in tensors.items()}
        if isinstance(tensors, (list, tuple)):
            return [map_tensors(v) for v in tensors]
        raise ValueError(
            "Invalid functional model config: expected [layer_name, node_index, "
            f"tensor_index] entries in 'input_layers'/'output_layers'. Received: "
            f"{tensors!r}."
        )

    inputs = map_tensors(input_layers)
    outputs = map_tensors(output_layers)
    kwargs = dict(config)
    kwargs.pop("dtype", None)  # Keras's Functional never takes it
    if trainable is not None:
        kwargs["trainable"] = trainable
    return cls(inputs=inputs, outputs=outputs, name=name, **kwargs)


def _deserialize_node(node_data, created):
    if isinstance(node_data, list):  # Keras 2's `[[name, node, tensor, kwargs]]`
        tensors, kwargs = [], {}
        for entry in node_data:
            if not isinstance(entry, list) or len(entry) not in (3, 4):
                raise ValueError(
                    f"Invalid functional model config: bad node entry {entry!r}."
                )
            tensors.append(_tensor_of(created, entry[0], entry[1], entry[2]))
            if len(entry) == 4:
                kwargs = entry[3]
        return [tensors[0] if len(tensors) == 1 else tensors], kwargs
    if not isinstance(node_data, dict):
        raise ValueError(
            f"Invalid functional model config: bad node entry {node_data!r}."
        )
    args = serialization_lib.deserialize_keras_object(node_data.get("args", []))
    kwargs = serialization_lib.deserialize_keras_object(node_data.get("kwargs", {}))

    def revive(x):
        if isinstance(x, KerasTensor):
            history = getattr(x, "_pre_serialization_keras_history", None)
            if history is None:
                return x
            return _tensor_of(created, *history)
        return x

    args = [_map(revive, a) for a in (args or [])]
    kwargs = {k: _map(revive, v) for k, v in (kwargs or {}).items()}
    return args, kwargs


def _map(fn, value):
    if isinstance(value, (list, tuple)):
        return [_map(fn, v) for v in value]
    if isinstance(value, dict):
        return {k: _map(fn, v) for k, v in value.items()}
    return fn(value)


def _tensor_of(created, layer_name, node_index, tensor_index):
    layer = created.get(layer_name)
    if layer is None:
        raise ValueError(
            f"Invalid functional model config: a call uses the output of "
            f"'{layer_name}', which is not among the model's layers."
        )
    if len(layer._inbound_nodes) <= node_index:
        raise IndexError(node_index)  # not created yet: retry on the next sweep
    return layer._inbound_nodes[node_index].outputs[tensor_index]


def _call_layer(layer, args, kwargs):
    # Keras records `mask=None` (and the like) for layers whose call has no
    # such argument; pass only what the layer's `call` takes.
    for key in ("mask", "training"):
        if key in kwargs and kwargs[key] is None:
            has = getattr(layer, f"_call_has_{key}", False)
            if not has:
                kwargs.pop(key)
    layer(*args, **kwargs)
