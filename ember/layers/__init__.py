"""Keras layers on torch: `ember.layers.Dense`, `ember.layers.Conv2D`, ..."""

from ember.layers.core.input_layer import Input, InputLayer
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
