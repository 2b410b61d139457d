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
