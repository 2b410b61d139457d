"""`Loss`, the base class of losses, and how per-sample losses become one number.

A loss object is called as `loss(y_true, y_pred, sample_weight=None)`:

1. `y_true` and `y_pred` are cast to the loss's dtype (`float32` by default).
2. `call(y_true, y_pred)` returns the per-sample losses (one value per sample,
   or per sample and timestep, ...).
3. A mask on `y_pred` (`y_pred._keras_mask`) and one on the losses merge into
   the sample weights, which scale the losses.
4. The reduction turns the weighted losses into a scalar (or leaves them).

Everything stays on the losses' device: no value is read by the host.
"""

import functools
import struct

import torch

from ember import dtype_policies
from ember.backend import compiler, config, tree
from ember.backend.dtypes import standardize_dtype, to_torch_dtype
from ember.backend.keras_tensor import any_symbolic
from ember.backend.naming import auto_name
from ember.backend.symbolic import FunctionOperation
from ember.ops import convert_to_tensor, result_type

REDUCTIONS = (
    "sum_over_batch_size",
    "sum",
    "mean",
    "mean_with_sample_weight",
    "none",
    None,
)


class Loss:
    """Base class of losses: subclass it and implement `call(y_true, y_pred)`.

    `call` returns the unreduced losses; calling the loss object applies the
    sample weights, masks and the reduction.

    Args:
        name: Name of the loss. Defaults to a unique snake_case name derived
            from the class name (`"loss"`, `"loss_1"`, ...).
        reduction: How the weighted per-sample losses become the result:
            `"sum_over_batch_size"` (or its synonym `"mean"`) sums them and
            divides by their number, `"sum"` sums them,
            `"mean_with_sample_weight"` sums them and divides by the sum of the
            sample weights, `"none"` or `None` returns them unreduced.
            Defaults to `"sum_over_batch_size"`.
        dtype: Dtype the loss computes in (a name or a `DTypePolicy`, whose
            compute dtype is used). Defaults to `ember.config.floatx()`.

    Call arguments:
        y_true: Ground-truth values (any nested structure `call` accepts).
        y_pred: Predicted values. A boolean `_keras_mask` attribute on it
            drops masked entries from the loss.
        sample_weight: Optional weights, broadcast against the per-sample
            losses: a scalar, one weight per sample `(batch,)` or per sample
            and timestep `(batch, timesteps)`.

    Example:

    >>> class MeanSquaredError(ember.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return torch.mean(torch.square(y_pred - y_true), dim=-1)
    >>> loss = MeanSquaredError()
    >>> float(loss(torch.zeros(2, 3), torch.ones(2, 3)))
    1.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype_policy = dtype_policies.get(dtype or config.floatx())
        self._dtype = self._dtype_policy.compute_dtype

    @property
    def dtype(self) -> str:
        """The dtype the loss computes in, e.g. `"float32"`."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None) -> torch.Tensor:
        if any_symbolic((y_true, y_pred, sample_weight)):
            operation = FunctionOperation(self.__call__, name=self.name)
            return operation(y_true, y_pred, sample_weight)
        in_mask = getattr(y_pred, "_keras_mask", None)
        dtype = self._dtype_policy.torch_compute_dtype
        if _is_tensor(y_pred):
            like = y_pred
        else:
            like = next((x for x in tree.flatten(y_pred) if _is_tensor(x)), None)
        y_pred = _as_tensors(y_pred, dtype, like)
        y_true = _as_tensors(y_true, dtype, like)
        losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)
        if in_mask is not None and out_mask is not None:
            mask = in_mask & out_mask
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(
            losses,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=dtype,
        )

    def call(self, y_true, y_pred) -> torch.Tensor:
        """Returns the unreduced losses. Subclasses implement it."""
        raise TypeError(
            f"`{type(self).__name__}` does not implement `call(y_true, y_pred)`. "
            "Subclasses of `Loss` implement `call`, returning the per-sample "
            "losses; calling the loss object then weights and reduces them."
        )

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        """Rebuilds a loss from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def standardize_reduction(reduction):
    """Returns `reduction` if it is one Keras accepts, else raises `ValueError`."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`: expected one of "
            "'sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', "
            f"'none' or None. Received: reduction={reduction!r}."
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Aligns two tensors whose ranks differ by one in a trailing axis of size 1.

    The one of higher rank loses that axis, except that a rank-1 partner gains
    one instead when `expand_rank_1` is true: `(batch, 1)` and `(batch,)` become
    `(batch, 1)` twice. Other rank differences are left to broadcasting.
    """
    rank1, rank2 = x1.ndim, x2.ndim
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduces already weighted `values` as `reduction` says.

    Scalars and empty 1-D tensors are returned as they are.
    """
    if reduction in (None, "none") or values.ndim == 0 or tuple(values.shape) == (0,):
        return values
    loss = torch.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(loss, torch.sum(sample_weight).to(loss.dtype))
    # The count is known on the host: one division, no `where` (an empty
    # tensor sums to 0, which Keras returns rather than 0 / 0).
    count = values.numel()
    loss = loss.to(_division_dtype(loss.dtype, loss.dtype))
    return loss / count if count else loss


