"""`AlphaDropout`: Keras's formula (dropped units at SELU's saturation, then an
affine correction), preserved statistics, noise shapes, identity in
inference, config as Keras, argument checks."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.regularization.alpha_dropout import AlphaDropout
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _affine(rate):
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    return a, -a * ALPHA_P * rate


def test_kept_and_dropped_values_follow_keras_formula():
    rate = 0.3
    x = torch.randn(50, 40)
    out = AlphaDropout(rate, seed=1)(x, training=True)
    a, b = _affine(rate)
    dropped_value = a * ALPHA_P + b
    dropped = torch.isclose(out, torch.tensor(dropped_value), atol=1e-6)
    torch.testing.assert_close(out[~dropped], x[~dropped] * a + b)
    assert dropped.float().mean().item() == pytest.approx(rate, abs=0.03)


def test_keeps_mean_and_variance_of_normalized_inputs():
    x = torch.randn(400, 250)
    out = AlphaDropout(0.2, seed=2)(x, training=True)
    assert out.mean().item() == pytest.approx(0.0, abs=0.02)
    assert out.var().item() == pytest.approx(1.0, abs=0.03)


def test_noise_shape_shares_the_mask():
    layer = AlphaDropout(0.5, noise_shape=(None, 1, 6), seed=3)
    out = layer(torch.zeros(4, 5, 6), training=True)
    assert torch.equal(out, out[:, :1].expand_as(out))


def test_inference_is_identity_like_keras():
    x = np.random.randn(4, 5).astype("float32")
    expected = keras.layers.AlphaDropout(0.5)(x, training=False).detach().numpy()
    np.testing.assert_array_equal(AlphaDropout(0.5)(x).numpy(), expected)
    np.testing.assert_array_equal(AlphaDropout(0.0)(x, training=True).numpy(), x)


def test_seeded_layers_repeat_and_calls_differ():
    x = torch.randn(8, 8)
    a, b = AlphaDropout(0.3, seed=4), AlphaDropout(0.3, seed=4)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_gradient_is_scaled_on_kept_units_only():
    x = torch.randn(6, 7, requires_grad=True)
    out = AlphaDropout(0.4, seed=5)(x, training=True)
    out.sum().backward()
    a, b = _affine(0.4)
    kept = ~torch.isclose(out.detach(), torch.tensor(a * ALPHA_P + b), atol=1e-6)
    torch.testing.assert_close(x.grad, kept.float() * a)


def test_standard_layer_checks():
    run_layer_test(
        AlphaDropout,
        {"rate": 0.2, "seed": 1, "noise_shape": (None, 1)},
        input_shape=(3, 4),
        expected_output_shape=(3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_symbolic_shape():
    assert AlphaDropout(0.1)(Input(shape=(None, 3))).shape == (None, None, 3)


CONFIGS = {
    "rate": {"rate": 0.1},
    "seed": {"rate": 0.2, "seed": 3},
    "noise_shape": {"rate": 0.3, "noise_shape": (None, 1, 4)},
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = AlphaDropout(name="ad", **kwargs).get_config()
    assert config == keras.layers.AlphaDropout(name="ad", **kwargs).get_config()
    assert AlphaDropout.from_config(config).get_config() == config


def test_noise_shape_of_wrong_rank_names_layer_and_shapes():
    layer = AlphaDropout(0.5, noise_shape=(None, 1), name="ad")
    with pytest.raises(ValueError, match=r"'ad'.*rank 2.*\(2, 3, 4\)"):
        layer(torch.ones(2, 3, 4), training=True)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5"], ids=repr)
def test_bad_rate_is_refused(rate):
    with pytest.raises(ValueError, match="`rate` of `AlphaDropout`"):
        AlphaDropout(rate)
