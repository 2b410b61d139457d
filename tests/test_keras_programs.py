"""Keras 3 programs (in the style of keras.io's subclassing guide) run unchanged
with `import ember as keras`, and give Keras's results."""

import numpy as np
import pytest
from conftest import keras_or_skip

import ember


def _libraries():
    keras = keras_or_skip()
    return {"keras": keras, "ember": ember}


def linear_layer_program(keras):
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(
                shape=(input_dim, units), initializer="ones", trainable=True
            )
            self.b = self.add_weight(
                shape=(units,), initializer="zeros", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    layer = Linear(4, 2)
    y = layer(ops.ones((2, 2)))
    assert layer.weights == [layer.w, layer.b]
    return ops.convert_to_numpy(y)


def non_trainable_state_program(keras):
    ops = keras.ops

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(
                initializer="zeros", shape=(input_dim,), trainable=False
            )

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    my_sum = ComputeSum(2)
    my_sum(ops.ones((2, 2)))
    y = my_sum(ops.ones((2, 2)))
    assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1
    assert my_sum.trainable_weights == []
    return ops.convert_to_numpy(y)


def nested_blocks_program(keras):
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="ones"
            )
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = keras.activations.relu(self.linear_1(inputs))
            x = keras.activations.relu(self.linear_2(x))
            return self.linear_3(x)

    mlp = MLPBlock()
    y = mlp(ops.ones(shape=(3, 64)))
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6
    return ops.convert_to_numpy(y)


def add_loss_program(keras):
    ops = keras.ops

    class ActivityRegularization(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularization(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    assert len(layer.losses) == 0
    layer(ops.ones((1, 1)))
    assert len(layer.losses) == 1
    layer(ops.ones((1, 1)) * 3)
    assert len(layer.losses) == 1  # reset at the start of each outer call
    return np.array([float(ops.convert_to_numpy(layer.losses[0]))])


def functional_with_ops_program(keras):
    ops = keras.ops
    inputs = keras.Input(shape=(4,), name="x")
    hidden = keras.layers.Dense(
        3, kernel_initializer="ones", bias_initializer="zeros", name="d"
    )(inputs)
    outputs = ops.tanh(hidden) * 2.0 + ops.sum(inputs, axis=-1, keepdims=True)
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 3)
    y = model(np.arange(8, dtype="float32").reshape(2, 4) / 10)
    return ops.convert_to_numpy(y)


def training_flag_program(keras):
    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, inputs, training=None):
            if training:
                return inputs * 0.0
            return inputs

    model = keras.Sequential([keras.Input(shape=(2,)), CustomDropout(0.5)])
    x = np.ones((1, 2), "float32")
    inference = keras.ops.convert_to_numpy(model(x))
    training = keras.ops.convert_to_numpy(model(x, training=True))
    return np.concatenate([inference, training])


PROGRAMS = [
    linear_layer_program,
    non_trainable_state_program,
    nested_blocks_program,
    add_loss_program,
    functional_with_ops_program,
    training_flag_program,
]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_runs_unchanged_with_same_results(program):
    libraries = _libraries()
    expected = program(libraries["keras"])
    got = program(libraries["ember"])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
