"""Keras layers on torch: `ember.layers.Dense`, `ember.layers.Add`, ..."""

from ember.layers.activations.activation import Activation
from ember.layers.core.dense import Dense
from ember.layers.core.einsum_dense import EinsumDense
from ember.layers.core.embedding import Embedding
from ember.layers.core.identity import Identity
from ember.layers.core.input_layer import Input, InputLayer
from ember.layers.core.lambda_layer import Lambda
from ember.layers.core.masking import Masking
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.merging.add import Add, add
from ember.layers.merging.average import Average, average
from ember.layers.merging.concatenate import Concatenate, concatenate
from ember.layers.merging.dot import Dot, dot
from ember.layers.merging.maximum import Maximum, maximum
from ember.layers.merging.minimum import Minimum, minimum
from ember.layers.merging.multiply import Multiply, multiply
from ember.layers.merging.subtract import Subtract, subtract
from ember.layers.regularization.dropout import Dropout
from ember.layers.reshaping.flatten import Flatten
from ember.layers.reshaping.permute import Permute
from ember.layers.reshaping.repeat_vector import RepeatVector
from ember.layers.reshaping.reshape import Reshape

__all__ = [
    "Activation",
    "Add",
    "Average",
    "Concatenate",
    "Dense",
    "Dot",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "Lambda",
    "Layer",
    "Masking",
    "Maximum",
    "Minimum",
    "Multiply",
    "Permute",
    "RepeatVector",
    "Reshape",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
