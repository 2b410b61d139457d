"""`Dropout`: inference is the identity (as in Keras 3), training drops and
rescales, seeds reproduce, config matches Keras, arguments are validated."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.regularization.dropout import Dropout

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0], ids=str)
def test_inference_matches_keras(rate):
    x = np.random.randn(4, 5).astype("float32")
    expected = keras.layers.Dropout(rate)(x, training=False).detach().numpy()
    np.testing.assert_array_equal(Dropout(rate)(x, training=False).numpy(), expected)
    np.testing.assert_array_equal(Dropout(rate)(x).numpy(), x)  # default: inference


def test_training_drops_and_rescales():
    x = torch.ones(200, 50)
    out = Dropout(0.25, seed=3)(x, training=True)
    values = set(out.unique().tolist())
    assert values == {0.0, np.float32(1.0) / np.float32(0.75)}
    assert (out == 0).float().mean().item() == pytest.approx(0.25, abs=0.02)
    assert out.mean().item() == pytest.approx(1.0, abs=0.03)


def test_hand_computed_extremes():
    x = torch.tensor([[1.0, 2.0]])
    assert Dropout(1.0)(x, training=True).tolist() == [[0.0, 0.0]]
    assert Dropout(0.0)(x, training=True).tolist() == [[1.0, 2.0]]


def test_seeded_layers_repeat_and_calls_differ():
    x = torch.ones(8, 16)
    first, second = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    a, b = first(x, training=True), second(x, training=True)
    assert torch.equal(a, b)
    assert not torch.equal(a, first(x, training=True))


def test_noise_shape_shares_the_mask_over_axes():
    out = Dropout(0.5, noise_shape=(None, 1, 6), seed=1)(
        torch.ones(3, 4, 6), training=True
    )
    assert torch.equal(out, out[:, :1].expand_as(out))


def test_gradient_is_masked_and_scaled():
    x = torch.ones(10, 10, requires_grad=True)
    out = Dropout(0.5, seed=2)(x, training=True)
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())


def test_mask_passes_and_no_weights():
    x = torch.ones(2, 3, 4)
    x._keras_mask = torch.tensor([[True, True, False], [True, False, False]])
    layer = Dropout(0.5)
    assert torch.equal(layer(x, training=True)._keras_mask, x._keras_mask)
    assert layer.weights == []


def test_symbolic_shape():
    assert Dropout(0.2)(Input(shape=(None, 3))).shape == (None, None, 3)


CONFIGS = {
    "rate": {"rate": 0.5},
    "seed": {"rate": 0.1, "seed": 42},
    "noise_shape": {"rate": 0.3, "noise_shape": [None, 1, 4]},
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = Dropout(name="drop", **kwargs).get_config()
    assert config == keras.layers.Dropout(name="drop", **kwargs).get_config()
    assert Dropout.from_config(config).get_config() == config


@pytest.mark.parametrize("rate", [-0.1, 1.5, "half", None], ids=str)
def test_bad_rate_is_refused(rate):
    with pytest.raises(
        ValueError, match="`rate` of `Dropout`: expected a float between"
    ):
        Dropout(rate)


@pytest.mark.parametrize("noise_shape", ["abc", (2, 0), (1.5,), 3], ids=str)
def test_bad_noise_shape_is_refused(noise_shape):
    with pytest.raises(ValueError, match="`noise_shape` of `Dropout`"):
        Dropout(0.5, noise_shape=noise_shape)


def test_noise_shape_of_wrong_rank_explains():
    with pytest.raises(ValueError, match="rank 2.*rank 3"):
        Dropout(0.5, noise_shape=(None, 1))(torch.ones(2, 3, 4), training=True)
