"""`Layer`: the base of every ember layer and model — a `torch.nn.Module`.

A layer builds its weights on first call from the input shape (`build`), keeps
them as `nn.Parameter`s (`ember.Variable`) in Keras's order and layout, carries
masks from layer to layer, and joins functional graphs when called on
`KerasTensor`s (shapes inferred on torch's meta device).
"""

import difflib
import functools
import inspect
import threading

import numpy as np
import torch

from ember import dtype_policies
from ember.backend import dtypes, naming, sharding, tree
from ember.backend.errors import ArgumentError, UnknownArgumentError
from ember.backend.keras_tensor import KerasTensor, any_symbolic
from ember.backend.symbolic import (
    CALL_STATE,
    Node,
    Operation,
    compute_output_spec,
    meta_weights,
)
from ember.backend.variable import Variable, host_copy, make_variable
from ember.layers import tracking
from ember.layers.input_spec import assert_input_compatibility

# Keyword arguments every layer accepts besides its own.
_BASE_KWARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape")
_STATE = CALL_STATE


class Layer(torch.nn.Module, Operation):
    """The base class of all layers: a `torch.nn.Module` with Keras's API.

    Subclass it to write a layer: create weights in `build(input_shape)` with
    `add_weight`, compute in `call(inputs)`, and return constructor arguments
    from `get_config()`.

    Args:
        trainable: Whether the layer's weights are updated in training.
            Defaults to `True`.
        name: The layer's name; unique per session when generated
            (`dense`, `dense_1`, ...). Defaults to `None`.
        dtype: A dtype name or `ember.DTypePolicy`. Defaults to `None`
            (the global policy, float32).
        activity_regularizer: Regularizer applied to the layer's outputs.
            Defaults to `None`.
        autocast: Whether floating inputs are cast to the compute dtype.
            Defaults to `True`.

    Example:

    >>> class Linear(Layer):
    ...     def __init__(self, units=4, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1], self.units))
    ...     def call(self, inputs):
    ...         return inputs @ self.w
    >>> Linear()(torch.ones(2, 3)).shape
    torch.Size([2, 4])
    """

    # Facts about `call`/`build`, read once per class by __init_subclass__.
    _call_has_training = False
    _call_has_mask = False
    _call_training_default = None
    _computes_masks = False
    _build_params = ["input_shape"]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _explain_init_errors(cls.__dict__["__init__"])
        # What `call` accepts is fixed per class: read it once, not per call.
        params = inspect.signature(cls.call).parameters
        cls._call_has_training = "training" in params
        cls._call_has_mask = "mask" in params
        cls._computes_masks = cls.compute_mask is not Layer.compute_mask
        cls._call_training_default = (
            params["training"].default
            if "training" in params
            and params["training"].default is not inspect.Parameter.empty
            else None
        )
        cls._build_params = [
            p
            for p in list(inspect.signature(cls.build).parameters)[1:]
            if inspect.signature(cls.build).parameters[p].kind
            not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        if "build" in cls.__dict__:
            cls.build = _record_build_shapes(cls.__dict__["build"])

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable=True,
        dtype=None,
        autocast=True,
        name=None,
        **kwargs,
    ):
        torch.nn.Module.__init__(self)
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        if kwargs:
            raise _unknown_arguments(type(self), kwargs)
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            batch_size, input_shape = batch_input_shape[0], tuple(batch_input_shape[1:])
        self._input_shape_arg = tuple(input_shape) if input_shape is not None else None
        self._batch_size_arg = batch_size
        if not isinstance(trainable, bool):
            raise ArgumentError("trainable", "a bool", trainable, type(self).__name__)
        if name is None:
            name = naming.auto_name(type(self).__name__)
        elif not isinstance(name, str) or "/" in name:
            raise ArgumentError(
                "name", "a string without '/'", name, type(self).__name__
            )
        self._init_operation(name)
        self._dtype_policy = dtype_policies.get(dtype)
        from ember import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.autocast = autocast
        self._trainable = trainable
        self.built = False
        self.supports_masking = self._computes_masks
        self._input_spec = None
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._losses = []
        self._loss_epoch = -1
        self._mode_set_by_user = False

    # ------------------------------------------------------------------ weights
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        overwrite_with_gradient=False,
        name=None,
    ) -> Variable:
        """Creates a weight of this layer (an `nn.Parameter`) and tracks it.

        Args:
            shape: Shape tuple. Defaults to `()` (a scalar).
            initializer: Initializer name, object or callable. Defaults to
                `"glorot_uniform"` for floats and `"zeros"` otherwise.
            dtype: Dtype name. Defaults to the layer's variable dtype.
            trainable: Whether the optimizer updates it. Defaults to `True`.
            regularizer: Regularizer whose loss joins `layer.losses`.
            constraint: Constraint applied after each optimizer update.
            name: The weight's name (its path is `<layer name>/<name>`).
        """
        from ember import constraints, initializers, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = dtypes.standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtypes.is_float_dtype(dtype) else "zeros"
        initializer = initializers.get(initializer)
        name = name or "variable"
        # Weights are real tensors even when created during shape inference.
        with torch.device(self._weight_device()), torch.no_grad():
            value = initializer(shape, dtype=dtype)
            # Contiguous: some initializers (Orthogonal) return a transposed
            # view, and fused optimizer kernels and shards want plain layouts.
            value = torch.as_tensor(
                value, dtype=dtypes.to_torch_dtype(dtype)
            ).contiguous()
        if tuple(value.shape) != shape:
            raise ValueError(
                f"Initializer {initializer!r} for weight '{name}' of layer "
                f"'{self.name}' returned shape {tuple(value.shape)}, expected {shape}."
            )
        variable = make_variable(
            value.detach(),
            name=name,
            path=f"{self.name}/{name}",
            trainable=bool(trainable) and self._trainable,
            regularizer=regularizers.get(regularizer),
            constraint=constraints.get(constraint),
        )
        if trainable:
            # Under a sharding distribution: split across processes.
            variable = sharding.on_create(variable)
        (
            self._trainable_variables if trainable else self._non_trainable_variables
        ).append(variable)
        key = name if name not in self._parameters and not hasattr(self, name) else None
        key = key or naming_key(self._parameters, name)
        self.register_parameter(key, variable)
        return variable

    add_variable = add_weight

    def _weight_device(self):
        for tensor in self._trainable_variables + self._non_trainable_variables:
            return tensor.device
        return torch.device("cpu")

    @property
    def _layers(self) -> list:
        """Direct sublayers (and plain torch modules), lists and dicts flattened."""
        layers = []
        for module in self._modules.values():
            if tracking.is_mirror(module):
                layers.extend(
                    module.values()
                    if isinstance(module, torch.nn.ModuleDict)
                    else module
                )
            elif module is not None:
                layers.append(module)
        return layers

    def _flatten_layers(self, include_self=True, recursive=True) -> list:
        seen, result = set(), [self] if include_self else []
        pending = list(self._layers)
        while pending:
            layer = pending.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            result.append(layer)
            if recursive and isinstance(layer, Layer):
                pending[:0] = layer._layers
        return result

    @property
    def weights(self) -> list:
        """All weights: own trainable, own non-trainable, then sublayers', in order."""
        result, seen = [], set()
        for w in self._own_weights():
            if id(w) not in seen:
                seen.add(id(w))
                result.append(w)
        for layer in self._layers:
            sub = (
                layer.weights if isinstance(layer, Layer) else list(layer.parameters())
            )
            for w in sub:
                if id(w) not in seen:
                    seen.add(id(w))
                    result.append(w)
        return result

    def _own_weights(self):
        return self._trainable_variables + self._non_trainable_variables

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        return [w for w in self.weights if w.requires_grad]

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        return [w for w in self.weights if not w.requires_grad]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        """Returns the weights as numpy arrays, in `weights` order and Keras layouts."""
        return [host_copy(sharding.full_value(w)) for w in self.weights]

    def set_weights(self, weights) -> None:
        """Sets the weights from numpy arrays, in `weights` order and Keras layouts."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a "
                f"weight list of length {len(weights)}, but the layer was expecting "
                f"{len(own)} weights ({[_weight_label(w) for w in own]}). "
                + (
                    ""
                    if self.built
                    else "The layer is not built yet: call it on data or "
                    "`build(input_shape)` first."
                )
            )
        values = []
        for variable, value in zip(own, weights):
            value = np.asarray(value)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Layer '{self.name}' weight {_weight_label(variable)} has shape "
                    f"{tuple(variable.shape)}, which is not compatible with the "
                    f"provided weight shape {tuple(value.shape)}."
                )
            values.append(value)
        # Every shape checked first: nothing is half-set on error.
        with torch.no_grad():
            for variable, value in zip(own, values):
                variable.copy_(torch.as_tensor(value, dtype=variable.dtype))

    def count_params(self) -> int:
        """Number of scalars in all weights."""
        if not self.built and not self.weights:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the "
                "layer isn't built. Build it first by calling it on data or with "
                "`layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ---------------------------------------------------------------- trainable
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        value = bool(value)
        self._trainable = value
        for variable in self._trainable_variables:
            variable.requires_grad_(value)
        for layer in self._layers:
            if isinstance(layer, Layer):
                layer.trainable = value
            else:
                layer.requires_grad_(value)

    def train(self, mode: bool = True):
        # `model.train()` / `model.eval()` in plain torch code set the default of
        # the `training` argument; Keras code passes `training` instead.
        super().train(mode)
        self._mode_set_by_user = True
        return self

    # ------------------------------------------------------------------- dtypes
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._dtype_policy = dtype_policies.get(value)

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (e.g. `"float32"`)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    # ------------------------------------------------------------------- losses
    @property
    def losses(self) -> list:
        """Losses added in the last forward pass, plus weight regularization."""
        current = _STATE.loss_epoch
        result = []
        for layer in self._flatten_layers():
            if isinstance(layer, Layer):
                if layer._loss_epoch == current:
                    result.extend(layer._losses)
                for w in layer._trainable_variables + layer._non_trainable_variables:
                    if w.regularizer is not None:
                        result.append(w.regularizer(sharding.use(w)))
        return result

    def add_loss(self, loss) -> None:
        """Adds a scalar loss (e.g. a regularization term) from inside `call`."""
        current = _STATE.loss_epoch
        if self._loss_epoch != current:
            self._losses = []
            self._loss_epoch = current
        self._losses.append(loss)

    # -------------------------------------------------------------------- build
    def build(self, input_shape) -> None:
        """Creates the layer's weights. Override it; called once, on first call."""
        self.built = True

    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value):
        self._input_spec = value

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        shapes = _shapes_for_build(type(self)._build_params, self, args, kwargs)
        self.build(*shapes[0], **shapes[1])
        self.built = True
        if "_build_shapes_dict" not in self.__dict__:
            params = type(self)._build_params or ["input_shape"]
            recorded = dict(zip(params, shapes[0])) if shapes[0] else shapes[1]
            self.__dict__["_build_shapes_dict"] = recorded or None

    # --------------------------------------------------------------------- call
    def call(self, *args, **kwargs):
        """The layer's computation. Override it."""
        raise TypeError(
            f"Layer '{self.name}' ({type(self).__name__}) has no `call` method: "
            "subclasses of ember.layers.Layer must define `call(self, inputs)`."
        )

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        if args:
            _check_first_argument(self, args[0])
        if any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        return self._eager_call(args, kwargs)

    def _eager_call(self, args, kwargs):
        state = _STATE
        first = args[0] if args else next(iter(kwargs.values()), None)
        # The common case (one tensor of the compute dtype) skips conversion.
        if (
            kwargs
            or len(args) != 1
            or not isinstance(first, torch.Tensor)
            or (
                self.autocast
                and first.dtype != self._dtype_policy.torch_compute_dtype
                and first.is_floating_point()
            )
        ):
            args, kwargs = self._convert_inputs(args, kwargs)
            first = args[0] if args else next(iter(kwargs.values()), None)
        if not self.built:
            self._maybe_build(args, kwargs)
        if self._input_spec is not None and first is not None:
            assert_input_compatibility(self._input_spec, first, self.name)

        # Training: explicit argument > outer layer's call > torch's
        # train()/eval() when the user set it > `call`'s default > None.
        outer_training = state.training
        if self._call_has_training:
            training = kwargs.get("training")
            if training is None:
                training = outer_training
                if training is None and self._mode_set_by_user:
                    training = self.training
                if training is None:
                    training = self._call_training_default
                kwargs["training"] = training
        else:
            training = kwargs.pop("training", None) if kwargs else None
            if training is None:
                training = outer_training

        previous_mask = kwargs.get("mask") if self._call_has_mask else None
        if previous_mask is None and first is not None:
            previous_mask = _get_mask(first)
            if previous_mask is not None and self._call_has_mask:
                kwargs["mask"] = previous_mask

        depth = state.depth
        if depth == 0:
            state.loss_epoch += 1
        state.depth, state.training = depth + 1, training
        try:
            if state.meta_pass:
                with meta_weights(self):
                    outputs = torch.nn.Module.__call__(self, *args, **kwargs)
            elif sharding.any_created():
                # Weights split across processes: computed with whole.
                with sharding.gathered_weights(self):
                    outputs = self._module_call(args, kwargs, first)
            else:
                outputs = self._module_call(args, kwargs, first)
        finally:
            state.depth, state.training = depth, outer_training

        if self.activity_regularizer is not None:
            for out in tree.flatten(outputs):
                if isinstance(out, torch.Tensor) and out.ndim > 0:
                    loss = self.activity_regularizer(out)
                    self.add_loss(loss / out.shape[0])
        if self.supports_masking and (
            previous_mask is not None or self._computes_masks
        ):
            _set_masks(outputs, self.compute_mask(first, previous_mask))
        return outputs

    def _module_call(self, args, kwargs, first):
        if self._dtype_policy.is_mixed and _autocast_off(self, first):
            # Mixed precision: float32 weights meet half-precision inputs;
            # autocast runs matmuls and convolutions in the compute dtype,
            # as Keras reads variables in it inside a layer's call.
            with torch.autocast(
                first.device.type, dtype=self._dtype_policy.torch_compute_dtype
            ):
                return torch.nn.Module.__call__(self, *args, **kwargs)
        return torch.nn.Module.__call__(self, *args, **kwargs)

    def _convert_inputs(self, args, kwargs):
        convert = functools.partial(_convert_input, self)
        return tree.map_structure(convert, args), {
            k: (tree.map_structure(convert, v) if k not in ("training", "mask") else v)
            for k, v in kwargs.items()
        }

    def _symbolic_call(self, args, kwargs):
        if not self.built:
            self._maybe_build(args, kwargs)
        first = args[0] if args else next(iter(kwargs.values()), None)
        if self._input_spec is not None and first is not None:
            assert_input_compatibility(self._input_spec, first, self.name)
        # A layer with its own shape rule overrides `compute_output_spec`.
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_mask(self, inputs, previous_mask=None):
        """The output mask; by default the input mask passes through."""
        return previous_mask

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensor(s) for KerasTensor inputs, inferred on meta."""
        outputs = compute_output_spec(
            lambda *a, **k: self._eager_call(a, k), args, kwargs
        )
        if (
            isinstance(outputs, KerasTensor)
            and type(self).compute_output_shape is not Layer.compute_output_shape
            and any(
                isinstance(x, KerasTensor) and x.dtype == dtypes.STRING
                for x in tree.flatten((args, kwargs))
            )
        ):
            # Text was stood in for by empty strings, whose output sizes say
            # nothing of real text's (a sequence length): the layer's own shape
            # rule gives them.
            first = args[0] if args else next(iter(kwargs.values()))
            shape = self.compute_output_shape(first.shape)
            outputs = KerasTensor(tuple(shape), outputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        """Output shape(s) for an input shape, inferred on torch's meta device."""
        shapes = _as_shape_structure(input_shape)
        if isinstance(shapes, list):
            spec = [KerasTensor(s, self.compute_dtype) for s in shapes]
        else:
            spec = KerasTensor(shapes, self.compute_dtype)
        if not self.built:
            self._maybe_build((spec,), {})
        out = self.compute_output_spec(spec)
        return tree.map_structure(
            lambda t: t.shape if isinstance(t, KerasTensor) else t, out
        )

    # ------------------------------------------------------ graph conveniences
    def _only_node(self, what):
        if not self._inbound_nodes:
            raise ValueError(
                f"Layer '{self.name}' has never been called on a symbolic input, so "
                f"it has no defined {what}. Call it on `ember.Input(...)` first."
            )
        return self._inbound_nodes[0]

    @property
    def input(self):
        node = self._only_node("input")
        return (
            node.input_tensors[0]
            if len(node.input_tensors) == 1
            else node.input_tensors
        )

    @property
    def output(self):
        return self._only_node("output").output_structure

    # -------------------------------------------------------------- serialization
    def get_build_config(self):
        """The input shape(s) the layer was built with, for `build_from_config`.

        `{"input_shape": shape}` for one input, `{"shapes_dict": {...}}` when
        `build` takes several shapes; `None` for a layer never built from a
        shape.
        """
        shapes = self.__dict__.get("_build_shapes_dict")
        if not shapes:
            return None
        if len(shapes) == 1:
            return {"input_shape": next(iter(shapes.values()))}
        return {"shapes_dict": dict(shapes)}

    def build_from_config(self, config) -> None:
        """Creates the layer's weights from what `get_build_config` returned.

        A layer (or subclassed model) without its own `build` is built by
        running it once on symbolic inputs of the recorded shape, as Keras does.
        """
        if not config:
            return
        if "input_shape" in config:
            shape = config["input_shape"]
            shape = None if shape is None else _as_shape_structure(shape)
            if shape is None:
                pass
            elif type(self).build is Layer.build:
                if isinstance(shape, list):
                    spec = [KerasTensor(s, self.input_dtype) for s in shape]
                else:
                    spec = KerasTensor(shape, self.input_dtype)
                self.compute_output_spec(spec)
            else:
                self.build(shape)
            recorded = {"input_shape": shape}
        elif "shapes_dict" in config:
            recorded = {
                key: None if value is None else _as_shape_structure(value)
                for key, value in config["shapes_dict"].items()
            }
            self.build(**recorded)
        else:
            return
        self.built = True
        self.__dict__["_build_shapes_dict"] = recorded

    def save_own_variables(self, store) -> None:
        """Writes the layer's own variables into `store` as "0", "1", ...

        The order is Keras's: own trainable, then own non-trainable variables
        (sublayers save their own). Override it, with `load_own_variables`, to
        control how the layer's state is saved.
        """
        for index, variable in enumerate(self._own_weights()):
            store[str(index)] = variable

    def load_own_variables(self, store) -> None:
        """Reads the variables `save_own_variables` wrote (or Keras's)."""
        own = self._own_weights()
        if len(store.keys()) != len(own):
            if not own and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built, so it has no variables, "
                    f"but the weights file lists {len(store.keys())} for it. Build "
                    "it first (call it on data or `build(input_shape)`), or give it "
                    "`build_from_config()` to create its state when loading."
                )
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables, but received "
                f"{len(store.keys())} variables during loading. Expected: "
                f"{[_weight_label(w) for w in own]}."
            )
        with torch.no_grad():
            for index, variable in enumerate(own):
                value = store[str(index)]
                if not isinstance(value, torch.Tensor):  # bfloat16 comes as torch
                    value = torch.as_tensor(np.asarray(value))
                variable.copy_(value.to(dtype=variable.dtype))

    def get_config(self) -> dict:
        """The layer's constructor arguments, as a JSON-serializable dict."""
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": self._dtype_policy.get_config(),
                "registered_name": None,
            },
        }
        if self.activity_regularizer is not None:
            from ember import regularizers

            config["activity_regularizer"] = regularizers.serialize(
                self.activity_regularizer
            )
        own_init = type(self).__init__
        if own_init is not Layer.__init__ and type(self).get_config is Layer.get_config:
            auto = getattr(self, "_auto_config", None)
            if auto is None or not _is_plain(auto):
                raise TypeError(
                    f"Layer '{self.name}' ({type(self).__name__}) has constructor "
                    "arguments that are not plain Python values, so it cannot "
                    "describe itself: override `get_config()` to return them "
                    "(and `from_config()` if they need rebuilding)."
                )
            config.update(auto)
        return config

    @classmethod
    def from_config(cls, config):
        """Creates a layer from the dict `get_config()` returned."""
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config="
                f"{config}. Exception: {error}. If the class's constructor takes "
                "arguments that `get_config()` does not return, override "
                "`from_config()`."
            ) from error

    def extra_repr(self) -> str:
        return f"name={self.name}, built={self.built}"

    def __setattr__(self, name, value):
        if isinstance(value, Variable) and any(v is value for v in self._own_weights()):
            # `self.kernel = self.add_weight(...)`: keep one registration, under
            # the attribute's name.
            for key, param in list(self._parameters.items()):
                if param is value and key != name:
                    del self._parameters[key]
            self._parameters[name] = value
            self.__dict__.pop(name, None)
            return
        if isinstance(value, (list, dict, tuple)) and "_modules" in self.__dict__:
            self._modules.pop(name, None)
            value = tracking.track(self, name, value)
            if name in self._modules:
                # Tracked: the container lives in __dict__, its mirror in _modules.
                self.__dict__[name] = value
                return
        elif name in self.__dict__ and isinstance(
            self.__dict__[name], tracking._Mirror
        ):
            self._modules.pop(name, None)
        super().__setattr__(name, value)

    def __repr__(self):
        return torch.nn.Module.__repr__(self)