def reduce_weighted_values(
    values,
    sample_weight=None,
    mask=None,
    reduction="sum_over_batch_size",
    dtype=None,
):
    """Weights `values` by `sample_weight` and `mask`, then reduces them.

    Args:
        values: The unreduced losses.
        sample_weight: Optional weights, broadcast against `values` after a
            trailing axis of size 1 is squeezed or added
            (see `squeeze_or_expand_to_same_rank`).
        mask: Optional boolean mask of `values`' shape: masked entries weigh 0.
            For the mean reductions the others are scaled so that the result
            is the mean over the unmasked entries.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        dtype: Dtype of the computation. Defaults to `values`' dtype.

    Returns:
        The reduced loss (a scalar), or the weighted losses for `"none"`.
    """
    reduction = standardize_reduction(reduction)
    dtype = None if dtype is None else to_torch_dtype(dtype)
    values = _as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = _as_tensor(sample_weight, values.dtype, values)
    if mask is not None:
        mask = _as_tensor(mask, None, values)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = sample_weight.to(values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        _check_broadcast(values, sample_weight, "the losses", "`sample_weight`")
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merges a mask of the losses into the sample weights.

    Masked entries get weight 0. For `"sum_over_batch_size"` and `"mean"` the
    unmasked ones get `total / valid`, so that dividing the weighted sum by the
    total number of entries gives the mean over the `valid` unmasked ones.
    """
    if mask is None:
        return sample_weight
    dtype = to_torch_dtype(dtype)
    bool_mask = mask if mask.dtype == torch.bool else mask != 0
    if reduction in ("mean", "sum_over_batch_size"):
        total = torch.full((), mask.numel(), dtype=dtype, device=mask.device)
        valid = torch.sum(mask.to(dtype))
        float_mask = torch.where(bool_mask, _divide_no_nan(total, valid), 0.0)
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = sample_weight.to(dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, sample_weight
    )
    _check_broadcast(
        float_mask, sample_weight, "the mask of `y_pred`", "`sample_weight`"
    )
    return sample_weight * float_mask


def _divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 where `x2` is 0 (both tensors, as Keras divides).

    The result has Keras's dtype for a division: float32 even for float64
    operands, as Keras returns its mean reductions.
    """
    dtype = _division_dtype(x1.dtype, x2.dtype)
    x1, x2 = x1.to(dtype), x2.to(dtype)
    zero = x2 == 0
    return torch.where(zero, 0.0, x1 / torch.where(zero, torch.ones_like(x2), x2))


@compiler.assume_constant_result
def _division_dtype(dtype1, dtype2) -> torch.dtype:
    # A constant for `torch.compile`, which need not trace the dtype lattice.
    return _cached_division_dtype(dtype1, dtype2)


@functools.lru_cache(maxsize=64)
def _cached_division_dtype(dtype1, dtype2) -> torch.dtype:
    kinds = (standardize_dtype(dtype1), standardize_dtype(dtype2), float)
    return to_torch_dtype(result_type(*kinds))


def _check_broadcast(values, weights, values_name, weights_name):
    """Raises a `ValueError` naming the shapes when they cannot broadcast."""
    if values.shape == weights.shape:
        return
    try:
        torch.broadcast_shapes(values.shape, weights.shape)
    except RuntimeError:
        shape = tuple(values.shape)
        raise ValueError(
            f"{weights_name} of shape {tuple(weights.shape)} cannot be broadcast "
            f"to {values_name}, of shape {shape}. Pass one weight per sample "
            f"with shape {shape[:1] + (1,) * (len(shape) - 1)}, or one weight "
            f"per entry with shape {shape}."
        ) from None


def _is_tensor(x) -> bool:
    return isinstance(x, torch.Tensor)


def _as_tensors(x, dtype, like):
    """Every leaf of `x` as a tensor of `dtype` (see `_as_tensor`); nested
    lists of Python numbers are one tensor, not a structure."""
    if isinstance(x, dict):
        return {key: _as_tensors(value, dtype, like) for key, value in x.items()}
    if isinstance(x, (list, tuple)) and not _is_number_list(x):
        return type(x)(_as_tensors(item, dtype, like) for item in x)
    return _as_tensor(x, dtype, like)


def _is_number_list(x) -> bool:
    if isinstance(x, (list, tuple)):
        return all(_is_number_list(item) for item in x)
    return isinstance(x, (bool, int, float))


def _as_tensor(x, dtype=None, like=None) -> torch.Tensor:
    """`x` as a tensor of `dtype` (if given), on the device of tensor `like`.

    Moving to `like`'s device (labels on the CPU, predictions on a GPU) costs
    one asynchronous host-to-device copy, as any input batch does.
    """
    if not isinstance(x, torch.Tensor):
        x = convert_to_tensor(x, dtype)
    elif dtype is not None and x.dtype != dtype:
        x = x.to(dtype)
    if like is not None and x.device != like.device and like.device.type != "meta":
        # Asynchronous only towards an accelerator: a copy to the CPU must
        # land before CPU kernels read it.
        x = x.to(like.device, non_blocking=like.device.type != "cpu")
    return x


def _true_pred(y_true, y_pred):
    """The two arguments of a loss function as tensors: `y_pred` as it comes
    (integers become `floatx()`), `y_true` in `y_pred`'s dtype and device."""
    y_pred = _as_tensor(y_pred)
    if not (y_pred.dtype.is_floating_point or y_pred.dtype.is_complex):
        y_pred = y_pred.to(to_torch_dtype(config.floatx()))
    return _as_tensor(y_true, y_pred.dtype, y_pred), y_pred


def _mean(x, dim=-1):
    """`torch.mean` over `dim` that, as Keras's, averages integers and booleans
    as `floatx()` (the metrics' function forms pass integer tensors)."""
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(to_torch_dtype(config.floatx()))
    return torch.mean(x, dim=dim)


def _float32(value: float) -> float:
    """`value` rounded to the nearest float32, as a Python float."""
    return struct.unpack("f", struct.pack("f", value))[0]
