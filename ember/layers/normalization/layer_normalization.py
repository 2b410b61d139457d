"""`LayerNormalization`: normalizes each sample over its feature axes."""

import warnings

import torch

from ember import constraints, initializers, regularizers
from ember.backend.arguments import passed
from ember.layers.layer import Layer
from ember.layers.normalization.base_normalization import (
    check_axis_sizes,
    resolve_axes,
    standardize_axis,
)
from ember.layers.weight_settings import set_weight_settings


class LayerNormalization(Layer):
    """Normalizes each sample to zero mean and unit variance over `axis`.

    Unlike `BatchNormalization`, statistics are computed per sample (over the
    feature axes), so training and inference behave the same. The output is
    `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with `gamma` and
    `beta` of the normalized axes' shape. Statistics are computed in at least
    float32; the output has the layer's compute dtype.

    Args:
        axis: Integer or list of integers, the axes to normalize over
            (typically the features). Defaults to `-1`.
        epsilon: Small float added to the variance. Defaults to `1e-3`.
        center: Whether to add the learned offset `beta`. Defaults to `True`.
        scale: Whether to multiply by the learned scale `gamma`. Defaults to
            `True`.
        beta_initializer: Initializer of `beta`. Defaults to `"zeros"`.
        gamma_initializer: Initializer of `gamma`. Defaults to `"ones"`.
        beta_regularizer: Regularizer of `beta`. Defaults to `None`.
        gamma_regularizer: Regularizer of `gamma`. Defaults to `None`.
        beta_constraint: Constraint of `beta`. Defaults to `None`.
        gamma_constraint: Constraint of `gamma`. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
            The deprecated `rms_scaling=True` (kept for old configs) divides
            by the standard deviation without centering and has no `beta`;
            use `RMSNormalization` instead.

    Call arguments:
        inputs: A tensor.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> LayerNormalization()(torch.randn(2, 5, 8)).shape
    torch.Size([2, 5, 8])
    """

    def __init__(
        self,
        axis=-1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        arguments = passed(locals())
        rms_scaling = bool(kwargs.pop("rms_scaling", False))
        if rms_scaling:
            warnings.warn(
                "`LayerNormalization(rms_scaling=True)` is deprecated: it divides "
                "by the standard deviation, not the root mean square. Use "
                "`RMSNormalization` for RMS normalization.",
                UserWarning,
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = standardize_axis(axis, "LayerNormalization")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        set_weight_settings(self, arguments, ("beta", "gamma"))
        self.supports_masking = True
        # Statistics need the input's own precision (at least float32).
        self.autocast = False

    def build(self, input_shape):
        dims = resolve_axes(self, self.axis, input_shape)
        check_axis_sizes(self, input_shape, dims)
        # As Keras: `axis` becomes a sorted list, and the weights take the
        # sizes of the axes in that order.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        self.gamma = self.beta = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                name="gamma",
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                name="beta",
            )
        rank = len(input_shape)
        self._dims = tuple(dims)
        self._broadcast_shape = [
            input_shape[d] if d in dims else 1 for d in range(rank)
        ]
        # Trailing axes, listed in increasing order, go to torch's fused
        # `layer_norm`. Others (e.g. axis=[-1, 1], which Keras keeps in that
        # order) reshape the weights to the input's axis order, as Keras does.
        in_order = [a % rank for a in self.axis]
        self._trailing = (
            in_order == list(range(rank - len(dims), rank)) and not self.rms_scaling
        )
        self._normalized_shape = shape
        self.built = True

    def call(self, inputs):
        x = inputs if inputs.dtype in _FULL_PRECISION else inputs.float()
        gamma, beta = (
            w if w is None or w.dtype == x.dtype else w.to(x.dtype)
            for w in (self.gamma, self.beta)
        )
        if self._trailing:
            outputs = torch.nn.functional.layer_norm(
                x, self._normalized_shape, gamma, beta, self.epsilon
            )
        else:
            outputs = self._normalize(x, gamma, beta)
        dtype = self._dtype_policy.torch_compute_dtype
        return outputs if outputs.dtype == dtype else outputs.to(dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, axis={self.axis}"

    def _normalize(self, x, gamma, beta):
        if x.ndim != len(self._broadcast_shape):
            raise ValueError(
                f"`LayerNormalization` (layer '{self.name}') was built for inputs "
                f"of rank {len(self._broadcast_shape)}, but received an input of "
                f"shape {tuple(x.shape)}."
            )
        if self.rms_scaling:
            variance = torch.var(x, dim=self._dims, keepdim=True, correction=0)
            outputs = x * torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma.reshape(self._broadcast_shape)
            return outputs
        variance, mean = torch.var_mean(x, dim=self._dims, keepdim=True, correction=0)
        inv = torch.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma.reshape(self._broadcast_shape)
        shift = -mean * inv
        if beta is not None:
            shift = shift + beta.reshape(self._broadcast_shape)
        return x * inv + shift


_FULL_PRECISION = (torch.float32, torch.float64)
