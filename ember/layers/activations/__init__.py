"""Layers that apply an activation function: `Activation`."""
