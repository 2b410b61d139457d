"""`ActivityRegularization`: identity output, Keras's penalty in `losses`
(divided by the batch size), in a fitted model; config as Keras."""

import numpy as np
import pytest
import torch

import ember
from ember.layers.core.dense import Dense
from ember.layers.regularization.activity_regularization import (
    ActivityRegularization,
)
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


@pytest.mark.parametrize(
    "kwargs", [{"l1": 0.1}, {"l2": 0.05}, {"l1": 0.01, "l2": 0.2}], ids=str
)
def test_output_and_loss_match_keras(kwargs):
    x = np.random.randn(4, 3, 5).astype("float32")
    theirs = keras.layers.ActivityRegularization(**kwargs)
    expected = theirs(x)
    ours = ActivityRegularization(**kwargs)
    out = ours(torch.as_tensor(x))
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    (loss,) = ours.losses
    (their_loss,) = theirs.losses
    np.testing.assert_allclose(loss.item(), float(their_loss), rtol=1e-6)


def test_hand_computed():
    layer = ActivityRegularization(l1=0.5, l2=1.0)
    layer(torch.tensor([[1.0, -2.0], [0.0, 1.0]]))
    # (0.5 * 4 + 1.0 * 6) / batch of 2.
    assert layer.losses[0].item() == pytest.approx(4.0)


def test_loss_joins_the_training_loss():
    model = ember.Sequential(
        [ember.Input(shape=(3,)), Dense(2), ActivityRegularization(l2=1.0)]
    )
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    out = model(torch.as_tensor(x))
    penalty = (out**2).sum().item() / 4
    mse = (out**2).mean().item()
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(mse + penalty, rel=1e-5)


def test_standard_layer_checks():
    run_layer_test(
        ActivityRegularization,
        {"l1": 0.1, "l2": 0.1},
        input_shape=(2, 3),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=0,
        expected_num_losses=1,
        supports_masking=True,
    )


@pytest.mark.parametrize("kwargs", [{}, {"l1": 0.1, "l2": 0.2}], ids=str)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = ActivityRegularization(name="ar", **kwargs).get_config()
    assert (
        config == keras.layers.ActivityRegularization(name="ar", **kwargs).get_config()
    )
    assert ActivityRegularization.from_config(config).get_config() == config


def test_negative_factor_is_refused():
    with pytest.raises(ValueError, match="`l1` of `ActivityRegularization`"):
        ActivityRegularization(l1=-1.0)
    with pytest.raises(ValueError, match="`l2` of `ActivityRegularization`"):
        ActivityRegularization(l2="big")
