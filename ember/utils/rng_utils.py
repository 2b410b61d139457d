"""`set_random_seed`: one call that makes a program's random draws repeatable."""

import numbers
import random

import numpy as np
import torch

from ember.random.seed_generator import reset_global_seed_generator


def set_random_seed(seed: int) -> None:
    """Seeds every random number generator an ember program draws from.

    After `set_random_seed(seed)`, the same program produces the same initial
    weights, dropout masks and shuffles on every run. It seeds:

    - Python's `random` module, from which unseeded initializers and
      `SeedGenerator`s draw their seeds;
    - NumPy's global generator (`np.random`);
    - torch's generators, on the CPU and on every CUDA device;
    - ember's global `SeedGenerator`, behind random ops called with
      `seed=None`.

    Some GPU kernels are nondeterministic regardless of seeds; see
    `torch.use_deterministic_algorithms` for those.

    Args:
        seed: Integer in `[0, 2**32)`, the seed.

    Example:

    >>> ember.utils.set_random_seed(1337)
    >>> a = ember.random.normal((2,))
    >>> ember.utils.set_random_seed(1337)
    >>> bool((a == ember.random.normal((2,))).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            "Invalid value for argument `seed` of `set_random_seed`: expected an "
            f"integer. Received: seed={seed!r} (of type {type(seed).__name__})."
        )
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(
            "Invalid value for argument `seed` of `set_random_seed`: expected an "
            f"integer in [0, 2**32). Received: seed={seed}."
        )
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    reset_global_seed_generator()
