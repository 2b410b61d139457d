"""`GroupNormalization`: normalizes groups of channels within each sample."""

import numbers

import torch

from ember import constraints, initializers, regularizers
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.normalization.base_normalization import resolve_axes
from ember.layers.weight_settings import set_weight_settings


class GroupNormalization(Layer):
    """Splits the channels into groups and normalizes each group per sample.

    For each sample, the channels are divided into `groups` groups of equal
    size; every group is normalized by the mean and variance of its channels
    over all non-batch axes. With `groups=1` this is layer normalization over
    all features; with `groups=-1` (one channel per group) it is instance
    normalization. Independent of the batch size, it behaves the same in
    training and inference. Statistics are computed in at least float32.

    Args:
        groups: Positive integer dividing the number of channels, or `-1`
            for one group per channel. Defaults to `32`.
        axis: Integer, the channel axis. Defaults to `-1`.
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

    Call arguments:
        inputs: A tensor of rank 2 or more.

    Input shape:
        Any, with a known number of channels divisible by `groups`.

    Output shape:
        The input's.

    Example:

    >>> GroupNormalization(groups=2)(torch.randn(3, 5, 4)).shape
    torch.Size([3, 5, 4])
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
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
        if (
            not isinstance(groups, numbers.Integral)
            or isinstance(groups, bool)
            or (groups <= 0 and groups != -1)
        ):
            raise ArgumentError(
                "groups",
                "a positive integer (or -1 for instance normalization)",
                groups,
            )
        if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
            raise ArgumentError("axis", "an integer", axis)
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        set_weight_settings(self, arguments, ("beta", "gamma"))
        self.supports_masking = True
        self.autocast = False

    def build(self, input_shape):
        (axis,) = resolve_axes(self, self.axis, input_shape)
        channels = input_shape[axis]
        where = f"`GroupNormalization` (layer '{self.name}')"
        if channels is None:
            raise ValueError(
                f"{where} needs a known number of channels on axis {self.axis}, "
                f"but received an input of shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise ValueError(
                f"{where} splits {channels} channels (axis {self.axis} of input "
                f"shape {tuple(input_shape)}) into groups={self.groups}: the "
                "number of channels must be a multiple of `groups`."
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=(channels,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(channels,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                name="beta",
            )
        self._channel_axis = axis
        self.built = True

    def call(self, inputs):
        x = inputs if inputs.dtype in _FULL_PRECISION else inputs.float()
        gamma, beta = (
            w if w is None or w.dtype == x.dtype else w.to(x.dtype)
            for w in (self.gamma, self.beta)
        )
        # torch's fused kernel wants channels on dim 1. The moved copy is made
        # contiguous: torch 2.13's CPU backward segfaults on a channels_last
        # view whose input needs no gradient (and CUDA copies anyway).
        axis = self._channel_axis
        x = x if axis == 1 else x.movedim(axis, 1).contiguous()
        outputs = torch.nn.functional.group_norm(
            x, self.groups, gamma, beta, self.epsilon
        )
        outputs = outputs if axis == 1 else outputs.movedim(1, axis)
        dtype = self._dtype_policy.torch_compute_dtype
        return outputs if outputs.dtype == dtype else outputs.to(dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, groups={self.groups}, axis={self.axis}"


_FULL_PRECISION = (torch.float32, torch.float64)
