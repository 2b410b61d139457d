"""`BatchNormalization`: normalizes each channel by batch (or moving) statistics."""

import numbers

import torch

from ember import constraints, initializers, regularizers
from ember.backend import config
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.normalization.base_normalization import (
    check_axis_sizes,
    resolve_axes,
)

# How `call` lays the input out for torch's kernels, which want channels on dim 1.
_AS_IS, _MOVE_LAST, _FLATTEN, _MOVE_ANY = range(4)


class BatchNormalization(Layer):
    """Normalizes each channel with the statistics of the batch, or of the past.

    In training (`training=True`, as `fit()` calls it) each channel is
    normalized with the mean and variance of the current batch, and the
    moving statistics are updated from them:
    `moving = moving * momentum + batch_statistic * (1 - momentum)`, with the
    batch's biased variance. In inference (the default) the moving statistics
    are used instead. The output is `gamma * (x - mean) / sqrt(variance +
    epsilon) + beta`.

    A frozen layer (`layer.trainable = False`) always runs in inference mode
    and leaves its moving statistics alone, as in Keras; this is what
    fine-tuning a pretrained network expects.

    Args:
        axis: Integer, the channel axis (the one kept). Use `1` after layers
            with `data_format="channels_first"`. Defaults to `-1`.
        momentum: Float, the momentum of the moving statistics. Defaults to
            `0.99`.
        epsilon: Small float added to the variance before the square root.
            Defaults to `1e-3`.
        center: Whether to add the learned offset `beta`. Defaults to `True`.
        scale: Whether to multiply by the learned scale `gamma`. Defaults to
            `True`.
        beta_initializer: Initializer of `beta`. Defaults to `"zeros"`.
        gamma_initializer: Initializer of `gamma`. Defaults to `"ones"`.
        moving_mean_initializer: Initializer of the moving mean. Defaults to
            `"zeros"`.
        moving_variance_initializer: Initializer of the moving variance.
            Defaults to `"ones"`.
        beta_regularizer: Regularizer of `beta`. Defaults to `None`.
        gamma_regularizer: Regularizer of `gamma`. Defaults to `None`.
        beta_constraint: Constraint of `beta`. Defaults to `None`.
        gamma_constraint: Constraint of `gamma`. Defaults to `None`.
        renorm: Whether to use batch renormalization (Ioffe, 2017), which
            corrects the batch statistics towards moving ones during training
            and adds the weights `moving_stddev`, `renorm_mean` and
            `renorm_stddev`. Defaults to `False`.
        renorm_clipping: Dict with optional keys `"rmax"`, `"rmin"`, `"dmax"`
            bounding the renorm corrections `r` (to `[rmin, rmax]`) and `d`
            (to `[-dmax, dmax]`). Defaults to `None` (no bounds).
        renorm_momentum: Float, the momentum of the renorm statistics.
            Defaults to `0.99`.
        synchronized: Whether training statistics are reduced across all
            processes of an initialized `torch.distributed` process group
            (as torch's `SyncBatchNorm`); without a process group it has no
            effect. Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of any rank.
        training: Whether to normalize with batch statistics and update the
            moving ones (`True`) or use the moving ones. Defaults to `None`
            (inference).
        mask: Optional boolean tensor of the input's shape without the last
            axis: only `True` positions enter the batch statistics.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> layer = BatchNormalization()
    >>> layer(torch.randn(8, 4, 4, 3), training=True).shape
    torch.Size([8, 4, 4, 3])
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm: bool = False,
        renorm_clipping: dict | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
            raise ArgumentError("axis", "an integer", axis)
        self.axis = int(axis)
        self.momentum = _float("momentum", momentum, "a float in [0, 1]", 0, 1)
        self.epsilon = _float("epsilon", epsilon, "a non-negative float", 0)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = bool(renorm)
        if self.renorm:
            _check_renorm_clipping(renorm_clipping)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = _float(
            "renorm_momentum", renorm_momentum, "a float in [0, 1]", 0, 1
        )
        self.synchronized = bool(synchronized)
        self.supports_masking = True
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        (axis,) = resolve_axes(self, self.axis, input_shape)
        check_axis_sizes(self, input_shape, [axis])
        shape = (input_shape[axis],)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                name="beta",
            )
        self.moving_mean = self.add_weight(
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            name="moving_mean",
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            name="moving_variance",
        )
        if self.renorm:
            self._build_renorm_weights(shape)
        rank = len(input_shape)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: shape[0]})
        self._channel_axis = axis
        self._reduction_axes = tuple(d for d in range(rank) if d != axis)
        if axis == 1:
            self._layout = _AS_IS
        elif axis == rank - 1:
            # NHWC / NDHWC: a channels-first view in torch's channels_last
            # memory format, which its kernels read without a copy.
            self._layout = _MOVE_LAST if rank in (4, 5) else _FLATTEN
        else:
            self._layout = _MOVE_ANY
        self.built = True

    def call(self, inputs, training=None, mask=None):
        # Statistics in at least float32, as Keras computes them.
        x = inputs if inputs.dtype in _FULL_PRECISION else inputs.float()
        if training and self.trainable:
            if mask is None and not self.renorm and not self._synced():
                outputs = self._fused_training(x)
            else:
                outputs = self._general_training(x, mask)
        else:
            mean, variance, gamma, beta = _cast(
                x.dtype, self.moving_mean, self.moving_variance, self.gamma, self.beta
            )
            outputs = torch.batch_norm(
                self._to_kernel_layout(x),
                gamma,
                beta,
                mean,
                variance,
                False,
                0.0,
                self.epsilon,
                torch.backends.cudnn.enabled,
            )
            outputs = self._from_kernel_layout(outputs, x)
        dtype = self._dtype_policy.torch_compute_dtype
        return outputs if outputs.dtype == dtype else outputs.to(dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(
                self.moving_mean_initializer
            ),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer
            ),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, axis={self.axis}, momentum={self.momentum}"

    # ------------------------------------------------------------- training
    def _fused_training(self, x):
        """One fused torch kernel normalizes and returns the batch mean and
        `1 / sqrt(var + epsilon)`; the moving statistics follow from those,
        so the input is read once for both (torch's own running-statistics
        update would use the unbiased variance, which Keras does not)."""
        gamma, beta = _cast(x.dtype, self.gamma, self.beta)
        outputs, mean, inv_std = torch.native_batch_norm(
            self._to_kernel_layout(x), gamma, beta, None, None, True, 0.0, self.epsilon
        )
        with torch.no_grad():
            variance = inv_std.pow(-2).sub_(self.epsilon).clamp_(min=0.0)
            self._update_moving_statistics(mean, variance)
        return self._from_kernel_layout(outputs, x)

    def _general_training(self, x, mask):
        if mask is not None:
            mean, variance = self._masked_moments(x, mask)
        elif self._synced():
            mean, variance = self._synced_moments(x)
        else:
            variance, mean = torch.var_mean(x, dim=self._reduction_axes, correction=0)
        gamma, beta = _cast(x.dtype, self.gamma, self.beta)
        if self.renorm:
            gamma, beta = self._renorm_transform(mean, variance, gamma, beta)
            self._update_renorm_statistics(mean.detach(), variance.detach())
        else:
            with torch.no_grad():
                self._update_moving_statistics(mean, variance)
        return self._normalize(x, mean, variance, gamma, beta)

    def _update_moving_statistics(self, mean, variance):
        # Keras's arithmetic: moving * momentum + batch * (1 - momentum).
        stats = [self.moving_mean, self.moving_variance]
        torch._foreach_mul_(stats, self.momentum)
        torch._foreach_add_(
            stats,
            [mean.to(stats[0].dtype), variance.to(stats[1].dtype)],
            alpha=1.0 - self.momentum,
        )

    def _masked_moments(self, x, mask):
        if mask.ndim != x.ndim - 1:
            raise ValueError(
                f"`BatchNormalization` (layer '{self.name}') needs a mask with "
                f"one axis less than its input: received mask.shape="
                f"{tuple(mask.shape)} for inputs.shape={tuple(x.shape)}."
            )
        keep = torch.broadcast_to(mask.unsqueeze(-1).bool(), x.shape)
        dims = self._reduction_axes
        weight = keep.to(x.dtype).sum(dim=dims, keepdim=True) + config.epsilon()
        mean = torch.where(keep, x, 0.0).sum(dim=dims, keepdim=True) / weight
        squares = torch.where(keep, x - mean, 0.0).square()
        variance = squares.sum(dim=dims, keepdim=True) / weight
        return mean.reshape(-1), variance.reshape(-1)

    def _synced_moments(self, x):
        dims = self._reduction_axes
        count = x.numel() // x.shape[self._channel_axis]
        local = torch.cat(
            [
                x.sum(dim=dims),
                x.square().sum(dim=dims),
                torch.full((1,), count, dtype=x.dtype, device=x.device),
            ]
        )
        total = _AllReduceSum.apply(local)
        channels = x.shape[self._channel_axis]
        mean = total[:channels] / total[-1]
        variance = total[channels:-1] / total[-1] - mean.square()
        return mean, variance.clamp(min=0.0)

    def _synced(self) -> bool:
        if not self.synchronized:
            return False
        import torch.distributed as dist

        return dist.is_available() and dist.is_initialized()

    # --------------------------------------------------------------- renorm
    def _build_renorm_weights(self, shape):
        variance_initializer = self.moving_variance_initializer

        def stddev_initializer(shape, dtype=None):
            fresh = _clone_initializer(variance_initializer)
            return torch.sqrt(torch.as_tensor(fresh(shape, dtype=dtype)))

        self.moving_stddev = self.add_weight(
            shape=shape,
            initializer=stddev_initializer,
            trainable=False,
            name="moving_stddev",
        )
        self.renorm_mean = self.add_weight(
            shape=shape,
            initializer=_clone_initializer(self.moving_mean_initializer),
            trainable=False,
            name="renorm_mean",
        )
        self.renorm_stddev = self.add_weight(
            shape=shape,
            initializer=stddev_initializer,
            trainable=False,
            name="renorm_stddev",
        )

    def _renorm_transform(self, mean, variance, gamma, beta):
        """Folds the renorm corrections `(r, d)` (no gradient) into gamma and
        beta: `(x_hat * r + d) * gamma + beta`."""
        with torch.no_grad():
            stddev = torch.sqrt(variance + self.epsilon)
            floor = torch.sqrt(torch.tensor(self.epsilon, dtype=mean.dtype))
            renorm_stddev = torch.maximum(
                self.renorm_stddev.to(mean.dtype), floor.to(mean.device)
            )
            r = stddev / renorm_stddev
            d = (mean - self.renorm_mean.to(mean.dtype)) / renorm_stddev
            clipping = self.renorm_clipping or {}
            if clipping.get("rmin") is not None:
                r = torch.clamp(r, min=clipping["rmin"])
            if clipping.get("rmax") is not None:
                r = torch.clamp(r, max=clipping["rmax"])
            if clipping.get("dmax") is not None:
                d = torch.clamp(d, -clipping["dmax"], clipping["dmax"])
        new_gamma = r if gamma is None else r * gamma
        new_beta = d if gamma is None else d * gamma
        return new_gamma, new_beta if beta is None else new_beta + beta

    def _update_renorm_statistics(self, mean, variance):
        with torch.no_grad():
            stddev = torch.sqrt(variance + self.epsilon)
            for stat, value, momentum in (
                (self.renorm_mean, mean, self.renorm_momentum),
                (self.renorm_stddev, stddev, self.renorm_momentum),
                (self.moving_mean, mean, self.momentum),
                (self.moving_stddev, stddev, self.momentum),
            ):
                stat.copy_(stat * momentum + value * (1.0 - momentum))
            # Rounding could make the difference negative: keep it at 0.
            self.moving_variance.copy_(
                torch.relu(self.moving_stddev.square() - self.epsilon)
            )

    # -------------------------------------------------------------- helpers
    def _normalize(self, x, mean, variance, gamma, beta):
        shape = [1] * x.ndim
        shape[self._channel_axis] = x.shape[self._channel_axis]
        inv = torch.rsqrt(variance.reshape(shape) + self.epsilon)
        if gamma is not None:
            inv = inv * gamma.reshape(shape)
        outputs = (x - mean.reshape(shape)) * inv
        return outputs if beta is None else outputs + beta.reshape(shape)

    def _to_kernel_layout(self, x):
        layout = self._layout
        if layout == _AS_IS:
            return x
        if layout == _MOVE_LAST:
            return x.movedim(-1, 1)
        if layout == _FLATTEN:
            return x.reshape(-1, x.shape[-1])
        return x.movedim(self._channel_axis, 1)

    def _from_kernel_layout(self, y, x):
        layout = self._layout
        if layout == _AS_IS:
            return y
        if layout == _MOVE_LAST:
            return y.movedim(1, -1)
        if layout == _FLATTEN:
            return y.reshape(x.shape)
        return y.movedim(1, self._channel_axis)


_FULL_PRECISION = (torch.float32, torch.float64)


def _cast(dtype, *weights):
    return [w if w is None or w.dtype == dtype else w.to(dtype) for w in weights]


def _float(name, value, expected, low, high=None):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or value < low
        or (high is not None and value > high)
    ):
        raise ArgumentError(name, expected, value)
    return float(value)


def _check_renorm_clipping(clipping):
    expected = "None or a dict with keys among 'rmax', 'rmin', 'dmax'"
    if clipping is None:
        return
    if not isinstance(clipping, dict) or set(clipping) - {"rmax", "rmin", "dmax"}:
        raise ArgumentError("renorm_clipping", expected, clipping)
    rmax, rmin, dmax = (clipping.get(k) for k in ("rmax", "rmin", "dmax"))
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ArgumentError(
            "renorm_clipping", "'rmax' no smaller than 'rmin'", clipping
        )
    if dmax is not None and dmax < 0:
        raise ArgumentError("renorm_clipping", "a non-negative 'dmax'", clipping)


class _AllReduceSum(torch.autograd.Function):
    """Sums a tensor over all processes; its gradient is summed the same way
    (every process's statistics depend on every process's inputs)."""

    @staticmethod
    def forward(ctx, tensor):
        import torch.distributed as dist

        total = tensor.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    @staticmethod
    def backward(ctx, grad):
        import torch.distributed as dist

        total = grad.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total


def _clone_initializer(initializer):
    # A fresh copy draws its own values (Keras clones seeded initializers too).
    if hasattr(initializer, "get_config") and hasattr(type(initializer), "from_config"):
        return type(initializer).from_config(initializer.get_config())
    return initializer
