"""`Sequential`: a plain stack of layers, each with one input and one output."""

from ember.backend.keras_tensor import KerasTensor
from ember.layers.core.input_layer import InputLayer
from ember.layers.layer import Layer
from ember.models.functional import Functional
from ember.models.model import Model


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: Optional list of layers (an `ember.Input` may come first).
        trainable: Whether the model's weights train. Defaults to `True`.
        name: Name of the model. Defaults to `None`.

    With an `ember.Input` first (or `input_shape=` on the first layer) the model
    is built at once; otherwise it builds on its first call, from the data.

    Example:

    >>> model = Sequential([ember.Input(shape=(16,)), ember.layers.Dense(8)])
    >>> model.output_shape
    (None, 8)
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.__dict__["_stack"] = []
        self.__dict__["_functional"] = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Adds a layer (or an `ember.Input` tensor) on top of the stack."""
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            if history is None or not isinstance(history[0], InputLayer):
                raise ValueError(
                    "Only `ember.Input(...)` tensors can be added to a Sequential "
                    f"model. Received: {layer!r}."
                )
            layer = history[0]
        if not isinstance(layer, Layer):
            import torch

            if isinstance(layer, torch.nn.Module):
                raise TypeError(
                    f"Only ember layers can be added to a Sequential model; received "
                    f"the torch module {type(layer).__name__}. Wrap it in a layer, "
                    "or use a subclassed `ember.Model` whose `call` uses it."
                )
            raise TypeError(
                "Only instances of `ember.layers.Layer` can be added to a Sequential "
                f"model. Received: {layer!r} (of type {type(layer).__name__})."
            )
        if isinstance(layer, InputLayer) and self._stack:
            if isinstance(self._stack[0], InputLayer):
                raise ValueError(
                    f"Sequential model '{self.name}' already has an input layer; "
                    "an `ember.Input` can only be the first element."
                )
            raise ValueError(
                f"Sequential model '{self.name}' already has layers: an "
                "`ember.Input` must be added first."
            )
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. "
                f"Name '{layer.name}' is already the name of a layer in this model. "
                "Update the `name` argument to pass a unique name."
            )
        self._stack.append(layer)
        if not isinstance(layer, InputLayer):
            self._modules[layer.name.replace(".", "_")] = layer
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer of the model."""
        if not self.layers:
            raise TypeError(f"There are no layers in Sequential model '{self.name}'.")
        layer = self._stack.pop()
        self._modules.pop(layer.name.replace(".", "_"), None)
        self.__dict__["_functional"] = None
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self) -> list:
        return [layer for layer in self._stack if not isinstance(layer, InputLayer)]

    def _maybe_rebuild(self):
        self.__dict__["_functional"] = None
        self.built = False
        if self._stack and isinstance(self._stack[0], InputLayer):
            if len(self._stack) > 1:
                self.build(self._stack[0].batch_shape)
        elif self._stack and self._stack[0]._input_shape_arg is not None:
            first = self._stack[0]
            self.build((first._batch_size_arg, *first._input_shape_arg))

    def build(self, input_shape=None):
        """Builds the model for inputs of `input_shape` (batch axis included)."""
        if input_shape is None:
            raise ValueError(
                f"Sequential model '{self.name}' cannot be built without an input "
                "shape: start it with `ember.Input(shape=...)` or call it on data."
            )
        if not self._stack:
            raise ValueError(f"Sequential model '{self.name}' has no layers to build.")
        if isinstance(self._stack[0], InputLayer):
            input_layer = self._stack[0]
        else:
            dtype = getattr(self._stack[0], "_input_dtype_hint", None)
            input_layer = InputLayer(batch_shape=tuple(input_shape), dtype=dtype)
        x = inputs = input_layer.output
        for layer in self._stack:
            if isinstance(layer, InputLayer):
                continue
            x = layer(x)
        self.__dict__["_functional"] = Functional(inputs, x, name=f"{self.name}_graph")
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.call(inputs, training=training, mask=mask)
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        x = args[0] if args else next(iter(kwargs.values()))
        shape = (None, *tuple(x.shape)[1:])
        # Build the graph for data's shape, with the batch axis left free.
        dtype = str(x.dtype).replace("torch.", "")
        self.__dict__["_input_dtype_hint"] = dtype
        first = self._stack[0] if self._stack else None
        if first is not None and not isinstance(first, InputLayer):
            first.__dict__["_input_dtype_hint"] = dtype
        self.build(shape)

    @property
    def inputs(self):
        return self._graph("inputs").inputs

    @property
    def outputs(self):
        return self._graph("outputs").outputs

    @property
    def input(self):
        return self._graph("input").input

    @property
    def output(self):
        return self._graph("output").output

    @property
    def input_shape(self):
        return self._graph("input_shape").input_shape

    @property
    def output_shape(self):
        return self._graph("output_shape").output_shape

    def _graph(self, what):
        if self._functional is None:
            raise ValueError(
                f"Sequential model '{self.name}' has not been built yet, so it has no "
                f"`{what}`. Start it with `ember.Input(shape=...)` or call it on data."
            )
        return self._functional

    def get_config(self) -> dict:
        """Keras's Sequential config: the base keys, `layers` (the input layer
        first once the model is built) and `build_input_shape`."""
        from ember.saving import serialization_lib

        config = Layer.get_config(self)
        layers = list(self._stack)
        input_layer = None
        if self._functional is not None:
            input_layer = self._functional.inputs[0]._keras_history[0]
            if not layers or layers[0] is not input_layer:
                layers.insert(0, input_layer)
        config["layers"] = [
            serialization_lib.serialize_keras_object(layer) for layer in layers
        ]
        if input_layer is not None:
            config["build_input_shape"] = input_layer.batch_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the model (and builds it when the config has a shape)."""
        from ember.saving import serialization_lib

        if not isinstance(config, dict) or "layers" not in config:
            raise ValueError(
                "A Sequential model configuration must be a dict with 'name' and "
                f"'layers' keys. Received: config={config!r}"
            )
        kwargs = {"name": config.get("name")}
        if isinstance(config.get("trainable"), bool):
            kwargs["trainable"] = config["trainable"]
        model = cls(**kwargs)
        for layer_config in config["layers"]:
            layer = serialization_lib.deserialize_keras_object(
                layer_config, custom_objects=custom_objects
            )
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and isinstance(shape, (list, tuple)) and shape:
            model.build(tuple(shape))
        return model
