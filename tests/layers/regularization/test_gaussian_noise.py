"""`GaussianNoise`: additive noise statistics in training, identity in inference,
seeds, config as Keras, argument checks."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.regularization.gaussian_noise import GaussianNoise
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def test_training_adds_noise_of_the_given_stddev():
    x = torch.full((200, 100), 3.0)
    noise = GaussianNoise(0.5, seed=1)(x, training=True) - x
    assert noise.mean().item() == pytest.approx(0.0, abs=0.01)
    assert noise.std().item() == pytest.approx(0.5, rel=0.02)


def test_unseeded_noise_follows_torch_manual_seed():
    layer = GaussianNoise(0.3)
    torch.manual_seed(5)
    a = layer(torch.zeros(4, 3), training=True)
    torch.manual_seed(5)
    assert torch.equal(a, layer(torch.zeros(4, 3), training=True))


def test_inference_is_identity_like_keras():
    x = np.random.randn(4, 5).astype("float32")
    expected = keras.layers.GaussianNoise(0.5)(x, training=False).detach().numpy()
    np.testing.assert_array_equal(GaussianNoise(0.5)(x).numpy(), expected)
    np.testing.assert_array_equal(GaussianNoise(0.0)(x, training=True).numpy(), x)


def test_seeded_layers_repeat_and_calls_differ():
    x = torch.zeros(3, 4)
    a, b = GaussianNoise(0.1, seed=9), GaussianNoise(0.1, seed=9)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_gradient_passes_unchanged_and_mask_is_kept():
    x = torch.ones(2, 3, 4, requires_grad=True)
    x_masked = x * 1.0
    x_masked._keras_mask = torch.tensor([[True, False, True]] * 2)
    out = GaussianNoise(0.2, seed=1)(x_masked, training=True)
    out.sum().backward()
    torch.testing.assert_close(x.grad, torch.ones_like(x))
    assert torch.equal(out._keras_mask, x_masked._keras_mask)


def test_noise_has_the_compute_dtype():
    out = GaussianNoise(0.1, seed=1, dtype="mixed_bfloat16")(
        torch.zeros(2, 3), training=True
    )
    assert out.dtype == torch.bfloat16


def test_standard_layer_checks():
    run_layer_test(
        GaussianNoise,
        {"stddev": 0.5, "seed": 1},
        input_shape=(2, 3),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_symbolic_shape():
    assert GaussianNoise(0.1)(Input(shape=(None, 3))).shape == (None, None, 3)


@pytest.mark.parametrize(
    "kwargs", [{"stddev": 0.1}, {"stddev": 0.0, "seed": 3}], ids=["stddev", "seed"]
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = GaussianNoise(name="gn", **kwargs).get_config()
    assert config == keras.layers.GaussianNoise(name="gn", **kwargs).get_config()
    assert GaussianNoise.from_config(config).get_config() == config


@pytest.mark.parametrize("stddev", [-0.1, 1.5, "0.1", True], ids=repr)
def test_bad_stddev_is_refused(stddev):
    with pytest.raises(ValueError, match="`stddev` of `GaussianNoise`"):
        GaussianNoise(stddev)
