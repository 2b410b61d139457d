"""Mixed precision: half-precision compute under autocast, float32 weights, and
dynamic loss scaling that behaves as Keras's `LossScaleOptimizer`."""

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember
from ember import layers, mixed_precision, optimizers


@pytest.fixture(autouse=True)
def _restore_policy():
    yield
    mixed_precision.set_global_policy(None)


class MatMul(layers.Layer):
    """A custom layer that multiplies by its float32 kernel without casting."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 3), name="w")

    def call(self, x):
        return x @ self.w


def _data(n=128):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_layers_compute_in_half_and_keep_float32_weights(policy):
    mixed_precision.set_global_policy(policy)
    assert mixed_precision.global_policy().name == policy
    model = ember.Sequential([layers.Input((4,)), layers.Dense(8), MatMul()])
    half = torch.float16 if policy == "mixed_float16" else torch.bfloat16
    assert all(w.dtype == torch.float32 for w in model.weights)
    # The custom layer's `x @ self.w` mixes dtypes: autocast makes it work.
    assert model(np.ones((2, 4), "float32")).dtype == half


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_fit_trains_and_loss_scaling_follows_the_policy(policy):
    mixed_precision.set_global_policy(policy)
    model = ember.Sequential(
        [
            layers.Input((4,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    wrapped = isinstance(model.optimizer, optimizers.LossScaleOptimizer)
    assert wrapped == (policy == "mixed_float16")
    x, y = _data()
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] * 0.8
    assert all(w.dtype == torch.float32 for w in model.weights)


def test_auto_scale_loss_false_keeps_the_optimizer():
    mixed_precision.set_global_policy("mixed_float16")
    model = ember.Sequential([layers.Input((4,)), layers.Dense(2)])
    model.compile("sgd", "mse", auto_scale_loss=False)
    assert isinstance(model.optimizer, optimizers.SGD)


def _run_scaled_steps(keras_or_ember, grads_sequence, growth_steps):
    if keras_or_ember == "keras":
        keras = keras_or_skip()
        var = keras.Variable(np.ones(3, "float32"))
        opt = keras.optimizers.LossScaleOptimizer(
            keras.optimizers.SGD(0.1),
            initial_scale=8.0,
            dynamic_growth_steps=growth_steps,
        )
        scales = []
        for g in grads_sequence:
            opt.apply([keras.ops.convert_to_tensor(g)], [var])
            scales.append(float(opt.dynamic_scale.numpy()))
        return np.asarray(var.numpy()), scales, int(opt.iterations.numpy())
    var = ember.Variable(torch.ones(3))
    opt = optimizers.LossScaleOptimizer(
        optimizers.SGD(0.1), initial_scale=8.0, dynamic_growth_steps=growth_steps
    )
    scales = []
    for g in grads_sequence:
        opt.apply([torch.tensor(g)], [var])
        scales.append(float(opt.dynamic_scale))
    return var.detach().numpy(), scales, int(opt.iterations)


def test_loss_scale_optimizer_matches_keras():
    grads = [
        np.array([8.0, 16.0, -8.0], "float32"),
        np.array([np.inf, 1.0, 1.0], "float32"),  # skipped, scale halves
        np.array([4.0, 4.0, np.nan], "float32"),  # skipped, scale halves
        np.array([2.0, 0.0, 2.0], "float32"),
        np.array([2.0, 2.0, 2.0], "float32"),  # second good step: scale doubles
        np.array([1.0, 1.0, 1.0], "float32"),
    ]
    ours = _run_scaled_steps("ember", grads, growth_steps=2)
    theirs = _run_scaled_steps("keras", grads, growth_steps=2)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert ours[1] == theirs[1] == [8.0, 4.0, 2.0, 2.0, 4.0, 4.0]
    assert ours[2] == theirs[2] == 4


def test_scale_loss_and_properties_delegate():
    inner = optimizers.Adam(0.005)
    opt = optimizers.LossScaleOptimizer(inner)
    assert float(opt.scale_loss(torch.tensor(2.0))) == 2.0**16
    assert float(opt.learning_rate) == pytest.approx(0.005)
    opt.learning_rate = 0.001
    assert float(inner.learning_rate) == pytest.approx(0.001)
    var = ember.Variable(torch.ones(2))
    opt.apply([torch.ones(2)], [var])
    names = [v.name for v in opt.variables]
    assert names[:4] == ["iteration", "learning_rate", "step_counter", "dynamic_scale"]
    assert int(opt.iterations) == 1


def test_config_round_trip_and_errors():
    opt = optimizers.LossScaleOptimizer(
        optimizers.SGD(0.5), initial_scale=4.0, dynamic_growth_steps=10
    )
    config = opt.get_config()
    assert config["inner_optimizer"]["class_name"] == "SGD"
    clone = optimizers.LossScaleOptimizer.from_config(config)
    assert clone.initial_scale == 4.0 and clone.dynamic_growth_steps == 10
    assert float(clone.learning_rate) == 0.5
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="set it on the inner optimizer"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("sgd")


def test_public_names_mirror_keras():
    keras = keras_or_skip()
    for name in mixed_precision.__all__:
        assert hasattr(keras.mixed_precision, name), name
