"""Random ops, as `keras.random` exposes them, on torch.

Every op takes `seed`: an integer (same values on every call), a
`SeedGenerator` (new values on each call, reproducibly) or `None` (the global
generator, reset by `ember.utils.set_random_seed`). Draws use a fresh
`torch.Generator` on the target device and follow Keras 3's torch backend draw
for draw, so a seed gives the same numbers in ember and in Keras.

Shape-only ops create their result on the current default device (set it with
`with torch.device(...)`); ops on a tensor follow that tensor's device. On the
meta device (shape inference) ops return placeholders of the right shape and
dtype without advancing any seed. Layers build their weights on a real device
even during shape inference, so initializers draw real values there.
"""

import numpy as np
import torch

from ember.backend import config, dtypes
from ember.random.seed_generator import SeedGenerator, make_torch_generator


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> torch.Tensor:
    """Draws samples from a normal (Gaussian) distribution.

    Args:
        shape: Tuple of integers, the shape of the result.
        mean: Float, the mean of the distribution. Defaults to `0.0`.
        stddev: Float, the standard deviation of the distribution. Defaults to
            `1.0`.
        dtype: Floating dtype of the result. Defaults to `None`, meaning
            `ember.config.floatx()`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `shape`.

    Example:

    >>> ember.random.normal((2, 3), seed=1).shape
    torch.Size([2, 3])
    """
    shape, dtype, device = _shape(shape), dtypes.to_torch_dtype(dtype), _device()
    if _symbolic(device):
        return torch.zeros(shape, dtype=dtype, device=device)
    generator = make_torch_generator(seed, device)
    return torch.normal(
        mean, stddev, size=shape, generator=generator, dtype=dtype, device=device
    )


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> torch.Tensor:
    """Draws samples from a uniform distribution over `[minval, maxval)`.

    Args:
        shape: Tuple of integers, the shape of the result.
        minval: Float, the inclusive lower bound. Defaults to `0.0`.
        maxval: Float, the exclusive upper bound. Defaults to `1.0`.
        dtype: Floating dtype of the result; for integers use
            `ember.random.randint`. Defaults to `None`, meaning
            `ember.config.floatx()`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `shape`.

    Example:

    >>> x = ember.random.uniform((1000,), minval=-1.0, maxval=1.0, seed=1)
    >>> bool((x >= -1).all() and (x < 1).all())
    True
    """
    if dtype is not None and not dtypes.is_float_dtype(dtype):
        raise ValueError(
            "`ember.random.uniform` draws floating-point values, but received "
            f"dtype={dtype!r}. For integers use `ember.random.randint`."
        )
    shape, dtype, device = _shape(shape), dtypes.to_torch_dtype(dtype), _device()
    if _symbolic(device):
        return torch.zeros(shape, dtype=dtype, device=device)
    generator = make_torch_generator(seed, device)
    values = torch.rand(shape, generator=generator, dtype=dtype, device=device)
    return (maxval - minval) * values + minval


def randint(shape, minval, maxval, dtype="int32", seed=None) -> torch.Tensor:
    """Draws integers uniformly from `[minval, maxval)`.

    Args:
        shape: Tuple of integers, the shape of the result.
        minval: Integer, the inclusive lower bound.
        maxval: Integer, the exclusive upper bound.
        dtype: Integer dtype of the result. Defaults to `"int32"`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `shape`.

    Example:

    >>> ember.random.randint((2, 2), minval=0, maxval=10, seed=1).dtype
    torch.int32
    """
    dtype = dtype or "int32"
    if not dtypes.is_int_dtype(dtype):
        raise ValueError(
            "`ember.random.randint` draws integers, but received "
            f"dtype={dtype!r}. For floats use `ember.random.uniform`."
        )
    shape, dtype, device = _shape(shape), dtypes.to_torch_dtype(dtype), _device()
    if _symbolic(device):
        return torch.zeros(shape, dtype=dtype, device=device)
    generator = make_torch_generator(seed, device)
    return torch.randint(
        int(minval), int(maxval), shape, generator=generator, dtype=dtype, device=device
    )


