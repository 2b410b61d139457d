"""`SpatialDropout1D/2D/3D`: whole channels dropped in training, identity in
inference, data formats, seeds, config as Keras writes it, rank errors."""

import numpy as np
import pytest
import torch

from ember.backend import config as backend_config
from ember.layers.core.input_layer import Input
from ember.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

# (class, kwargs, input shape, channel axis)
CASES = {
    "1d": (SpatialDropout1D, {}, (64, 5, 8), -1),
    "2d_last": (SpatialDropout2D, {}, (64, 3, 4, 8), -1),
    "2d_first": (SpatialDropout2D, {"data_format": "channels_first"}, (64, 8, 3, 4), 1),
    "3d_last": (SpatialDropout3D, {}, (32, 2, 3, 2, 8), -1),
    "3d_first": (
        SpatialDropout3D,
        {"data_format": "channels_first"},
        (32, 8, 2, 3, 2),
        1,
    ),
}


@pytest.mark.parametrize("cls,kwargs,shape,axis", CASES.values(), ids=CASES.keys())
def test_training_drops_whole_channels_and_rescales(cls, kwargs, shape, axis):
    x = torch.rand(shape) + 0.5
    out = cls(0.4, seed=3, **kwargs)(x, training=True)
    kept = out != 0
    # Every position of a (sample, channel) pair shares the keep decision.
    per_channel = kept.movedim(axis, 1).flatten(2)
    assert torch.equal(per_channel.all(-1), per_channel.any(-1))
    torch.testing.assert_close(out[kept], x[kept] / 0.6)
    drop_rate = 1 - per_channel.any(-1).float().mean().item()
    assert drop_rate == pytest.approx(0.4, abs=0.1)


@pytest.mark.parametrize("cls,kwargs,shape,axis", CASES.values(), ids=CASES.keys())
def test_inference_is_identity_like_keras(cls, kwargs, shape, axis):
    x = np.random.randn(*shape).astype("float32")
    theirs = getattr(keras.layers, cls.__name__)(0.5, **kwargs)
    expected = theirs(x, training=False).detach().numpy()
    np.testing.assert_array_equal(cls(0.5, **kwargs)(x).numpy(), expected)


def test_seeded_layers_repeat_and_calls_differ():
    x = torch.ones(16, 4, 8)
    a, b = SpatialDropout1D(0.5, seed=7), SpatialDropout1D(0.5, seed=7)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_rate_extremes():
    x = torch.ones(2, 3, 4)
    assert torch.equal(SpatialDropout1D(0.0)(x, training=True), x)
    assert torch.equal(SpatialDropout1D(1.0)(x, training=True), torch.zeros_like(x))


def test_default_data_format_follows_the_global_setting():
    backend_config.set_image_data_format("channels_first")
    try:
        assert SpatialDropout2D(0.1).data_format == "channels_first"
    finally:
        backend_config.set_image_data_format("channels_last")
    assert SpatialDropout2D(0.1).data_format == "channels_last"


def test_gradient_is_masked_and_scaled():
    x = torch.ones(4, 3, 5, requires_grad=True)
    out = SpatialDropout1D(0.5, seed=1)(x, training=True)
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())


@pytest.mark.parametrize("cls,kwargs,shape,axis", CASES.values(), ids=CASES.keys())
def test_standard_layer_checks(cls, kwargs, shape, axis):
    run_layer_test(
        cls,
        {"rate": 0.5, **kwargs},
        input_shape=(2,) + shape[1:],
        expected_output_shape=(2,) + shape[1:],
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_symbolic_shape():
    assert SpatialDropout2D(0.2)(Input(shape=(None, None, 3))).shape == (
        None,
        None,
        None,
        3,
    )


CONFIGS = {
    "1d": (SpatialDropout1D, {"rate": 0.2, "seed": 3}),
    "2d": (SpatialDropout2D, {"rate": 0.5, "data_format": "channels_first"}),
    "3d": (SpatialDropout3D, {"rate": 0.1}),
}


@pytest.mark.parametrize("cls,kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(cls, kwargs):
    config = cls(name="sd", **kwargs).get_config()
    assert (
        config == getattr(keras.layers, cls.__name__)(name="sd", **kwargs).get_config()
    )
    assert cls.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "cls,rank", [(SpatialDropout1D, 3), (SpatialDropout2D, 4), (SpatialDropout3D, 5)]
)
def test_wrong_rank_names_layer_expected_and_received(cls, rank):
    with pytest.raises(ValueError, match=rf'"sd".*expected ndim={rank}, found ndim=2'):
        cls(0.5, name="sd")(torch.ones(2, 3))


def test_bad_rate_and_data_format_are_refused():
    with pytest.raises(ValueError, match="`rate` of `SpatialDropout2D`"):
        SpatialDropout2D(1.5)
    with pytest.raises(ValueError, match="`data_format` of `SpatialDropout2D`"):
        SpatialDropout2D(0.5, data_format="channels_middle")
