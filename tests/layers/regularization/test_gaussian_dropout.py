"""`GaussianDropout`: multiplicative noise statistics in training, identity in
inference, seeds, config as Keras, argument checks."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.regularization.gaussian_dropout import GaussianDropout
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def test_training_multiplies_by_noise_of_mean_one():
    x = torch.full((200, 100), 2.0)
    factor = GaussianDropout(0.2, seed=1)(x, training=True) / x
    assert factor.mean().item() == pytest.approx(1.0, abs=0.01)
    assert factor.std().item() == pytest.approx((0.2 / 0.8) ** 0.5, rel=0.02)


def test_inference_is_identity_like_keras():
    x = np.random.randn(4, 5).astype("float32")
    expected = keras.layers.GaussianDropout(0.5)(x, training=False).detach().numpy()
    np.testing.assert_array_equal(GaussianDropout(0.5)(x).numpy(), expected)
    np.testing.assert_array_equal(GaussianDropout(0.0)(x, training=True).numpy(), x)


def test_seeded_layers_repeat_and_calls_differ():
    x = torch.ones(3, 4)
    a, b = GaussianDropout(0.3, seed=4), GaussianDropout(0.3, seed=4)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_gradient_is_the_noise():
    x = torch.ones(5, 6, requires_grad=True)
    out = GaussianDropout(0.4, seed=2)(x, training=True)
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())


def test_standard_layer_checks():
    run_layer_test(
        GaussianDropout,
        {"rate": 0.5, "seed": 1},
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_symbolic_shape():
    assert GaussianDropout(0.1)(Input(shape=(3,))).shape == (None, 3)


@pytest.mark.parametrize(
    "kwargs", [{"rate": 0.1}, {"rate": 0.0, "seed": 3}], ids=["rate", "seed"]
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = GaussianDropout(name="gd", **kwargs).get_config()
    assert config == keras.layers.GaussianDropout(name="gd", **kwargs).get_config()
    assert GaussianDropout.from_config(config).get_config() == config


@pytest.mark.parametrize("rate", [-0.1, 1.0, 2, None], ids=repr)
def test_bad_rate_is_refused(rate):
    # rate=1 would need infinite noise (Keras accepts it, then divides by 0).
    with pytest.raises(ValueError, match="`rate` of `GaussianDropout`"):
        GaussianDropout(rate)