def truncated_normal(
    shape, mean=0.0, stddev=1.0, dtype=None, seed=None
) -> torch.Tensor:
    """Draws samples from a normal distribution truncated to two standard
    deviations: samples farther than `2 * stddev` from `mean` are redrawn.

    Args:
        shape: Tuple of integers, the shape of the result.
        mean: Float, the mean of the untruncated distribution. Defaults to
            `0.0`.
        stddev: Float, the standard deviation of the untruncated distribution.
            Defaults to `1.0`.
        dtype: Floating dtype of the result. Defaults to `None`, meaning
            `ember.config.floatx()`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `shape`.

    Example:

    >>> x = ember.random.truncated_normal((1000,), stddev=0.5, seed=1)
    >>> bool((x.abs() < 1.0).all())
    True
    """
    shape, dtype, device = _shape(shape), dtypes.to_torch_dtype(dtype), _device()
    if _symbolic(device):
        return torch.zeros(shape, dtype=dtype, device=device)
    generator = make_torch_generator(seed, device)
    # Four standard-normal candidates per value; keep the first inside (-2, 2).
    candidates = torch.normal(
        0.0, 1.0, size=(*shape, 4), generator=generator, dtype=dtype, device=device
    )
    valid = (candidates > -2) & (candidates < 2)
    first = valid.to(torch.uint8).argmax(-1, keepdim=True)
    values = candidates.gather(-1, first).squeeze(-1)
    # About 4 values in a million have no valid candidate: redraw just those.
    # (Keras keeps them, out of bounds; everywhere else the draws are identical.)
    missing = ~valid.any(-1)
    while bool(missing.any()):
        count = int(missing.sum())
        redraw = torch.normal(
            0.0, 1.0, size=(count,), generator=generator, dtype=dtype, device=device
        )
        keep = (redraw > -2) & (redraw < 2)
        slots = missing.nonzero(as_tuple=True)
        picked = tuple(index[keep] for index in slots)
        values[picked] = redraw[keep]
        missing[picked] = False
    return values.mul_(stddev).add_(mean)


def dropout(inputs, rate, noise_shape=None, seed=None) -> torch.Tensor:
    """Randomly zeroes entries of `inputs` with probability `rate` and scales the
    kept ones by `1 / (1 - rate)`, so the expected sum is unchanged.

    Without a fixed seed (an integer, or a `SeedGenerator` made with a seed) and
    without `noise_shape`, this runs torch's fused dropout on torch's global RNG,
    as Keras does on torch.

    Args:
        inputs: Tensor to drop entries from.
        rate: Float in `[0, 1]`, the probability of dropping each entry.
        noise_shape: Tuple, the shape of the keep/drop mask, broadcast to
            `inputs`; `None` entries take the size of `inputs`. Defaults to
            `None`, meaning the shape of `inputs`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor shaped like `inputs`.

    Example:

    >>> x = torch.ones(2, 4)
    >>> y = ember.random.dropout(x, rate=0.5, seed=1)
    >>> sorted(set(y.flatten().tolist())) in ([0.0, 2.0], [0.0], [2.0])
    True
    """
    inputs = _as_tensor(inputs)
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(
            f"`ember.random.dropout` needs `rate` in [0, 1]. Received: rate={rate}."
        )
    if _symbolic(inputs.device):
        return torch.zeros_like(inputs)
    if rate == 1.0:
        return torch.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    fixed_seed = seed is not None and not (
        isinstance(seed, SeedGenerator) and seed._initial_seed is None
    )
    if not fixed_seed and noise_shape is None:
        return torch.nn.functional.dropout(inputs, p=rate, training=True)
    keep_prob = 1.0 - rate
    mask_shape = inputs.shape
    if noise_shape is not None:
        if len(noise_shape) != inputs.ndim:
            raise ValueError(
                f"`noise_shape` {tuple(noise_shape)} must have one entry per "
                f"dimension of the inputs, of shape {tuple(inputs.shape)}."
            )
        mask_shape = [
            size if wanted is None else wanted
            for size, wanted in zip(inputs.shape, noise_shape, strict=True)
        ]
    generator = make_torch_generator(seed, inputs.device)
    probabilities = torch.full(mask_shape, keep_prob, device=inputs.device)
    mask = torch.bernoulli(probabilities, generator=generator).bool()
    mask = torch.broadcast_to(mask, inputs.shape)
    return torch.where(mask, inputs / keep_prob, torch.zeros_like(inputs))


