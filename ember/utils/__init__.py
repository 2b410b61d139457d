"""Utilities, as `keras.utils` exposes them."""

from ember.backend.naming import clear_session
from ember.utils.rng_utils import set_random_seed

__all__ = ["clear_session", "set_random_seed"]
