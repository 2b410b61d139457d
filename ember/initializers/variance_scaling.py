"""`VarianceScaling` and its named presets: Glorot, He and LeCun, normal and
uniform; plus `compute_fans`, which counts a weight's input and output units."""

import math

import torch

from ember import random
from ember.initializers.random_initializers import RandomInitializer, _serialize_seed

# The standard deviation of a standard normal truncated to (-2, 2). Dividing by
# it makes the truncated draws have the requested standard deviation.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Returns `(fan_in, fan_out)`, the input and output units of a weight.

    A vector has `fan_in = fan_out = shape[0]`; a matrix `(in, out)`. A
    convolution kernel `(*receptive_field, in, out)` counts each unit once per
    position of its receptive field.

    Args:
        shape: Tuple of integers, the weight's shape.
        input_axes: List of integers, the axes that count as inputs; used only
            together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as outputs.
            Defaults to `None`.

    Returns:
        A tuple of two integers.

    Example:

    >>> compute_fans((3, 3, 64, 128))
    (576, 1152)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(
            shape[a] for a in output_axes
        )
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class VarianceScaling(RandomInitializer):
    """Draws values whose variance is `scale / n`, where `n` counts the
    weight's units (see `compute_fans`):

    - the input units with `mode="fan_in"`,
    - the output units with `mode="fan_out"`,
    - the average of both with `mode="fan_avg"`.

    With `distribution="truncated_normal"` the values come from a normal
    distribution cut at two standard deviations, scaled so that the cut
    distribution has standard deviation `sqrt(scale / n)`; with
    `"untruncated_normal"` from a plain normal distribution; with `"uniform"`
    from `[-limit, limit]` where `limit = sqrt(3 * scale / n)`.

    Args:
        scale: Positive float, the scaling factor. Defaults to `1.0`.
        mode: One of `"fan_in"`, `"fan_out"`, `"fan_avg"`. Defaults to
            `"fan_in"`.
        distribution: One of `"truncated_normal"`, `"untruncated_normal"`,
            `"uniform"`; `"normal"` means `"truncated_normal"`. Defaults to
            `"truncated_normal"`.
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
        input_axes: List of integers, the axes that count as input units; used
            only together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as output units.
            Defaults to `None`.

    Example:

    >>> initializer = ember.initializers.VarianceScaling(
    ...     scale=0.1, mode="fan_in", distribution="uniform", seed=1
    ... )
    >>> initializer((2, 2)).shape
    torch.Size([2, 2])
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        if not scale > 0.0:
            raise ValueError(
                "Invalid value for argument `scale` of `VarianceScaling`: expected "
                f"a positive float. Received: scale={scale!r}."
            )
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(
                "Invalid value for argument `mode` of `VarianceScaling`: expected "
                f"one of {modes}. Received: mode={mode!r}."
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        distributions = ("truncated_normal", "untruncated_normal", "uniform")
        if distribution not in distributions:
            raise ValueError(
                "Invalid value for argument `distribution` of `VarianceScaling`: "
                f"expected one of {distributions}. "
                f"Received: distribution={distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        units = {"fan_in": fan_in, "fan_out": fan_out}.get(
            self.mode, (fan_in + fan_out) / 2.0
        )
        variance = self.scale / max(1.0, units)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_NORMAL_STDDEV
            return random.truncated_normal(
                shape, mean=0.0, stddev=stddev, dtype=dtype, seed=self.seed
            )
        if self.distribution == "untruncated_normal":
            return random.normal(
                shape, mean=0.0, stddev=math.sqrt(variance), dtype=dtype, seed=self.seed
            )
        limit = math.sqrt(3.0 * variance)
        return random.uniform(
            shape, minval=-limit, maxval=limit, dtype=dtype, seed=self.seed
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _VarianceScalingPreset(VarianceScaling):
    """A `VarianceScaling` whose scale, mode and distribution are fixed."""

    _scale = 1.0
    _mode = "fan_in"
    _distribution = "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(
            scale=self._scale,
            mode=self._mode,
            distribution=self._distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self) -> dict:
        return {
            "seed": _serialize_seed(self._init_seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class GlorotUniform(_VarianceScalingPreset):
    """The Glorot (Xavier) uniform initializer: draws uniformly from
    `[-limit, limit]` with `limit = sqrt(6 / (fan_in + fan_out))`.

    Args:
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
        input_axes: List of integers, the axes that count as input units; used
            only together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as output units.
            Defaults to `None`.

    Example:

    >>> ember.initializers.GlorotUniform(seed=1)((64, 32)).shape
    torch.Size([64, 32])

    Reference:
        Glorot and Bengio, 2010, http://proceedings.mlr.press/v9/glorot10a.html
    """

    _mode, _distribution = "fan_avg", "uniform"


class GlorotNormal(_VarianceScalingPreset):
    """The Glorot (Xavier) normal initializer: draws from a truncated normal
    distribution with `stddev = sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
        input_axes: List of integers, the axes that count as input units; used
            only together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as output units.
            Defaults to `None`.

    Example:

    >>> ember.initializers.GlorotNormal(seed=1)((64, 32)).shape
    torch.Size([64, 32])

    Reference:
        Glorot and Bengio, 2010, http://proceedings.mlr.press/v9/glorot10a.html
    """

    _mode, _distribution = "fan_avg", "truncated_normal"


class HeUniform(_VarianceScalingPreset):
    """The He uniform initializer: draws uniformly from `[-limit, limit]` with
    `limit = sqrt(6 / fan_in)`.

    Args:
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
        input_axes: List of integers, the axes that count as input units; used
            only together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as output units.
            Defaults to `None`.

    Example:

    >>> ember.initializers.HeUniform(seed=1)((3, 3, 16, 32)).shape
    torch.Size([3, 3, 16, 32])

    Reference:
        He et al., 2015, https://arxiv.org/abs/1502.01852
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class HeNormal(_VarianceScalingPreset):
    """The He normal initializer: draws from a truncated normal distribution
    with `stddev = sqrt(2 / fan_in)`.

    Args:
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
        input_axes: List of integers, the axes that count as input units; used
            only together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as output units.
            Defaults to `None`.

    Example:

    >>> ember.initializers.HeNormal(seed=1)((3, 3, 16, 32)).shape
    torch.Size([3, 3, 16, 32])

    Reference:
        He et al., 2015, https://arxiv.org/abs/1502.01852
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_VarianceScalingPreset):
    """The LeCun uniform initializer: draws uniformly from `[-limit, limit]`
    with `limit = sqrt(3 / fan_in)`.

    Args:
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
        input_axes: List of integers, the axes that count as input units; used
            only together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as output units.
            Defaults to `None`.

    Example:

    >>> ember.initializers.LecunUniform(seed=1)((64, 32)).shape
    torch.Size([64, 32])

    Reference:
        Klambauer et al., 2017, https://arxiv.org/abs/1706.02515
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class LecunNormal(_VarianceScalingPreset):
    """The LeCun normal initializer: draws from a truncated normal
    distribution with `stddev = sqrt(1 / fan_in)`.

    Args:
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
        input_axes: List of integers, the axes that count as input units; used
            only together with `output_axes`. Defaults to `None`.
        output_axes: List of integers, the axes that count as output units.
            Defaults to `None`.

    Example:

    >>> ember.initializers.LecunNormal(seed=1)((64, 32)).shape
    torch.Size([64, 32])

    Reference:
        Klambauer et al., 2017, https://arxiv.org/abs/1706.02515
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"
