"""Activation functions (`keras.activations`), by name and as functions.

`get("relu")`, `get(None)` (linear), `get(callable)` and `get(config_dict)` give
the function; `serialize(fn)` gives the name Keras 3 writes in a model's config,
and `deserialize` reads it back.
"""

import torch

from ember import ops
from ember.backend.errors import ArgumentError
from ember.backend.serialization import serialize_object
from ember.backend.symbolic import symbolic_op


@symbolic_op
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit.

    With the defaults, `max(x, 0)`. Otherwise `x` for `threshold <= x <
    max_value`, `max_value` above it, and `negative_slope * (x - threshold)`
    below `threshold`.

    Args:
        x: Input tensor.
        negative_slope: Slope for values below `threshold`. Defaults to `0.0`.
        max_value: Saturation value (largest output), or `None`.
        threshold: Values below it are damped or zeroed. Defaults to `0.0`.

    Returns:
        A tensor with the shape and dtype of `x`.

    Example:

    >>> ember.activations.relu([-10.0, -5.0, 0.0, 5.0, 10.0], max_value=5.0)
    tensor([0., 0., 0., 5., 5.])
    """
    x = ops.convert_to_tensor(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    below = torch.relu(threshold - x) if negative_slope != 0.0 else None
    if threshold != 0:
        out = torch.where(x > threshold, x, torch.zeros_like(x))
    else:
        out = torch.relu(x)
    if max_value is not None:
        out = torch.clamp(out, 0, max_value)
    if below is not None:
        out = out - negative_slope * below
    return out


@symbolic_op
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: `x` if `x >= 0`, else `negative_slope * x`."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


@symbolic_op
def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return ops.relu6(x)


@symbolic_op
def softmax(x, axis=-1):
    """Softmax: `exp(x) / sum(exp(x))` along `axis`, a probability distribution.

    Args:
        x: Input tensor (any rank, including 1).
        axis: Integer (or tuple of integers), the axis along which to normalize.
            Defaults to `-1`.
    """
    return ops.softmax(x, axis=axis)


@symbolic_op
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`."""
    return ops.elu(x, alpha=alpha)


@symbolic_op
def selu(x):
    """Scaled exponential linear unit: `scale * elu(x, alpha)` with fixed constants.

    Use with `LecunNormal` initialization and `AlphaDropout`.
    """
    return ops.selu(x)


@symbolic_op
def softplus(x):
    """Softplus: `log(exp(x) + 1)`."""
    return ops.softplus(x)


@symbolic_op
def softsign(x):
    """Softsign: `x / (abs(x) + 1)`."""
    return ops.softsign(x)


@symbolic_op
def soft_shrink(x, threshold=0.5):
    """Soft shrink: `x - threshold` above it, `x + threshold` below `-threshold`."""
    return ops.soft_shrink(x, threshold=threshold)


@symbolic_op
def sparse_plus(x):
    """SparsePlus: 0 below -1, `x` above 1, `(x + 1)**2 / 4` between."""
    return ops.sparse_plus(x)


@symbolic_op
def silu(x):
    """Swish (or SiLU): `x * sigmoid(x)`."""
    return ops.silu(x)


swish = silu


@symbolic_op
def squareplus(x, b=4):
    """Squareplus: `(x + sqrt(x**2 + b)) / 2`, a smooth ReLU."""
    return ops.squareplus(x, b=b)


@symbolic_op
def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * P(X <= x)` for `X ~ N(0, 1)`.

    Args:
        x: Input tensor.
        approximate: Whether to use the tanh approximation. Defaults to `False`
            (unlike `ember.ops.gelu`, whose default is `True`).
    """
    return ops.gelu(x, approximate=approximate)


@symbolic_op
def celu(x, alpha=1.0):
    """Continuously differentiable ELU.

    `max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))`.
    """
    return ops.celu(x, alpha=alpha)


@symbolic_op
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)`, the two halves of `x` along `axis`."""
    return ops.glu(x, axis=axis)


@symbolic_op
def tanh(x):
    """Hyperbolic tangent: `(exp(x) - exp(-x)) / (exp(x) + exp(-x))`."""
    return ops.tanh(x)


@symbolic_op
def tanh_shrink(x):
    """Tanh shrink: `x - tanh(x)`."""
    return ops.tanh_shrink(x)


@symbolic_op
def hard_tanh(x):
    """Hard tanh: `x` clipped to `[-1, 1]`."""
    return ops.hard_tanh(x)


@symbolic_op
def hard_shrink(x, threshold=0.5):
    """Hard shrink: `x` where `|x| > threshold`, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


@symbolic_op
def threshold(x, threshold, default_value):
    """Threshold: `x` where `x > threshold`, else `default_value`."""
    return ops.threshold(x, threshold, default_value)


