"""Shared helpers of the convolution layer tests: inputs in either layout."""

import numpy as np


def image(rank, size, channels=4, data_format="channels_last", batch=2, seed=0):
    """A random float32 batch of `rank`-D data: `size` is an int or a tuple."""
    spatial = (size,) * rank if isinstance(size, int) else tuple(size)
    if data_format == "channels_last":
        shape = (batch, *spatial, channels)
    else:
        shape = (batch, channels, *spatial)
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")
