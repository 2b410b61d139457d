"""`Lambda`: wraps a Python function as a layer."""

import inspect

from ember.backend import tree
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class Lambda(Layer):
    """Wraps a function of tensors as a layer: `function(inputs, **arguments)`.

    Meant for stateless expressions in `Sequential` and functional models;
    weights created inside `function` are not tracked, so write a `Layer`
    subclass for anything with state. If `function` accepts `mask` or
    `training`, the layer passes them on.

    `get_config()` holds the function object itself. Ember never turns code
    stored in a config or file back into a function: a config whose
    `function` is a serialized dict is refused, so rebuild such a layer from
    the Python function.

    Args:
        function: The function to apply; its first argument is the input
            tensor (or list of tensors).
        output_shape: The output shape, without the batch axis (a tuple, or a
            list of tuples for several outputs), or a function of the input
            shape returning the full output shape. Only needed where the
            shape cannot be inferred by running `function` on shape-only
            tensors. Defaults to `None` (inferred).
        mask: The output mask: a tensor, or a function
            `mask(inputs, previous_mask)`. Defaults to `None` (no mask).
        arguments: Dict of extra keyword arguments for `function`.
            Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: Whatever `function` accepts as its first argument.

    Input shape:
        Any.

    Output shape:
        As computed by `function`, or `output_shape`.

    Example:

    >>> Lambda(lambda x: x**2)(torch.tensor([[1.0, 2.0]]))
    tensor([[1., 4.]])
    """

    def __init__(
        self, function, output_shape=None, mask=None, arguments=None, **kwargs
    ):
        super().__init__(**kwargs)
        if not callable(function):
            raise ArgumentError(
                "function",
                "a callable",
                function,
                hint=(
                    "A function serialized in a config is not loaded: ember never "
                    "runs code stored in configs or files. Rebuild the Lambda "
                    "from the Python function."
                    if isinstance(function, dict)
                    else None
                ),
            )
        if isinstance(output_shape, list) and all(
            d is None or isinstance(d, int) for d in output_shape
        ):
            output_shape = tuple(output_shape)  # a shape read back from JSON
        self.function = function
        self.arguments = arguments or {}
        self.mask = mask
        self._output_shape = output_shape
        self.supports_masking = mask is not None
        parameters = _parameter_names(function)
        self._fn_expects_mask = "mask" in parameters
        self._fn_expects_training = "training" in parameters

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask:
            kwargs["mask"] = mask
        if self._fn_expects_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch_size = tree.flatten(input_shape)[0] if input_shape else None
        if isinstance(self._output_shape, list):
            return [(batch_size, *shape) for shape in self._output_shape]
        return (batch_size, *self._output_shape)

    def get_config(self) -> dict:
        config = {"function": self.function}
        if self._output_shape is not None:
            config["output_shape"] = self._output_shape
        if self.mask is not None:
            config["mask"] = self.mask
        config["arguments"] = self.arguments
        return {**super().get_config(), **config}


def _parameter_names(function) -> set:
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # some builtins expose no signature
        return set()