@symbolic_op
def sigmoid(x):
    """Sigmoid: `1 / (1 + exp(-x))`, in `(0, 1)`."""
    return ops.sigmoid(x)


@symbolic_op
def exponential(x):
    """Exponential: `exp(x)`."""
    return ops.exp(x)


@symbolic_op
def hard_sigmoid(x):
    """Hard sigmoid: 0 below -3, 1 above 3, `x / 6 + 0.5` between."""
    return ops.hard_sigmoid(x)


@symbolic_op
def log_sigmoid(x):
    """Logarithm of the sigmoid: `-softplus(-x)`."""
    return ops.log_sigmoid(x)


@symbolic_op
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 below -1, 1 above 1, `(x + 1) / 2` between."""
    return ops.sparse_sigmoid(x)


@symbolic_op
def hard_silu(x):
    """Hard SiLU (hard swish): 0 below -3, `x` above 3, `x * (x + 3) / 6` between."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def linear(x):
    """Linear activation: returns `x` unchanged."""
    return x


@symbolic_op
def mish(x):
    """Mish: `x * tanh(softplus(x))`."""
    return ops.mish(x)


@symbolic_op
def log_softmax(x, axis=-1):
    """Log-softmax: `x - log(sum(exp(x)))` along `axis`."""
    return ops.log_softmax(x, axis=axis)


@symbolic_op
def sparsemax(x, axis=-1):
    """Sparsemax: projects `x` onto the probability simplex (sparse outputs)."""
    return ops.sparsemax(x, axis=axis)


_BY_NAME = {
    fn.__name__: fn
    for fn in (
        relu,
        leaky_relu,
        relu6,
        softmax,
        celu,
        elu,
        selu,
        softplus,
        softsign,
        squareplus,
        soft_shrink,
        sparse_plus,
        silu,
        gelu,
        glu,
        tanh,
        tanh_shrink,
        threshold,
        sigmoid,
        sparse_sigmoid,
        exponential,
        hard_sigmoid,
        hard_silu,
        hard_tanh,
        hard_shrink,
        linear,
        mish,
        log_softmax,
        log_sigmoid,
        sparsemax,
    )
}
_ALIASES = {"swish": silu, "hard_swish": hard_silu}
_BUILTINS = {id(fn) for fn in _BY_NAME.values()}


def _unknown(identifier):
    return ArgumentError(
        "activation",
        "a string name such as 'relu', a callable or None",
        identifier,
        hint=f"Known activation names: {', '.join(sorted(names()))}.",
    )


def names() -> list:
    """Returns the names `get` accepts, aliases included."""
    return [*_BY_NAME, *_ALIASES]


def serialize(activation):
    """Returns the config of an activation: its name for built-ins.

    Other functions give Keras's function dict (`{"class_name": "function",
    "config": name, ...}`); objects with `get_config` give their class and config.
    """
    if id(activation) in _BUILTINS:
        return activation.__name__
    if hasattr(activation, "get_config"):
        # No built-in is a class, so an object is always written as a custom one.
        return serialize_object(activation, _BY_NAME, "keras.activations")
    name = getattr(activation, "__name__", None)
    if not callable(activation) or name is None or name == "<lambda>":
        raise ValueError(
            f"Cannot serialize activation {activation!r}: use a built-in name, a "
            "named function, or an object with `get_config()`."
        )
    return {
        "module": "builtins",
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }


def deserialize(config, custom_objects=None):
    """Returns the activation described by `config` (a name or a config dict).

    Args:
        config: A name such as `"relu"`, or a dict as `serialize` returns.
        custom_objects: Optional dict mapping names to custom functions or
            classes, searched before the built-ins.

    Returns:
        The activation callable.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        found = (
            custom_objects.get(config) or _BY_NAME.get(config) or _ALIASES.get(config)
        )
        if found is None:
            raise _unknown(config)
        return found
    if not isinstance(config, dict) or "class_name" not in config:
        raise _unknown(config)
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "function":
        registered = config.get("registered_name")
        for key in (inner, registered):
            if isinstance(key, str) and key in custom_objects:
                return custom_objects[key]
        return deserialize(inner, custom_objects)
    cls = custom_objects.get(class_name) or custom_objects.get(
        config.get("registered_name")
    )
    if cls is None:
        raise ValueError(
            f"Could not locate activation class '{class_name}'. Pass it in "
            f"`custom_objects`. Full config: {config!r}."
        )
    if hasattr(cls, "from_config"):
        return cls.from_config(inner or {})
    return cls(**(inner or {}))


def get(identifier):
    """Returns the activation function for `identifier`.

    Args:
        identifier: `None` (linear), a name such as `"relu"`, a config dict, or
            a callable (returned as is).

    Returns:
        A callable activation.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        found = _BY_NAME.get(identifier) or _ALIASES.get(identifier)
        if found is None:
            raise _unknown(identifier)
        return found
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise _unknown(identifier)
