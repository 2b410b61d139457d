"""Math ops beyond NumPy: segment reductions, top-k, special functions, FFTs."""

import torch

from ember.backend.symbolic import symbolic_op
from ember.ops._operands import axes, tensor, to_float


def _segment_reduce(data, segment_ids, num_segments, reduce, name):
    data = tensor(data)
    segment_ids = tensor(segment_ids, like=data).long()
    if num_segments is None:
        num_segments = int(segment_ids.max()) + 1 if segment_ids.numel() else 0
    if segment_ids.ndim != 1 or segment_ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"Argument `segment_ids` of `{name}` must be a 1-D tensor as long as "
            f"the first axis of `data`. Received: segment_ids.shape="
            f"{tuple(segment_ids.shape)}, data.shape={tuple(data.shape)}."
        )
    # Ids outside [0, num_segments) land in one extra row, dropped at the end.
    valid = (segment_ids >= 0) & (segment_ids < num_segments)
    ids = torch.where(valid, segment_ids, num_segments)
    ids = ids.reshape(-1, *([1] * (data.ndim - 1))).expand_as(data)
    if reduce == "sum":
        fill = 0
    elif data.dtype.is_floating_point:
        fill = float("-inf") if reduce == "amax" else float("inf")
    elif data.dtype == torch.bool:
        fill = reduce != "amax"
    else:
        info = torch.iinfo(data.dtype)
        fill = info.min if reduce == "amax" else info.max
    if reduce == "prod":
        fill = 1
    out = torch.full(
        (num_segments + 1, *data.shape[1:]), fill, dtype=data.dtype, device=data.device
    )
    out = out.scatter_reduce(0, ids, data, reduce, include_self=True)
    return out[:num_segments]


@symbolic_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums the rows of `data` that share a segment id.

    Args:
        data: Tensor whose first axis is segmented.
        segment_ids: 1-D int tensor, one id per row of `data`.
        num_segments: Number of segments; defaults to `max(segment_ids) + 1`.
        sorted: Accepted for API compatibility (ids need not be sorted).

    Returns:
        A tensor of shape `(num_segments, *data.shape[1:])`.
    """
    return _segment_reduce(data, segment_ids, num_segments, "sum", "segment_sum")


@symbolic_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of `data` sharing a segment id (`-inf` if empty)."""
    return _segment_reduce(data, segment_ids, num_segments, "amax", "segment_max")


@symbolic_op
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minimum of the rows of `data` sharing a segment id (`inf` if empty)."""
    return _segment_reduce(data, segment_ids, num_segments, "amin", "segment_min")


@symbolic_op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of `data` sharing a segment id (1 if empty)."""
    return _segment_reduce(data, segment_ids, num_segments, "prod", "segment_prod")


@symbolic_op
def top_k(x, k, sorted=True):
    """The `k` largest entries along the last axis: `(values, indices)`.

    Indices are `int32`, as Keras's symbolic shapes (and JAX) give them.
    """
    values, indices = torch.topk(tensor(x), k, dim=-1, sorted=sorted)
    return torch.return_types.topk((values, indices.int()))


@symbolic_op
def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the `k` largest (ties count).

    Args:
        targets: 1-D int tensor of class indices, one per row.
        predictions: 2-D tensor `(batch, num_classes)` of scores.
        k: Number of top predictions to consider.

    Returns:
        A 1-D bool tensor.
    """
    predictions = tensor(predictions)
    targets = tensor(targets, like=predictions).long()
    kth = torch.topk(predictions, k, dim=-1).values[..., -1:]
    target_scores = torch.take_along_dim(predictions, targets[:, None], dim=-1)
    return (target_scores >= kth)[:, 0]


@symbolic_op
def logsumexp(x, axis=None, keepdims=False):
    """Computes `log(sum(exp(x)))` along `axis`, stably."""
    x = to_float(tensor(x))
    return torch.logsumexp(x, dim=axes(axis, x.ndim), keepdim=keepdims)


@symbolic_op
def rsqrt(x):
    """Computes `1 / sqrt(x)` element-wise."""
    return torch.rsqrt(to_float(tensor(x)))


@symbolic_op
def erf(x):
    """Computes the error function element-wise."""
    return torch.erf(to_float(tensor(x)))


@symbolic_op
def erfc(x):
    """Computes the complementary error function `1 - erf(x)` element-wise."""
    return torch.erfc(to_float(tensor(x)))


@symbolic_op
def erfinv(x):
    """Computes the inverse error function element-wise."""
    return torch.erfinv(to_float(tensor(x)))


@symbolic_op
def logdet(x):
    """Computes the log of the determinant of Hermitian positive-definite matrices."""
    return torch.logdet(to_float(tensor(x)))


@symbolic_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames the last axis into windows of `sequence_length`, `sequence_stride` apart.

    Returns a tensor of shape `(..., num_sequences, sequence_length)`.
    """
    return tensor(x).unfold(-1, sequence_length, sequence_stride)


def _complex(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(
            "Input `x` should be a tuple of two tensors: the real and imaginary "
            f"parts. Received: x={x!r}."
        )
    real, imag = tensor(x[0]), tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(
            "The real and imaginary parts must have the same shape. Received: "
            f"{tuple(real.shape)} and {tuple(imag.shape)}."
        )
    if not (real.dtype.is_floating_point and imag.dtype.is_floating_point):
        raise ValueError(
            "The real and imaginary parts must be float tensors. Received: "
            f"{real.dtype} and {imag.dtype}."
        )
    return torch.complex(real, imag)


def _parts(z):
    return torch.real(z), torch.imag(z)


@symbolic_op
def fft(x):
    """FFT along the last axis of `x = (real, imag)`; returns `(real, imag)`."""
    return _parts(torch.fft.fft(_complex(x)))


@symbolic_op
def fft2(x):
    """2-D FFT along the last two axes of `x = (real, imag)`."""
    return _parts(torch.fft.fft2(_complex(x)))


@symbolic_op
def ifft2(x):
    """Inverse 2-D FFT along the last two axes of `x = (real, imag)`."""
    return _parts(torch.fft.ifft2(_complex(x)))


@symbolic_op
def rfft(x, fft_length=None):
    """Real-input FFT along the last axis; returns `(real, imag)`."""
    return _parts(torch.fft.rfft(tensor(x), n=fft_length, dim=-1))


@symbolic_op
def irfft(x, fft_length=None):
    """Inverse of `rfft` for `x = (real, imag)`; returns a real tensor."""
    return torch.fft.irfft(_complex(x), n=fft_length, dim=-1)


@symbolic_op
def cdist(x, y):
    """Euclidean distances between the rows of `x` and `y` (batched)."""
    x, y = to_float(tensor(x)), to_float(tensor(y, like=x))
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError("`cdist` inputs must have rank 2 or more.")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "The last axes of the `cdist` inputs must match. Received: "
            f"{tuple(x.shape)} and {tuple(y.shape)}."
        )
    diff = x.unsqueeze(-2) - y.unsqueeze(-3)
    return torch.sqrt(torch.sum(diff * diff, dim=-1))