def shuffle(x, axis=0, seed=None) -> torch.Tensor:
    """Shuffles a tensor along one axis.

    Args:
        x: Tensor to shuffle.
        axis: Integer, the axis to shuffle along. Defaults to `0`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor shaped like `x`.

    Example:

    >>> ember.random.shuffle(torch.arange(5), seed=1).sort().values.tolist()
    [0, 1, 2, 3, 4]
    """
    x = _as_tensor(x)
    if _symbolic(x.device):
        return torch.zeros_like(x)
    axis = _normalize_axis(axis, x.ndim)
    generator = make_torch_generator(seed, x.device)
    # Independent permutations for each leading index, as Keras draws them.
    order = torch.rand(x.shape[: axis + 1], generator=generator, device=x.device)
    order = order.argsort(axis)
    order = order.reshape(order.shape + (1,) * (x.ndim - axis - 1)).expand(x.shape)
    return x.gather(axis, order)


def categorical(logits, num_samples, dtype="int32", seed=None) -> torch.Tensor:
    """Draws class indices from categorical distributions given by `logits`.

    Args:
        logits: 2-D tensor `(batch_size, num_classes)` of unnormalized
            log-probabilities, one distribution per row.
        num_samples: Integer, the number of samples per row.
        dtype: Integer dtype of the result. Defaults to `"int32"`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `(batch_size, num_samples)`.

    Example:

    >>> logits = torch.tensor([[0.0, 100.0], [100.0, 0.0]])
    >>> ember.random.categorical(logits, 3, seed=1).tolist()
    [[1, 1, 1], [0, 0, 0]]
    """
    logits = _as_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`ember.random.categorical` needs 2-D `logits` of shape "
            f"(batch_size, num_classes). Received shape {tuple(logits.shape)}."
        )
    dtype = dtypes.to_torch_dtype(dtype)
    shape = (logits.shape[0], int(num_samples))
    if _symbolic(logits.device):
        return torch.zeros(shape, dtype=dtype, device=logits.device)
    probabilities = torch.softmax(logits, dim=-1)
    generator = make_torch_generator(seed, logits.device)
    samples = torch.multinomial(
        probabilities, int(num_samples), replacement=True, generator=generator
    )
    return samples.to(dtype)


