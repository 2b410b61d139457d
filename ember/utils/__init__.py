"""Utilities, as `keras.utils` exposes them."""

from ember.utils.rng_utils import set_random_seed

__all__ = ["set_random_seed"]
