"""The shuffle and split both housing datasets share, as Keras does them."""

import numbers

import numpy as np

from ember.backend.errors import ArgumentError


def check_test_split(test_split, owner):
    if not isinstance(test_split, numbers.Real) or not 0 <= test_split < 1:
        raise ArgumentError("test_split", "a fraction in [0, 1)", test_split, owner)


def shuffle_and_split(x, y, test_split, seed):
    """`(x_train, y_train), (x_test, y_test)` after a `RandomState(seed)` shuffle;
    the first `int(n * (1 - test_split))` samples train."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
