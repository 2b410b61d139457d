"""Initializers that draw random values: `RandomNormal`, `TruncatedNormal`,
`RandomUniform`, `Orthogonal`, and their shared seed handling.

Seeds behave as in Keras 3: an initializer made with an integer seed returns
the same values on every call, and so does an unseeded one, which draws its
integer seed once, at construction, from Python's `random` module (seeded by
`ember.utils.set_random_seed`). A `SeedGenerator` seed gives new values on each
call.
"""

import numbers

import torch

from ember import random
from ember.backend import dtypes
from ember.backend.errors import ArgumentError
from ember.initializers.initializer import Initializer
from ember.random.seed_generator import SeedGenerator, make_default_seed


class RandomInitializer(Initializer):
    """Base class of initializers that draw random values; handles `seed`.

    Args:
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.
    """

    def __init__(self, seed=None):
        if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
            seed = int(seed)  # NumPy integers too, kept JSON-serializable
        self._init_seed = seed
        if seed is None:
            seed = make_default_seed()
        elif isinstance(seed, dict):
            seed = SeedGenerator.from_config(seed.get("config", seed))
        elif isinstance(seed, bool) or not isinstance(
            seed, (numbers.Integral, SeedGenerator)
        ):
            raise ArgumentError(
                "seed", "an integer, an `ember.random.SeedGenerator` or None", seed
            )
        self.seed = seed

    def get_config(self) -> dict:
        return {"seed": _serialize_seed(self._init_seed)}


class RandomNormal(RandomInitializer):
    """Draws values from a normal distribution.

    Args:
        mean: Float, the mean of the values. Defaults to `0.0`.
        stddev: Float, the standard deviation of the values. Defaults to
            `0.05`.
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.

    Example:

    >>> initializer = ember.initializers.RandomNormal(mean=0.0, stddev=1.0, seed=1)
    >>> initializer((2, 2)).shape
    torch.Size([2, 2])
    >>> layer = ember.layers.Dense(3, kernel_initializer=initializer)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return random.normal(
            shape, mean=self.mean, stddev=self.stddev, dtype=dtype, seed=self.seed
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Draws values from a normal distribution truncated to two standard
    deviations: values farther than `2 * stddev` from `mean` are redrawn.

    Args:
        mean: Float, the mean of the untruncated distribution. Defaults to
            `0.0`.
        stddev: Float, the standard deviation of the untruncated distribution.
            Defaults to `0.05`.
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.

    Example:

    >>> initializer = ember.initializers.TruncatedNormal(stddev=1.0, seed=1)
    >>> bool((initializer((100,)).abs() < 2.0).all())
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return random.truncated_normal(
            shape, mean=self.mean, stddev=self.stddev, dtype=dtype, seed=self.seed
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Draws values uniformly from `[minval, maxval)`.

    Args:
        minval: Float, the inclusive lower bound. Defaults to `-0.05`.
        maxval: Float, the exclusive upper bound. Defaults to `0.05`.
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.

    Example:

    >>> initializer = ember.initializers.RandomUniform(-1.0, 1.0, seed=1)
    >>> bool((initializer((100,)).abs() <= 1.0).all())
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return random.uniform(
            shape, minval=self.minval, maxval=self.maxval, dtype=dtype, seed=self.seed
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class Orthogonal(RandomInitializer):
    """Draws a random orthogonal matrix, times `gain`.

    The tensor is treated as a matrix of shape
    `(shape[0] * ... * shape[-2], shape[-1])`. With at least as many rows as
    columns its columns are orthonormal; otherwise its rows are. The matrix is
    the `Q` factor of the QR decomposition of a matrix of normal draws, with
    signs fixed so that the result is uniformly distributed.

    Args:
        gain: Float, the factor applied to the orthogonal matrix. Defaults to
            `1.0`.
        seed: Integer, `ember.random.SeedGenerator` or `None`. An integer, or
            `None`, gives the same values on every call of this initializer
            (`None` draws the integer from Python's `random` module when the
            initializer is made); a `SeedGenerator` gives new values on each
            call. Defaults to `None`.

    Example:

    >>> q = ember.initializers.Orthogonal(seed=1)((4, 3))
    >>> torch.allclose(q.T @ q, torch.eye(3), atol=1e-5)
    True

    Reference:
        Saxe et al., 2014, https://openreview.net/forum?id=_wzZwKpTDF_9C
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(
                "`Orthogonal` fills tensors of rank 2 or more, but received "
                f"shape={shape} of rank {len(shape)}."
            )
        rows = 1
        for size in shape[:-1]:
            rows *= size
        cols = shape[-1]
        draws = random.normal(
            (max(rows, cols), min(rows, cols)), dtype=dtype, seed=self.seed
        )
        if draws.device.type == "meta":
            return torch.zeros(shape, dtype=dtypes.to_torch_dtype(dtype))
        q, r = torch.linalg.qr(draws)
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


def _serialize_seed(seed):
    if isinstance(seed, SeedGenerator):
        return {
            "module": "keras.random",
            "class_name": "SeedGenerator",
            "config": seed.get_config(),
            "registered_name": None,
        }
    return seed