def gamma(shape, alpha, dtype=None, seed=None) -> torch.Tensor:
    """Draws samples from a Gamma distribution with concentration `alpha` and
    rate 1.

    Args:
        shape: Tuple of integers, the shape of the result.
        alpha: Float or tensor broadcastable to `shape`, the concentration.
        dtype: Floating dtype of the result. Defaults to `None`, meaning
            `ember.config.floatx()`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `shape`.

    Example:

    >>> ember.random.gamma((2, 3), alpha=2.0, seed=1).shape
    torch.Size([2, 3])
    """
    shape, dtype, device = _shape(shape), dtypes.to_torch_dtype(dtype), _device()
    if _symbolic(device):
        return torch.zeros(shape, dtype=dtype, device=device)
    alpha = torch.broadcast_to(_as_float_tensor(alpha, device), shape)
    generator = make_torch_generator(seed, device)
    samples = torch._standard_gamma(alpha, generator=generator)
    # torch.distributions.Gamma clamps to the smallest normal number likewise.
    samples = samples.clamp_(min=torch.finfo(samples.dtype).tiny)
    return samples.to(dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> torch.Tensor:
    """Draws samples from a Binomial distribution: the number of successes in
    `counts` trials that each succeed with probability `probabilities`.

    Args:
        shape: Tuple of integers, the shape of the result.
        counts: Number or tensor broadcastable to `shape`, the number of trials.
        probabilities: Float or tensor broadcastable to `shape`, the success
            probability of each trial.
        dtype: Dtype of the result. Defaults to `None`, meaning
            `ember.config.floatx()`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `shape`.

    Example:

    >>> x = ember.random.binomial((1000,), counts=5, probabilities=0.5, seed=1)
    >>> bool((x >= 0).all() and (x <= 5).all())
    True
    """
    shape, dtype, device = _shape(shape), dtypes.to_torch_dtype(dtype), _device()
    if _symbolic(device):
        return torch.zeros(shape, dtype=dtype, device=device)
    probabilities = torch.broadcast_to(_as_float_tensor(probabilities, device), shape)
    counts = torch.broadcast_to(_as_tensor(counts, device), shape)
    generator = make_torch_generator(seed, device)
    samples = torch.binomial(
        counts.type_as(probabilities), probabilities, generator=generator
    )
    return samples.to(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None) -> torch.Tensor:
    """Draws samples from a Beta distribution with parameters `alpha` and `beta`.

    Args:
        shape: Tuple of integers, the shape of the result.
        alpha: Float or tensor broadcastable to `shape`, the first
            concentration.
        beta: Float or tensor broadcastable to `shape`, the second
            concentration.
        dtype: Floating dtype of the result. Defaults to `None`, meaning
            `ember.config.floatx()`.
        seed: Integer, `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        A tensor of shape `shape`, with values in `[0, 1]`.

    Example:

    >>> x = ember.random.beta((1000,), alpha=2.0, beta=5.0, seed=1)
    >>> bool((x >= 0).all() and (x <= 1).all())
    True
    """
    shape, dtype, device = _shape(shape), dtypes.to_torch_dtype(dtype), _device()
    if _symbolic(device):
        return torch.zeros(shape, dtype=dtype, device=device)
    alpha = torch.broadcast_to(_as_float_tensor(alpha, device), shape)
    beta = torch.broadcast_to(_as_float_tensor(beta, device), shape)
    alpha, beta = torch.broadcast_tensors(alpha, beta.to(alpha.dtype))
    generator = make_torch_generator(seed, device)
    # A Beta(a, b) sample is the first entry of a Dirichlet(a, b) sample.
    pairs = torch._sample_dirichlet(torch.stack([alpha, beta], -1), generator=generator)
    return pairs.select(-1, 0).to(dtype)


def _device() -> torch.device:
    return torch.get_default_device()


def _symbolic(device: torch.device) -> bool:
    """True on the meta device, where tensors have shapes but no values."""
    return device.type == "meta"


def _shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(size) for size in shape)


def _as_tensor(x, device=None) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x if device is None else x.to(device)
    return torch.as_tensor(np.asarray(x), device=device)


def _as_float_tensor(x, device) -> torch.Tensor:
    """`x` as a floating tensor: Python numbers and lists become floatx, as
    Keras converts them; tensors and arrays keep a floating dtype."""
    floatx = dtypes.to_torch_dtype(config.floatx())
    if isinstance(x, (torch.Tensor, np.ndarray)):
        tensor = _as_tensor(x, device)
        return tensor if tensor.is_floating_point() else tensor.to(floatx)
    return torch.as_tensor(x, dtype=floatx, device=device)


def _normalize_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"`axis` {axis} is out of range for a tensor of rank {ndim}.")
    return axis % ndim
