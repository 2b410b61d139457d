"""Neural-network ops (`keras.ops.nn`): activations, losses, normalization, attention.

Convolutions and pooling live in `nn_conv` and `nn_pool`; `keras.ops.nn` has
them too, so they are re-exported here.
"""

import math
import warnings

import torch
import torch.nn.functional as F

from ember.backend import config
from ember.backend.dtypes import standardize_dtype, to_torch_dtype
from ember.backend.symbolic import symbolic_op
from ember.ops._operands import axes, promoted, tensor, to_float
from ember.ops.dtypes import promote_types
from ember.ops.nn_conv import conv as conv
from ember.ops.nn_conv import conv_transpose as conv_transpose
from ember.ops.nn_conv import depthwise_conv as depthwise_conv
from ember.ops.nn_conv import separable_conv as separable_conv
from ember.ops.nn_pool import average_pool as average_pool
from ember.ops.nn_pool import max_pool as max_pool

# --- Activations -----------------------------------------------------------------


def _activation(torch_fn, name, doc):
    def op(x):
        return torch_fn(tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return symbolic_op(op)


relu = _activation(F.relu, "relu", "Rectified linear unit: `max(x, 0)`.")
relu6 = _activation(F.relu6, "relu6", "Rectified linear unit 6: `min(max(x, 0), 6)`.")
sigmoid = _activation(torch.sigmoid, "sigmoid", "Sigmoid: `1 / (1 + exp(-x))`.")
softplus = _activation(F.softplus, "softplus", "Softplus: `log(exp(x) + 1)`.")
softsign = _activation(F.softsign, "softsign", "Softsign: `x / (abs(x) + 1)`.")
silu = _activation(F.silu, "silu", "Sigmoid linear unit: `x * sigmoid(x)`.")
swish = _activation(F.silu, "swish", "Swish, the same as `silu`: `x * sigmoid(x)`.")
log_sigmoid = _activation(
    F.logsigmoid, "log_sigmoid", "Logarithm of the sigmoid: `-softplus(-x)`."
)
hard_sigmoid = _activation(
    F.hardsigmoid, "hard_sigmoid", "Hard sigmoid: `relu6(x + 3) / 6`."
)
hard_silu = _activation(F.hardswish, "hard_silu", "Hard SiLU: `x * relu6(x + 3) / 6`.")
hard_swish = _activation(
    F.hardswish, "hard_swish", "Hard swish, the same as `hard_silu`."
)
selu = _activation(
    F.selu, "selu", "Scaled exponential linear unit (SELU), with Keras's constants."
)
tanh_shrink = _activation(F.tanhshrink, "tanh_shrink", "Tanh shrink: `x - tanh(x)`.")


@symbolic_op
def hard_tanh(x):
    """Hard tanh: `x` clipped to `[-1, 1]`."""
    return F.hardtanh(tensor(x), -1.0, 1.0)


@symbolic_op
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 below -1, 1 above 1, `(x + 1) / 2` between."""
    x = tensor(x)
    return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


@symbolic_op
def sparse_plus(x):
    """SparsePlus: 0 below -1, `x` above 1, `(x + 1)**2 / 4` between."""
    x = tensor(x)
    middle = 0.25 * torch.square(x + 1)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, middle, x))


@symbolic_op
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: `x` if `x >= 0`, else `negative_slope * x`."""
    return F.leaky_relu(tensor(x), negative_slope)


@symbolic_op
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`."""
    return F.elu(tensor(x), alpha)


@symbolic_op
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: `max(x, 0) + min(0, alpha*(exp(x/alpha)-1))`."""
    return F.celu(tensor(x), alpha)


@symbolic_op
def gelu(x, approximate=True):
    """Gaussian error linear unit; `approximate` uses the tanh formula."""
    return F.gelu(tensor(x), approximate="tanh" if approximate else "none")


@symbolic_op
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` for the two halves of `x` along `axis`."""
    return F.glu(tensor(x), dim=axis)


@symbolic_op
def soft_shrink(x, threshold=0.5):
    """Soft shrink: moves `x` toward 0 by `threshold`, 0 within it."""
    return F.softshrink(tensor(x), threshold)


@symbolic_op
def hard_shrink(x, threshold=0.5):
    """Hard shrink: `x` where `|x| > threshold`, else 0."""
    return F.hardshrink(tensor(x), threshold)


@symbolic_op
def threshold(x, threshold, default_value):
    """Returns `x` where `x > threshold`, else `default_value`."""
    return F.threshold(tensor(x), threshold, default_value)


@symbolic_op
def squareplus(x, b=4):
    """Squareplus: `(x + sqrt(x**2 + b)) / 2`."""
    x = tensor(x)
    return (x + torch.sqrt(torch.square(x) + b)) / 2


@symbolic_op
def mish(x):
    """Mish: `x * tanh(softplus(x))`."""
    x = tensor(x)
    return x * torch.tanh(F.softplus(x))


def _over_axes(fn, x, axis):
    """Applies a last-axis function `fn` over `axis` (int, tuple or None)."""
    if isinstance(axis, int):
        return fn(x, axis)
    dims = axes(axis, x.ndim)
    kept = [d for d in range(x.ndim) if d not in dims]
    moved = x.permute(*kept, *dims)
    out = fn(moved.reshape(*moved.shape[: len(kept)], -1), -1)
    inverse = sorted(range(x.ndim), key=[*kept, *dims].__getitem__)
    return out.reshape(moved.shape).permute(*inverse)


def _half_safe(fn):
    def run(x, dim):
        if x.dtype in (torch.float16, torch.bfloat16):
            return fn(x, dim=dim, dtype=torch.float32).to(x.dtype)
        return fn(x, dim=dim)

    return run


def _warn_size_one(x, axis):
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape "
            f"{tuple(x.shape)}. This axis has size 1: the softmax will always "
            "return 1. Did you mean to use a sigmoid instead?",
            stacklevel=3,
        )


@symbolic_op
def softmax(x, axis=-1):
    """Softmax: `exp(x) / sum(exp(x))` along `axis` (an int, a tuple or None)."""
    x = to_float(tensor(x))
    _warn_size_one(x, axis)
    return _over_axes(_half_safe(F.softmax), x, axis)


@symbolic_op
def log_softmax(x, axis=-1):
    """Log-softmax: `x - logsumexp(x)` along `axis`."""
    x = to_float(tensor(x))
    return _over_axes(_half_safe(F.log_softmax), x, axis)


def _sparsemax_last(x, dim):
    z, _ = torch.sort(x, dim=dim, descending=True)
    cumulative = torch.cumsum(z, dim=dim)
    k = torch.arange(1, x.shape[dim] + 1, dtype=x.dtype, device=x.device)
    k = k.reshape([-1 if d == dim % x.ndim else 1 for d in range(x.ndim)])
    support = (1 + k * z) > cumulative
    support_size = torch.sum(support, dim=dim, keepdim=True)
    cumulative_at_k = torch.gather(cumulative, dim, support_size - 1)
    tau = (cumulative_at_k - 1) / support_size.to(x.dtype)
    return torch.clamp(x - tau, min=0)


@symbolic_op
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex."""
    return _over_axes(_sparsemax_last, to_float(tensor(x)), axis)


# --- Encodings -----------------------------------------------------------------


@symbolic_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encodes integer tensor `x`; negative ids give all-zero rows.

    Args:
        x: Integer tensor of class ids.
        num_classes: Number of classes (size of the new axis).
        axis: Position of the new class axis.
        dtype: Output dtype; defaults to `floatx()`.
        sparse: Unsupported; must be False.

    Returns:
        A tensor with one more axis than `x`.
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported by ember.")
    x = tensor(x).long()
    encoded = F.one_hot(torch.clamp(x, min=0), num_classes)
    encoded = encoded * (x >= 0).unsqueeze(-1)
    encoded = encoded.to(to_torch_dtype(standardize_dtype(dtype)))
    if axis != -1 and axis != encoded.ndim - 1:
        encoded = torch.movedim(encoded, -1, axis)
    return encoded


@symbolic_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encodes integer tensor `inputs` (one row per sample).

    Args:
        inputs: Integer tensor of ids: 1-D for one sample, 2-D for a batch.
        num_classes: Number of classes (`num_tokens` is accepted as an alias).
        axis: Position of the class axis.
        dtype: Output dtype; defaults to `floatx()`.
        sparse: Unsupported; must be False.

    Returns:
        A tensor with 1 at each id present in a sample, 0 elsewhere.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    inputs = tensor(inputs)
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return torch.amax(encoded, dim=1 if inputs.ndim > 1 else 0)


# --- Losses --------------------------------------------------------------------


def _same_shape(target, output):
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}."
        )


