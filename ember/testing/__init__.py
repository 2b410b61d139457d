"""`ember.testing`: checks every layer must pass (`run_layer_test`)."""

from ember.testing.layer_test import run_layer_test

__all__ = ["run_layer_test"]
