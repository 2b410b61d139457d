"""`Model`: a layer with training and saving; also the door to functional models.

`ember.Model(inputs, outputs)` makes a `Functional` model; subclassing `Model`
and defining `call()` makes a subclassed model whose layers are its attributes.
"""

from ember.layers.layer import Layer
from ember.trainers.trainer import Trainer


class Model(Trainer, Layer):
    """A model: groups layers, and is itself a layer.

    Two ways to make one: call it with `inputs` and `outputs` (the functional
    API), or subclass it, create layers in `__init__` and use them in `call()`.

    Example:

    >>> inputs = ember.Input(shape=(3,))
    >>> outputs = ember.layers.Dense(2)(inputs)
    >>> model = ember.Model(inputs=inputs, outputs=outputs)

    >>> class MLP(ember.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = ember.layers.Dense(8, activation="relu")
    ...         self.out = ember.layers.Dense(2)
    ...     def call(self, x):
    ...         return self.out(self.hidden(x))
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from ember.models.functional import Functional

            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if _is_functional_call(args, kwargs):
            from ember.models.functional import Functional

            if not isinstance(self, Functional):
                # A subclass passing inputs/outputs to `super().__init__` is a
                # functional model too: give it Functional as a base.
                self.__class__ = _functional_subclass(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        super().__init__(**kwargs)
        self._init_trainer()

    @property
    def layers(self) -> list:
        """The model's direct sublayers, in the order they were assigned."""
        return self._flatten_layers(include_self=False, recursive=False)

    def get_layer(self, name=None, index=None):
        """Returns a sublayer by `name` or by `index` (position in `layers`)."""
        if index is not None and name is not None:
            raise ValueError(
                "Provide either a layer name or layer index at `get_layer`, not both. "
                f"Received: name={name!r}, index={index!r}."
            )
        if isinstance(name, int) and index is None:
            name, index = None, name
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model "
                    f"'{self.name}' only has {len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if getattr(layer, "name", None) == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: "
                f"{[getattr(layer, 'name', type(layer).__name__) for layer in layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Prints a table of the model's layers, output shapes and parameter counts.

        Args:
            line_length: Total width of the table. Defaults to fit the columns.
            positions: Relative or absolute column end positions.
            print_fn: Function called with each line. Defaults to `print`.
            expand_nested: Whether to list the layers of nested models.
            show_trainable: Whether to add a column with each layer's
                trainable state.
            layer_range: `[first_name, last_name]` to print part of the model.
        """
        from ember.utils.summary_utils import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def get_config(self) -> dict:
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a model: a functional config replays the graph (for
        `Model`, `Functional` and subclasses with Functional's constructor);
        any other config is passed to the constructor."""
        from ember.models.functional import Functional, _functional_like_constructor
        from ember.saving._functional_config import (
            functional_from_config,
            is_functional_config,
        )

        if is_functional_config(config) and (
            cls in (Model, Functional) or _functional_like_constructor(cls)
        ):
            target = Functional if cls is Model else cls
            return functional_from_config(target, config, custom_objects)
        return super().from_config(config)

    # ------------------------------------------------------------- saving
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        super().compile(
            optimizer=optimizer,
            loss=loss,
            loss_weights=loss_weights,
            metrics=metrics,
            weighted_metrics=weighted_metrics,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            auto_scale_loss=auto_scale_loss,
        )
        # What `get_compile_config` writes (Keras's keys), as resolved here.
        self.__dict__["_compile_config"] = {
            "optimizer": self.optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": bool(run_eagerly),
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile is True and not run_eagerly,
        }

    compile.__doc__ = Trainer.compile.__doc__

    def get_compile_config(self) -> dict:
        """The arguments the model was compiled with, serialized (`{}` if it
        was not compiled)."""
        config = self.__dict__.get("_compile_config")
        if not self.compiled or config is None:
            return {}
        from ember.saving import serialization_lib

        return serialization_lib.serialize_dict(config)

    def compile_from_config(self, config) -> None:
        """Compiles the model as `get_compile_config` describes, and builds the
        optimizer so its saved state can be loaded."""
        import warnings

        from ember.saving import serialization_lib

        if not config:
            return
        if type(self).compile is not Model.compile:
            warnings.warn(
                "`compile()` was not called as part of model loading because the "
                "model's `compile()` method is custom. Subclassed models that "
                "override `compile()` should also override `get_compile_config()` "
                "and `compile_from_config(config)`, or call `compile()` after "
                "loading.",
                stacklevel=2,
            )
            return
        config = serialization_lib.deserialize_keras_object(config)
        self.compile(**config)
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs) -> None:
        """Saves the model to a `.keras` file (Keras 3's format).

        The zip holds `config.json`, `metadata.json` and `model.weights.h5`;
        Keras 3 and ember both load it. Written atomically.

        Args:
            filepath: Path ending in `.keras`.
            overwrite: Whether to replace an existing file silently. Defaults
                to `True`.
            zipped: Must be `None` or `True` (ember writes zipped files).
        """
        from ember.saving import saving_api

        saving_api.save_model(
            self, filepath, overwrite=overwrite, zipped=zipped, **kwargs
        )

    def save_weights(self, filepath, overwrite=True, max_shard_size=None) -> None:
        """Saves the weights (and optimizer state) to a `.weights.h5` file in
        Keras 3's layout. Written atomically."""
        from ember.saving import saving_api

        saving_api.save_weights(
            self, filepath, overwrite=overwrite, max_shard_size=max_shard_size
        )

    def load_weights(self, filepath, skip_mismatch=False, **kwargs) -> None:
        """Loads weights from a `.weights.h5` (or `.keras`) file.

        Every value is checked before any is assigned: a mismatch raises and
        leaves the model unchanged, unless `skip_mismatch=True` (mismatched
        layers are then skipped with a warning).
        """
        from ember.saving import saving_api

        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config (Keras 3's format) as a JSON string; rebuild it
        with `ember.models.model_from_json`."""
        import json

        from ember.saving import serialization_lib

        return json.dumps(serialization_lib.serialize_keras_object(self), **kwargs)

    def export(
        self,
        filepath,
        format="tf_saved_model",  # noqa: A002 - Keras's argument name
        verbose=None,
        input_signature=None,
        **kwargs,
    ) -> None:
        """Exports the model's inference pass as a standalone artifact.

        ember exports `format="onnx"` (torch's ONNX exporter; needs the `onnx`
        and `onnxscript` packages): `None` dims of the inputs stay dynamic, so the
        file serves any batch size. Keras's default, `"tf_saved_model"`, and its
        other formats need TensorFlow or other runtimes and are refused.

        Args:
            filepath: Where to write the artifact.
            format: `"onnx"`.
            verbose: Print where the artifact went. Defaults to `True`.
            input_signature: Shapes and dtypes of the inputs (see
                `ember.export.export_onnx`); defaults to the model's inputs.
            **kwargs: `opset_version` for ONNX.
        """
        if format != "onnx":
            raise ValueError(
                f"Model '{self.name}'.export(format={format!r}): ember exports "
                "format='onnx' only (a TensorFlow SavedModel, LiteRT or OpenVINO "
                "artifact needs those runtimes). Call "
                "`model.export(path, format='onnx')`, or `model.save(path)` for a "
                "`.keras` file."
            )
        from ember.export import export_onnx

        export_onnx(
            self,
            filepath,
            verbose=verbose,
            input_signature=input_signature,
            **kwargs,
        )


def _is_functional_call(args, kwargs) -> bool:
    from ember.backend import tree
    from ember.backend.keras_tensor import KerasTensor

    if len(args) >= 2:
        inputs = args[0]
    elif len(args) == 1 and "outputs" in kwargs:
        inputs = args[0]
    elif "inputs" in kwargs and "outputs" in kwargs:
        inputs = kwargs["inputs"]
    else:
        return False
    flat = tree.flatten(inputs)
    return bool(flat) and all(isinstance(x, KerasTensor) for x in flat)


_FUNCTIONAL_SUBCLASSES = {}


def _functional_subclass(cls):
    from ember.models.functional import Functional

    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(
            cls.__name__,
            (cls, Functional),
            {
                "__module__": cls.__module__,
                "__qualname__": cls.__qualname__,
            },
        )
    return _FUNCTIONAL_SUBCLASSES[cls]
