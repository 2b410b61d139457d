"""`import ember as keras`: the public names exist and mirror Keras 3's."""

import pytest
from conftest import keras_or_skip

import ember

TOP_LEVEL = [
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Model",
    "Sequential",
    "Variable",
    "DTypePolicy",
    "Initializer",
    "Operation",
    "Regularizer",
    "activations",
    "backend",
    "config",
    "constraints",
    "dtype_policies",
    "initializers",
    "layers",
    "mixed_precision",
    "models",
    "ops",
    "random",
    "regularizers",
    "tree",
    "utils",
]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_names(name):
    keras = keras_or_skip()
    assert hasattr(ember, name) and hasattr(keras, name)


# Names ember exports that keras.layers does not: Keras exports its
# GroupedQueryAttention class only as `GroupQueryAttention`; ember has both.
EMBER_ONLY_LAYER_NAMES = {"GroupedQueryAttention"}


def test_every_public_layer_name_exists_in_keras():
    keras = keras_or_skip()
    missing = [
        name
        for name in ember.layers.__all__
        if not hasattr(keras.layers, name) and name not in EMBER_ONLY_LAYER_NAMES
    ]
    assert missing == []


def test_config_functions():
    assert ember.config.floatx() == "float32"
    assert ember.config.image_data_format() == "channels_last"
    assert ember.config.epsilon() == 1e-7
    assert ember.config.backend() == "torch"


def test_clear_session_restarts_generated_names():
    ember.utils.clear_session()
    assert ember.layers.Dense(1).name == "dense"
    assert ember.layers.Dense(1).name == "dense_1"
    ember.backend.clear_session()
    assert ember.layers.Dense(1).name == "dense"
