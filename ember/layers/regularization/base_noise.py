"""What the random regularization layers share: noise drawn on the input's device.

A layer made with a `seed` draws from its `SeedGenerator` (the same values in
every run); without one, noise comes from torch's global generator, which
`ember.utils.set_random_seed` and `torch.manual_seed` seed, as the fused
`Dropout` path does.
"""

import numbers

import torch

from ember.backend.errors import ArgumentError
from ember.random.seed_generator import make_torch_generator


def check_fraction(name, value, upper_inclusive=True):
    """Validates a rate or stddev in `[0, 1]` (or `[0, 1)`) and returns it."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 <= value <= 1
        or (value == 1 and not upper_inclusive)
    ):
        bounds = "[0, 1]" if upper_inclusive else "[0, 1)"
        raise ArgumentError(name, f"a float in {bounds}", value)
    return value


def normal_noise(inputs, mean, stddev, dtype, seed_generator):
    """Normal samples shaped like `inputs`, on its device."""
    return torch.normal(
        mean,
        stddev,
        size=inputs.shape,
        generator=_generator(seed_generator, inputs.device),
        dtype=dtype,
        device=inputs.device,
    )


def uniform_noise(shape, dtype, device, seed_generator):
    """Uniform samples in `[0, 1)` of `shape` on `device`."""
    return torch.rand(
        shape, generator=_generator(seed_generator, device), dtype=dtype, device=device
    )


def _generator(seed_generator, device):
    if seed_generator._initial_seed is None or device.type == "meta":
        return None
    return make_torch_generator(seed_generator, device)