def _clip_probabilities(output):
    eps = config.epsilon()
    return torch.clamp(output, eps, 1.0 - eps)


@symbolic_op
def binary_crossentropy(target, output, from_logits=False):
    """Binary crossentropy between targets and predicted probabilities, per element.

    With `from_logits=False`, `output` is clipped to `[epsilon, 1 - epsilon]`.
    """
    target, output = tensor(target), tensor(output)
    _same_shape(target, output)
    target = target.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    return F.binary_cross_entropy(_clip_probabilities(output), target, reduction="none")


@symbolic_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy between one-hot targets and predictions.

    With `from_logits=False`, `output` is rescaled to sum to 1 along `axis`, then
    clipped to `[epsilon, 1 - epsilon]`.
    """
    target, output = tensor(target), tensor(output)
    _same_shape(target, output)
    if target.ndim < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. Received: "
            f"target.shape={tuple(target.shape)}."
        )
    if from_logits:
        log_prob = F.log_softmax(output, dim=axis)
    else:
        output = output / torch.sum(output, dim=axis, keepdim=True)
        log_prob = torch.log(_clip_probabilities(output))
    return -torch.sum(target * log_prob, dim=axis)


_NO_IGNORED_LABEL = torch.iinfo(torch.int64).min


@symbolic_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy with integer class targets.

    `target` has the shape of `output` without the class axis (or with it of
    size 1). With `from_logits=False`, probabilities are rescaled and clipped
    as in `categorical_crossentropy`.
    """
    target, output = tensor(target).long(), tensor(output)
    if output.ndim < 1:
        raise ValueError(
            "Argument `output` must be at least rank 1. Received: "
            f"output.shape={tuple(output.shape)}."
        )
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = torch.squeeze(target, dim=axis)
    expected = list(output.shape)
    del expected[axis]
    if list(target.shape) != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until "
            f"the class axis. Received: target.shape={tuple(target.shape)}, "
            f"output.shape={tuple(output.shape)}."
        )
    squeeze = output.ndim == 1
    if squeeze:
        output, target = output.unsqueeze(0), target.unsqueeze(0)
    elif axis % output.ndim != 1:
        output = torch.movedim(output, axis % output.ndim, 1)
    # No label is ignored (torch skips -100 by default): every label outside
    # [0, num_classes) is an error, an IndexError on the CPU.
    if from_logits:
        result = F.cross_entropy(
            output, target, reduction="none", ignore_index=_NO_IGNORED_LABEL
        )
    else:
        output = output / torch.sum(output, dim=1, keepdim=True)
        log_prob = torch.log(_clip_probabilities(output))
        result = F.nll_loss(
            log_prob, target, reduction="none", ignore_index=_NO_IGNORED_LABEL
        )
    return result.squeeze(0) if squeeze else result


