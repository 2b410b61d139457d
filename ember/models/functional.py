"""`Functional`: a model defined by a graph of layers from inputs to outputs."""

import inspect

import torch

from ember.backend import tree
from ember.backend.keras_tensor import KerasTensor
from ember.layers.layer import Layer
from ember.models.graph import map_graph
from ember.models.model import Model


class Functional(Model):
    """A model built by calling layers on `ember.Input` tensors.

    Create it with `ember.Model(inputs, outputs)`; `inputs` and `outputs` may be
    single KerasTensors, lists or dicts of them.

    Example:

    >>> inputs = ember.Input(shape=(3,))
    >>> outputs = ember.layers.Dense(2)(inputs)
    >>> Model(inputs, outputs).output_shape
    (None, 2)
    """

    def __init__(self, inputs, outputs, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._inputs_struct = _check_structure(inputs, "inputs")
        self._outputs_struct = _check_structure(outputs, "outputs")
        self._inputs = tree.flatten(self._inputs_struct)
        self._outputs = tree.flatten(self._outputs_struct)
        nodes, operations = map_graph(self._inputs, self._outputs)
        self.__dict__["_nodes"] = nodes
        self.__dict__["_operations"] = operations
        for operation in operations:
            if isinstance(operation, torch.nn.Module):
                self._modules[operation.name.replace(".", "_")] = operation
        self.__dict__["_plan"] = [
            _plan_step(node) for node in nodes if not node.is_input
        ]
        self.built = True

    # ------------------------------------------------------------------ graph
    @property
    def inputs(self) -> list:
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def layers(self) -> list:
        return [op for op in self._operations if isinstance(op, Layer)]

    @property
    def operations(self) -> list:
        return list(self._operations)

    @property
    def input_shape(self):
        shapes = tree.map_structure(lambda x: x.shape, self._inputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = tree.map_structure(lambda x: x.shape, self._outputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    # ------------------------------------------------------------------- call
    def call(self, inputs, training=None, mask=None):
        values = {}
        flat = self._standardize_inputs(inputs)
        masks = tree.flatten(mask) if mask is not None else [None] * len(flat)
        for spec, value, m in zip(self._inputs, flat, masks):
            if m is not None and isinstance(value, torch.Tensor):
                value._keras_mask = m
            values[id(spec)] = value
        for operation, args, kwargs, input_ids, output_ids, simple in self._plan:
            if simple:
                outputs = operation(values[input_ids[0]])
            else:
                call_args, call_kwargs = tree.map_structure(
                    lambda x: values[id(x)] if isinstance(x, KerasTensor) else x,
                    (args, kwargs),
                )
                outputs = operation(*call_args, **call_kwargs)
            flat_outputs = tree.flatten(outputs)
            for key, value in zip(output_ids, flat_outputs):
                values[key] = value
        return tree.pack_sequence_as(
            self._outputs_struct, [values[id(x)] for x in self._outputs]
        )

    def compute_mask(self, inputs, previous_mask=None):
        # Output masks are attached to the output tensors by the layers.
        return None

    def _standardize_inputs(self, inputs):
        expected = self._inputs
        if isinstance(inputs, dict):
            by_key = (
                dict(self._inputs_struct)
                if isinstance(self._inputs_struct, dict)
                else {}
            )
            flat = []
            for spec in expected:
                keys = [k for k, v in by_key.items() if v is spec] + [spec.name]
                found = [inputs[k] for k in keys if k in inputs]
                if not found:
                    raise ValueError(
                        f"Model '{self.name}' expects an input named "
                        f"'{keys[0]}', but the dict passed has keys "
                        f"{sorted(inputs)}. Expected keys: "
                        f"{[s.name for s in expected]}."
                    )
                flat.append(found[0])
            return flat
        flat = tree.flatten(inputs)
        if len(flat) != len(expected):
            raise ValueError(
                f"Model '{self.name}' expects {len(expected)} input(s) "
                f"({[s.name for s in expected]}, shapes "
                f"{[s.shape for s in expected]}), but it received {len(flat)} "
                "tensor(s). Pass one tensor per input, as a list in that order or a "
                "dict by input name."
            )
        return flat

    def get_config(self) -> dict:
        """Keras's functional config: `name`, `trainable`, `layers` (each with
        its `inbound_nodes`), `input_layers` and `output_layers`.

        A subclass with its own constructor arguments describes itself as a
        subclassed model does (override `get_config`).
        """
        if not _functional_like_constructor(type(self)):
            return Model.get_config(self)
        from ember.saving._functional_config import functional_get_config

        return functional_get_config(self)

    def get_build_config(self):
        # A functional model is built by its graph; Keras writes no shape.
        return {"input_shape": None}


def _functional_like_constructor(cls) -> bool:
    """Whether `cls(inputs=..., outputs=..., name=...)` rebuilds an instance."""
    init = getattr(cls.__init__, "__wrapped__", cls.__init__)
    spec = inspect.getfullargspec(init)
    reference = inspect.getfullargspec(Functional.__init__.__wrapped__)
    if spec.args[1:] == reference.args[1:]:
        return True
    return spec.varargs is not None and spec.varkw is not None


def _plan_step(node):
    """What the executor needs for one node, precomputed."""
    args, kwargs = node.call_args, node.call_kwargs
    input_ids = [id(x) for x in node.input_tensors]
    output_ids = [id(x) for x in node.outputs]
    simple = len(args) == 1 and not kwargs and isinstance(args[0], KerasTensor)
    return node.operation, args, kwargs, input_ids, output_ids, simple


def _check_structure(structure, what):
    for x in tree.flatten(structure):
        if not isinstance(x, KerasTensor):
            raise TypeError(
                f"All `{what}` of a functional model must be KerasTensors made with "
                f"`ember.Input(...)` and layer calls. Received: {x!r} (of type "
                f"{type(x).__name__})."
            )
    if isinstance(structure, tuple):
        structure = list(structure)
    if what == "inputs":
        for x in tree.flatten(structure):
            operation = x._keras_history[0] if x._keras_history else None
            if operation is None:
                raise ValueError(
                    f"Model inputs must come from `ember.Input(...)`. Received: {x!r}."
                )
    return structure