# ---------------------------------------------------------------------- helpers
def _record_build_shapes(build):
    """Wraps a class's `build` to record the shapes it was called with (for
    `get_build_config`); the outermost call of a `super().build` chain wins."""
    signature = inspect.signature(build)

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        try:
            arguments = dict(signature.bind(self, *args, **kwargs).arguments)
        except TypeError:
            return result
        arguments.pop(next(iter(signature.parameters)), None)
        for key, param in signature.parameters.items():
            if param.kind == inspect.Parameter.VAR_KEYWORD and key in arguments:
                arguments.update(arguments.pop(key))
            elif param.kind == inspect.Parameter.VAR_POSITIONAL:
                arguments.pop(key, None)
        self.__dict__["_build_shapes_dict"] = arguments or None
        return result

    return wrapper


def naming_key(store, name):
    index = 1
    while f"{name}_{index}" in store:
        index += 1
    return f"{name}_{index}"


def _weight_label(w):
    return getattr(w, "name", "weight") + str(tuple(w.shape))


def _is_plain(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _autocast_off(layer, first) -> bool:
    return (
        layer.autocast
        and isinstance(first, torch.Tensor)
        and not torch.is_autocast_enabled(first.device.type)
    )


def _get_mask(x):
    if isinstance(x, torch.Tensor):
        return getattr(x, "_keras_mask", None)
    if isinstance(x, (list, tuple)):
        masks = [getattr(t, "_keras_mask", None) for t in x]
        return None if all(m is None for m in masks) else masks
    return getattr(x, "_keras_mask", None)


def _set_masks(outputs, masks):
    if masks is None:
        return
    flat_out = tree.flatten(outputs)
    flat_masks = tree.flatten(masks) if isinstance(masks, (list, tuple)) else [masks]
    for out, mask in zip(flat_out, flat_masks):
        if isinstance(out, torch.Tensor) and mask is not None:
            try:
                out._keras_mask = mask
            except (AttributeError, RuntimeError):
                pass


def _convert_input(layer, x):
    if isinstance(x, np.ndarray) and x.dtype.kind in "OUS":
        return x  # strings stay NumPy (torch has none) for preprocessing layers
    if isinstance(x, np.ndarray) or (
        isinstance(x, (np.generic,)) and not isinstance(x, np.str_)
    ):
        x = torch.as_tensor(np.asarray(x), device=layer._weight_device())
    if (
        layer.autocast
        and isinstance(x, torch.Tensor)
        and x.is_floating_point()
        and dtypes.is_float_dtype(layer.compute_dtype)
    ):
        target = dtypes.to_torch_dtype(layer.compute_dtype)
        if x.dtype != target:
            mask = getattr(x, "_keras_mask", None)
            x = x.to(target)
            if mask is not None:
                x._keras_mask = mask
    return x


def _shape_of(x):
    if isinstance(x, (KerasTensor, torch.Tensor, np.ndarray)):
        return tuple(None if d is None else int(d) for d in x.shape)
    if isinstance(x, (list, tuple, dict)):
        return tree.map_structure(_shape_of, x)
    return None


def _shapes_for_build(build_params, layer, args, kwargs):
    if not build_params:
        return (), {}
    call_params = list(inspect.signature(layer.call).parameters)
    bound = dict(zip(call_params, args))
    bound.update(kwargs)
    if len(build_params) == 1:
        first = args[0] if args else next(iter(kwargs.values()))
        return (_shape_of(first),), {}
    shapes = {}
    for param in build_params:
        source = param[: -len("_shape")] if param.endswith("_shape") else param
        if source in bound:
            shapes[param] = _shape_of(bound[source])
    return (), shapes


def _as_shape_structure(shape):
    if (
        isinstance(shape, (list, tuple))
        and shape
        and all(isinstance(s, (list, tuple)) for s in shape)
    ):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _check_first_argument(layer, x):
    if (
        isinstance(x, (tuple, list))
        and x
        and all(isinstance(d, (int, np.integer)) or d is None for d in x)
    ):
        raise TypeError(
            f"`{type(layer).__name__}` (layer '{layer.name}') was called on a "
            f"tuple {tuple(x)}. Layers are called on tensors; to declare the input "
            f"shape use `ember.Input(shape={tuple(x[1:]) if x[0] is None else tuple(x)})` "
            "and call the layer on that."
        )


def _unknown_arguments(cls, kwargs):
    valid = set(_BASE_KWARGS) | {
        "name",
        "dtype",
        "trainable",
        "activity_regularizer",
        "autocast",
    }
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            init = getattr(init, "__wrapped__", init)
            valid |= {
                p.name
                for p in inspect.signature(init).parameters.values()
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self"
            }
    lines = []
    for key in kwargs:
        close = difflib.get_close_matches(key, sorted(valid), n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        lines.append(
            f"`{cls.__name__}` got an unexpected keyword argument `{key}`.{hint}"
        )
    lines.append(f"Valid arguments of `{cls.__name__}`: {', '.join(sorted(valid))}.")
    return UnknownArgumentError(" ".join(lines))


_INIT_STATE = threading.local()


def _explain_init_errors(init):
    """Wraps a layer class's `__init__`: records the constructor arguments for
    `get_config` and turns argument errors into messages naming the class."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        depth = getattr(_INIT_STATE, "depth", 0)
        _INIT_STATE.depth = depth + 1
        try:
            init(self, *args, **kwargs)
        except ArgumentError as error:
            if error.owner is not None:
                raise
            argument = _argument_holding(signature, self, args, kwargs, error)
            raise error.with_owner(type(self).__name__, argument) from None
        except TypeError as error:
            try:
                signature.bind(self, *args, **kwargs)
            except TypeError:
                raise _signature_error(type(self), signature, args, kwargs) from None
            raise error
        finally:
            _INIT_STATE.depth = depth
        if depth == 0:
            bound = signature.bind(self, *args, **kwargs)
            auto = {}
            for key, value in list(bound.arguments.items())[1:]:
                if signature.parameters[key].kind == inspect.Parameter.VAR_KEYWORD:
                    auto.update(value)
                elif signature.parameters[key].kind != inspect.Parameter.VAR_POSITIONAL:
                    auto[key] = value
            for key in ("name", "trainable", "dtype"):
                auto.pop(key, None)
            self.__dict__["_auto_config"] = auto

    wrapper.__wrapped__ = init
    return wrapper


def _argument_holding(signature, self, args, kwargs, error):
    try:
        bound = signature.bind(self, *args, **kwargs).arguments
    except TypeError:
        return error.argument
    flat = {}
    for key, value in bound.items():
        if (
            isinstance(value, dict)
            and signature.parameters[key].kind == inspect.Parameter.VAR_KEYWORD
        ):
            flat.update(value)
        else:
            flat[key] = value
    matches = [
        k for k, v in flat.items() if v is error.received and error.argument in k
    ]
    if not matches:
        matches = [k for k, v in flat.items() if v is error.received]
    return matches[0] if len(matches) == 1 else error.argument


def _signature_error(cls, signature, args, kwargs):
    params = [p for p in signature.parameters.values() if p.name != "self"]
    required = [
        p.name
        for p in params
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    given = {p.name for p in params[: len(args)]} | set(kwargs)
    missing = [name for name in required if name not in given]
    example = ", ".join(f"{name}=..." for name in required)
    if missing:
        return TypeError(
            f"`{cls.__name__}` is missing the required argument"
            f"{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"`{m}`" for m in missing)
            + f". Call it as `{cls.__name__}({example})`."
        )
    positional = [
        p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return TypeError(
        f"`{cls.__name__}` takes at most {len(positional)} positional argument(s) "
        f"({', '.join(p.name for p in positional)}) but received {len(args)}: "
        f"{args!r}. Pass the others by keyword."
    )
