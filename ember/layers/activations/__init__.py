"""Layers that apply an activation function: `Activation`, `ELU`, `LeakyReLU`,
`PReLU`, `ReLU`, `Softmax`."""

from ember.layers.activations.activation import Activation
from ember.layers.activations.elu import ELU
from ember.layers.activations.leaky_relu import LeakyReLU
from ember.layers.activations.prelu import PReLU
from ember.layers.activations.relu import ReLU
from ember.layers.activations.softmax import Softmax

__all__ = ["ELU", "Activation", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
