"""`SpectralNormalization`: keeps a wrapped layer's kernel at spectral norm 1."""

import numbers

import torch

from ember import initializers
from ember.backend import dtypes
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer

# Keras's floor on a norm in its `normalize` (the backend epsilon).
_NORM_EPSILON = 1e-7


class SpectralNormalization(Layer):
    """Wraps a layer and divides its kernel by the kernel's largest singular value.

    Each training call runs `power_iterations` steps of power iteration,
    starting from the stored estimate `vector_u` of the top singular vector,
    and overwrites the wrapped layer's kernel with `kernel / sigma` (sigma is
    the estimated spectral norm) before calling the layer; as in Keras, the
    normalization is written into the kernel itself, and gradients reach the
    kernel as the wrapped layer uses it. An all-zero kernel is left alone.
    In inference the layer is called as is. This bounds the layer's Lipschitz
    constant, which stabilizes GAN training.

    Args:
        layer: A layer with a `kernel` weight (`Dense`, convolutions, ...)
            or an `embeddings` weight (`Embedding`).
        power_iterations: Positive integer, the power-iteration steps per
            training call. Defaults to `1`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: The wrapped layer's input.
        training: Whether to normalize the kernel before the call. Defaults
            to `False`.

    Input shape:
        The wrapped layer's.

    Output shape:
        The wrapped layer's.

    Example:

    >>> layer = SpectralNormalization(ember.layers.Dense(4))
    >>> layer(torch.randn(2, 3), training=True).shape
    torch.Size([2, 4])
    """

    def __init__(self, layer, power_iterations: int = 1, **kwargs):
        if not isinstance(layer, Layer):
            raise ArgumentError(
                "layer", "an ember layer with a `kernel` or `embeddings`", layer
            )
        if (
            not isinstance(power_iterations, numbers.Integral)
            or isinstance(power_iterations, bool)
            or power_iterations <= 0
        ):
            raise ArgumentError(
                "power_iterations", "a positive integer", power_iterations
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.power_iterations = int(power_iterations)
        self._kernel_name = None

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        for name in ("kernel", "embeddings"):
            if isinstance(getattr(self.layer, name, None), torch.Tensor):
                self._kernel_name = name
                break
        else:
            raise ValueError(
                f"`SpectralNormalization` (layer '{self.name}') wraps "
                f"`{type(self.layer).__name__}` (layer '{self.layer.name}'), which "
                "has no `kernel` or `embeddings` weight to normalize. Wrap a "
                "layer such as `Dense`, a convolution or `Embedding`."
            )
        kernel = self.kernel
        self.vector_u = self.add_weight(
            shape=(1, kernel.shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            dtype=dtypes.standardize_dtype(kernel.dtype),
            name="vector_u",
        )
        self.built = True

    @property
    def kernel(self):
        """The wrapped layer's kernel (or embeddings), which is normalized."""
        if self._kernel_name is None:
            return None
        return getattr(self.layer, self._kernel_name)

    def call(self, inputs, training=False):
        if training:
            self._normalize_kernel()
        outputs = self.layer(inputs)
        if outputs.dtype != inputs.dtype and inputs.is_floating_point():
            outputs = outputs.to(inputs.dtype)
        return outputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "layer": _serialize_layer(self.layer),
            "power_iterations": self.power_iterations,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize_layer(config.pop("layer"), custom_objects)
        return super().from_config({**config, "layer": layer})

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, power_iterations={self.power_iterations}"

    def _own_weights(self):
        # Keras tracks the wrapped kernel as the wrapper's first weight, so
        # `weights` reads [kernel, vector_u, <the layer's other weights>].
        own = super()._own_weights()
        kernel = self.kernel
        return own if kernel is None else [kernel] + own

    def load_own_variables(self, store) -> None:
        """Reads `[kernel, vector_u]`, the wrapper's own variables in Keras's
        files (the kernel is saved again under the wrapped layer)."""
        # Overridden so that loaders that count `_trainable_variables` alone
        # (which lack the borrowed kernel) defer to this layer's own count.
        super().load_own_variables(store)

    def _normalize_kernel(self):
        kernel, vector_u = self.kernel, self.vector_u
        with torch.no_grad():
            weights = kernel.reshape(-1, kernel.shape[-1])
            u = vector_u.to(weights.dtype)
            for _ in range(self.power_iterations):
                v = _l2_normalize(u @ weights.T)
                u = _l2_normalize(v @ weights)
            sigma = (v @ weights) @ u.T
            # No host sync: an all-zero kernel keeps its values via `where`.
            untouched = torch.all(kernel == 0)
            vector_u.copy_(torch.where(untouched, vector_u, u.to(vector_u.dtype)))
            kernel.copy_(torch.where(untouched, kernel, kernel / sigma))


def _l2_normalize(x):
    inverse_norm = torch.rsqrt(torch.sum(torch.square(x)))
    return x * torch.clamp(inverse_norm, max=1.0 / _NORM_EPSILON)


def _serialize_layer(layer) -> dict:
    cls = type(layer)
    builtin = _find_layer_class(cls.__name__) is cls
    return {
        "module": "keras.layers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": layer.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def _deserialize_layer(config, custom_objects=None):
    if isinstance(config, Layer):
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ArgumentError(
            "layer", "a layer or a layer config dict with a 'class_name'", config
        )
    custom_objects = custom_objects or {}
    names = (config.get("registered_name"), config["class_name"])
    cls = next((custom_objects[n] for n in names if n in custom_objects), None)
    cls = cls or _find_layer_class(config["class_name"])
    if cls is None:
        raise ArgumentError(
            "layer",
            "a config of a known layer class",
            config["class_name"],
            hint="Pass custom layer classes through `custom_objects`.",
        )
    layer = cls.from_config(config.get("config") or {})
    input_shape = (config.get("build_config") or {}).get("input_shape")
    if input_shape is not None and not layer.built:
        layer.build(tuple(input_shape))
        layer.built = True
    return layer


def _find_layer_class(name):
    """The ember layer class called `name`: public ones first, then any
    imported subclass of `Layer`."""
    import ember.layers

    found = getattr(ember.layers, name, None)
    if isinstance(found, type) and issubclass(found, Layer):
        return found
    pending = [Layer]
    while pending:
        cls = pending.pop()
        if cls.__name__ == name and cls.__module__.startswith("ember."):
            return cls
        pending.extend(cls.__subclasses__())
    return None