# --- Normalization ---------------------------------------------------------------


@symbolic_op
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`: returns `(mean, variance)`.

    Half-precision inputs compute in float32 and return in their own dtype.
    """
    if synchronized:
        raise ValueError(
            "`synchronized=True` is not supported by `moments` in ember: "
            "reduce across processes with torch.distributed instead."
        )
    x = tensor(x)
    dtype = x.dtype
    compute = to_torch_dtype(promote_types(dtype, "float32"))
    if isinstance(axes, int):
        axes = (axes,)
    variance, mean = torch.var_mean(
        x.to(compute), dim=tuple(axes), keepdim=keepdims, correction=0
    )
    if dtype in (torch.float16, torch.bfloat16):
        limit = torch.finfo(dtype).max
        mean = torch.clamp(mean, -limit, limit).to(dtype)
        variance = torch.clamp(variance, -limit, limit).to(dtype)
    return mean, variance


@symbolic_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalizes `x` by `mean` and `variance` (vectors along `axis`).

    Returns `(x - mean) / sqrt(variance + epsilon) * scale + offset`.
    """
    x = tensor(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def vector(v):
        return tensor(v, like=x).reshape(shape)

    inv = torch.rsqrt(vector(variance) + epsilon)
    if scale is not None:
        inv = inv * vector(scale)
    out = (x - vector(mean)) * inv
    if offset is not None:
        out = out + vector(offset)
    return out


@symbolic_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """Divides `x` by its `order`-norm along `axis` (at least `epsilon`)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: {order}")
    x = tensor(x)
    if x.ndim == 0:
        x = x.unsqueeze(0)
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        square_sum = torch.sum(torch.square(x), dim=axis, keepdim=True)
        return x * torch.clamp(torch.rsqrt(square_sum), max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


def _normalized_dims(x, axis):
    return axes(axis, x.ndim)


@symbolic_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization over `axis`, with optional scale `gamma` and `beta`.

    Computes in at least float32 and returns `x`'s dtype. The deprecated
    `rms_scaling=True` divides by the standard deviation without centering.
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if rms_scaling:
        warnings.warn(
            "`rms_scaling=True` is deprecated: it scales by the variance, not the "
            "root mean square. Use `ember.ops.rms_normalization` instead.",
            stacklevel=2,
        )
    x = tensor(x)
    dtype = x.dtype
    epsilon = config.epsilon() if epsilon is None else epsilon
    x = x.to(to_torch_dtype(promote_types(dtype, "float32")))
    dims = _normalized_dims(x, axis)
    bshape = [x.shape[d] if d in dims else 1 for d in range(x.ndim)]
    if rms_scaling:
        variance = torch.var(x, dim=dims, keepdim=True, correction=0)
        out = x * torch.rsqrt(variance + epsilon)
        if gamma is not None:
            out = out * tensor(gamma, x.dtype, like=x).reshape(bshape)
        return out.to(dtype)
    if dims == tuple(range(x.ndim - len(dims), x.ndim)):
        shape = tuple(x.shape[d] for d in dims)
        g = None if gamma is None else tensor(gamma, x.dtype, like=x).reshape(shape)
        b = None if beta is None else tensor(beta, x.dtype, like=x).reshape(shape)
        return F.layer_norm(x, shape, g, b, epsilon).to(dtype)
    variance, mean = torch.var_mean(x, dim=dims, keepdim=True, correction=0)
    out = (x - mean) * torch.rsqrt(variance + epsilon)
    if gamma is not None:
        out = out * tensor(gamma, x.dtype, like=x).reshape(bshape)
    if beta is not None:
        out = out + tensor(beta, x.dtype, like=x).reshape(bshape)
    return out.to(dtype)


@symbolic_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Root-mean-square normalization over `axis`, times optional `scale`."""
    x = tensor(x)
    dtype = x.dtype
    epsilon = config.epsilon() if epsilon is None else epsilon
    x = x.to(to_torch_dtype(promote_types(dtype, "float32")))
    if x.ndim == 0:
        x = x.unsqueeze(0)
    dims = _normalized_dims(x, axis)
    mean_square = torch.mean(torch.square(x), dim=dims, keepdim=True)
    out = x * torch.rsqrt(mean_square + epsilon)
    if scale is not None:
        out = out * tensor(scale, x.dtype, like=x)
    return out.to(dtype)


# --- Attention and metrics -----------------------------------------------------


def _large_negative(dtype):
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


@symbolic_op
def dot_product_attention(
    query,
    key,
    value,
    bias=None,
    mask=None,
    scale=None,
    is_causal=False,
    flash_attention=None,
    attn_logits_soft_cap=None,
):
    """Scaled dot-product attention on `(batch, seq, heads, head_dim)` tensors.

    Args:
        query: Tensor `(B, T, N, H)`.
        key: Tensor `(B, S, K, H)`; `N` must be a multiple of `K` (grouped heads).
        value: Tensor `(B, S, K, H)`.
        bias: Optional additive bias broadcastable to `(B, N, T, S)`.
        mask: Optional bool mask broadcastable to `(B, N, T, S)`; False blocks.
        scale: Logit scale; defaults to `1 / sqrt(H)`.
        is_causal: Whether to apply a causal mask.
        flash_attention: True requires torch's flash kernel; None/False let
            torch choose.
        attn_logits_soft_cap: If set, logits become `cap * tanh(logits / cap)`.

    Returns:
        A tensor of the shape of `query`.
    """
    (query, key, value), _ = promoted(query, key, value)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError(
            "`dot_product_attention` only supports 4-D inputs. Received: "
            f"query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}, "
            f"value.shape={tuple(value.shape)}."
        )
    if bias is not None and mask is not None:
        raise ValueError(
            "Only one of `bias` and `mask` can be provided. Received both."
        )
    q, k, v = (t.transpose(1, 2) for t in (query, key, value))
    heads, kv_heads = q.shape[1], k.shape[1]
    if heads != kv_heads:
        k = k.repeat_interleave(heads // kv_heads, dim=1)
        v = v.repeat_interleave(heads // kv_heads, dim=1)
    additive = None
    if mask is not None:
        mask = tensor(mask, "bool", like=q)
        if is_causal:
            causal = torch.ones(
                q.shape[2], k.shape[2], dtype=torch.bool, device=q.device
            )
            mask = mask & torch.tril(causal)
            is_causal = False
        additive = torch.where(mask, 0.0, _large_negative(q.dtype)).to(q.dtype)
    elif bias is not None:
        additive = tensor(bias, q.dtype, like=q)
    if attn_logits_soft_cap is not None:
        out = _attention_reference(
            q, k, v, additive, scale, is_causal, attn_logits_soft_cap
        )
    elif flash_attention:
        backends = [torch.nn.attention.SDPBackend.FLASH_ATTENTION]
        with torch.nn.attention.sdpa_kernel(backends=backends):
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=additive, is_causal=is_causal, scale=scale
            )
    else:
        out = F.scaled_dot_product_attention(
            q.contiguous(),
            k.contiguous(),
            v.contiguous(),
            attn_mask=additive,
            is_causal=is_causal,
            scale=scale,
        )
    return out.transpose(1, 2)


def _attention_reference(q, k, v, additive, scale, is_causal, cap):
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = torch.matmul(q, k.transpose(-1, -2)) * scale
    logits = cap * torch.tanh(logits / cap)
    if additive is not None:
        logits = logits + additive
    if is_causal:
        causal = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device)
        logits = logits.masked_fill(~torch.tril(causal), _large_negative(q.dtype))
    return torch.matmul(torch.softmax(logits, dim=-1), v)


@symbolic_op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio between two tensors of the same shape."""
    x1, x2 = tensor(x1), tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"Input shapes {tuple(x1.shape)} and {tuple(x2.shape)} must match for "
            "PSNR calculation."
        )
    max_val = tensor(max_val, x1.dtype, like=x1)
    mse = torch.mean(torch.square(x1 - x2))
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)


@symbolic_op
def polar(abs_, angle):
    """Builds complex numbers from magnitudes `abs_` and phases `angle`."""
    (abs_, angle), _ = promoted(abs_, angle, extra=(float,))
    return torch.polar(abs_, angle)
