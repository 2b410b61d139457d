"""`BatchNormalization` against real Keras 3 (outputs and moving statistics over
several training calls), plain torch (gradients), by hand, and its errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.normalization.batch_normalization import BatchNormalization
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _pair(kwargs, shape, rng):
    """A Keras layer and an ember layer with the same non-trivial weights."""
    theirs = keras.layers.BatchNormalization(**kwargs)
    ours = BatchNormalization(**kwargs)
    x = rng.standard_normal(shape).astype("float32")
    theirs(x)
    ours(torch.as_tensor(x))
    weights = [
        rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in theirs.get_weights()
    ]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours


def _assert_same_weights(ours, theirs, atol=1e-5):
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, _np(b), atol=atol, rtol=1e-5)


CASES = {
    "nhwc_axis_last": ({}, (6, 4, 4, 3)),
    "nchw_axis1": ({"axis": 1}, (6, 3, 4, 4)),
    "rank2": ({"momentum": 0.9}, (8, 5)),
    "rank3_axis_last": ({"epsilon": 0.1}, (4, 5, 3)),
    "rank3_axis1": ({"axis": 1, "momentum": 0.5}, (4, 3, 5)),
    "rank4_middle_axis": ({"axis": 2}, (3, 4, 5, 2)),
    "rank5_axis_last": ({"momentum": 0.8}, (2, 3, 2, 3, 4)),
    "no_center": ({"center": False}, (6, 2, 2, 3)),
    "no_scale": ({"scale": False, "momentum": 0.7}, (6, 2, 2, 3)),
    "neither": ({"center": False, "scale": False}, (8, 3)),
    "renorm": ({"renorm": True, "momentum": 0.8}, (8, 2, 3)),
    "renorm_clipped": (
        {
            "renorm": True,
            "renorm_clipping": {"rmax": 1.1, "rmin": 0.9, "dmax": 0.1},
            "renorm_momentum": 0.7,
        },
        (8, 4),
    ),
}


@pytest.mark.parametrize("kwargs,shape", CASES.values(), ids=CASES.keys())
def test_training_and_inference_match_keras(kwargs, shape):
    rng = np.random.default_rng(1)
    theirs, ours = _pair(kwargs, shape, rng)
    for step in range(3):
        # Shifted, scaled batches make the moving statistics move visibly.
        x = (rng.standard_normal(shape) * (1 + step) + step).astype("float32")
        expected = _np(theirs(x, training=True))
        got = _np(ours(torch.as_tensor(x), training=True))
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)
        _assert_same_weights(ours, theirs)
    x = rng.standard_normal(shape).astype("float32")
    np.testing.assert_allclose(
        _np(ours(torch.as_tensor(x))), _np(theirs(x, training=False)), atol=1e-5
    )


MASK_CASES = {
    "rank3": ({}, (4, 6, 3)),
    "rank4": ({"momentum": 0.5}, (2, 3, 4, 5)),
    "renorm": ({"renorm": True}, (4, 6, 3)),
}


@pytest.mark.parametrize("kwargs,shape", MASK_CASES.values(), ids=MASK_CASES.keys())
def test_masked_statistics_match_keras(kwargs, shape):
    rng = np.random.default_rng(2)
    theirs, ours = _pair(kwargs, shape, rng)
    mask = rng.random(shape[:-1]) > 0.3
    for _ in range(2):
        x = (rng.standard_normal(shape) * 2 + 1).astype("float32")
        expected = _np(theirs(x, training=True, mask=mask))
        got = ours(torch.as_tensor(x), training=True, mask=torch.as_tensor(mask))
        np.testing.assert_allclose(_np(got), expected, atol=1e-5, rtol=1e-5)
        _assert_same_weights(ours, theirs)


def test_mask_travelling_on_the_input_is_used_and_kept():
    x = torch.randn(2, 4, 3)
    x[:, 2:] = 100.0  # padding that would swamp the statistics
    mask = torch.tensor([[True, True, False, False]] * 2)
    x._keras_mask = mask
    layer = BatchNormalization(momentum=0.0)
    out = layer(x, training=True)
    assert torch.equal(out._keras_mask, mask)
    kept = x[:, :2].reshape(-1, 3)
    torch.testing.assert_close(layer.moving_mean, kept.mean(0), atol=1e-5, rtol=1e-5)


def test_hand_computed():
    layer = BatchNormalization(momentum=0.5, epsilon=0.0)
    x = torch.tensor([[1.0], [3.0]])  # mean 2, biased variance 1
    assert layer(x, training=True).flatten().tolist() == [-1.0, 1.0]
    # moving = 0.5 * initial + 0.5 * batch; the variance is the biased one.
    assert layer.moving_mean.tolist() == [1.0]
    assert layer.moving_variance.tolist() == [1.0]
    # Inference: (x - 1) / sqrt(1).
    assert layer(x).flatten().tolist() == [0.0, 2.0]


def test_moving_variance_is_biased_unlike_torch():
    x = torch.randn(4, 3)
    layer = BatchNormalization(momentum=0.0)
    layer(x, training=True)
    torch.testing.assert_close(layer.moving_variance, x.var(0, unbiased=False))


def test_frozen_layer_runs_in_inference_mode_and_keeps_its_statistics():
    rng = np.random.default_rng(3)
    theirs, ours = _pair({}, (6, 4), rng)
    theirs.trainable = False
    ours.trainable = False
    x = rng.standard_normal((6, 4)).astype("float32")
    before = ours.get_weights()
    out = ours(torch.as_tensor(x), training=True)
    np.testing.assert_allclose(_np(out), _np(theirs(x, training=True)), atol=1e-5)
    np.testing.assert_allclose(_np(out), _np(ours(torch.as_tensor(x))), atol=0)
    for a, b in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert ours.trainable_weights == []


def test_forward_and_gradients_match_plain_torch():
    layer = BatchNormalization(gamma_initializer="random_normal", momentum=0.9)
    x = torch.randn(5, 3, 3, 4, requires_grad=True)
    out = layer(x, training=True)
    (out * torch.linspace(-1, 1, 4)).sum().backward()
    ref_x = x.detach().clone().requires_grad_(True)
    ref_g = layer.gamma.detach().clone().requires_grad_(True)
    ref_b = layer.beta.detach().clone().requires_grad_(True)
    var, mean = torch.var_mean(ref_x, dim=(0, 1, 2), correction=0)
    ref = (ref_x - mean) / torch.sqrt(var + 1e-3) * ref_g + ref_b
    (ref * torch.linspace(-1, 1, 4)).sum().backward()
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x.grad, ref_x.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(layer.gamma.grad, ref_g.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(layer.beta.grad, ref_b.grad, atol=1e-5, rtol=1e-5)
    assert layer.moving_mean.grad is None and not layer.moving_mean.requires_grad


def test_channels_last_output_is_contiguous_like_its_input():
    x = torch.randn(2, 5, 5, 8)
    layer = BatchNormalization()
    assert layer(x, training=True).is_contiguous()
    assert layer(x).is_contiguous()


def test_weights_have_keras_names_and_order():
    layer = BatchNormalization()
    layer(torch.ones(2, 3))
    assert [w.name for w in layer.weights] == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
    ]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert list(layer.state_dict()) == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
    ]
    renorm = BatchNormalization(renorm=True, center=False)
    renorm(torch.ones(2, 3))
    theirs = keras.layers.BatchNormalization(renorm=True, center=False)
    theirs(np.ones((2, 3), "float32"))
    assert [w.name for w in renorm.weights] == [w.name for w in theirs.weights]
    np.testing.assert_allclose(
        renorm.get_weights()[-1], _np(theirs.get_weights()[-1]), atol=0
    )


def test_mixed_precision_matches_keras():
    rng = np.random.default_rng(4)
    kwargs = {"dtype": "mixed_bfloat16"}
    theirs, ours = _pair(kwargs, (8, 3), rng)
    x = rng.standard_normal((8, 3)).astype("float32")
    got = ours(torch.as_tensor(x), training=True)
    expected = theirs(x, training=True)
    assert got.dtype == torch.bfloat16 and ours.moving_mean.dtype == torch.float32
    np.testing.assert_allclose(
        _np(got.float()),
        _np(expected.float()),
        atol=1e-2,  # bfloat16 output
    )
    _assert_same_weights(ours, theirs, atol=1e-3)  # statistics of bf16 inputs


LAYER_CASES = {
    "nhwc": ({}, (4, 3, 3, 2)),
    "nchw": ({"axis": 1}, (4, 2, 3, 3)),
    "rank2_no_center": ({"center": False}, (5, 3)),
    "renorm": ({"renorm": True}, (4, 3)),
}


@pytest.mark.parametrize("kwargs,shape", LAYER_CASES.values(), ids=LAYER_CASES.keys())
def test_standard_layer_checks(kwargs, shape):
    renorm = 3 if kwargs.get("renorm") else 0
    run_layer_test(
        BatchNormalization,
        kwargs,
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=1 if "center" in kwargs else 2,
        expected_num_non_trainable_weights=2 + renorm,
        supports_masking=True,
        # Training updates the moving statistics, so a later inference call
        # differs; gradients are checked in the test below.
        run_training_check=False,
    )
    layer = BatchNormalization(**kwargs)
    layer(torch.randn(*shape), training=True).sum().backward()
    assert all(w.grad is not None for w in layer.trainable_weights)


def test_symbolic_shape_and_functional_training():
    from ember.models import Model

    inputs = Input(shape=(None, 3))
    outputs = BatchNormalization()(inputs)
    assert outputs.shape == (None, None, 3)
    model = Model(inputs, outputs)
    x = torch.randn(4, 5, 3) * 3 + 2
    model(x, training=True)
    layer = model.layers[-1]
    assert not torch.allclose(layer.moving_mean, torch.zeros(3))


CONFIGS = {
    "defaults": {},
    "axis": {"axis": 1, "momentum": 0.9, "epsilon": 1e-5},
    "flags": {"center": False, "scale": False},
    "initializers": {
        "beta_initializer": "ones",
        "gamma_initializer": "random_normal",
        "moving_mean_initializer": "ones",
        "moving_variance_initializer": "zeros",
    },
    "regularizers": {"beta_regularizer": "l2", "gamma_regularizer": "l2"},
    "constraints": {"beta_constraint": "max_norm", "gamma_constraint": "non_neg"},
    "renorm": {
        "renorm": True,
        "renorm_clipping": {"rmax": 2.0},
        "renorm_momentum": 0.5,
    },
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = BatchNormalization(name="bn", **kwargs).get_config()
    assert config == keras.layers.BatchNormalization(name="bn", **kwargs).get_config()
    assert BatchNormalization.from_config(config).get_config() == config


def test_synchronized_is_accepted_and_reduces_over_a_process_group():
    import torch.distributed as dist

    x = torch.randn(6, 4) * 2 + 1
    local = BatchNormalization(synchronized=True)
    expected = local(x, training=True)
    assert local.get_config()["synchronized"] is True
    if not dist.is_available():
        pytest.skip("torch.distributed is unavailable")
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    try:
        synced = BatchNormalization(synchronized=True)
        got = synced(x.clone().requires_grad_(True), training=True)
        got.sum().backward()
    finally:
        dist.destroy_process_group()
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(synced.moving_variance, local.moving_variance)


def test_regularizers_add_losses():
    layer = BatchNormalization(gamma_regularizer="l2")
    layer(torch.ones(2, 3))
    (loss,) = layer.losses
    assert loss.item() == pytest.approx(0.01 * 3)


def test_axis_out_of_range_names_layer_axis_and_shape():
    with pytest.raises(ValueError, match=r"BatchNormalization.*'bn'.*axis=3.*\(2, 3\)"):
        BatchNormalization(axis=3, name="bn")(torch.ones(2, 3))


def test_wrong_rank_after_build_names_layer_and_ranks():
    layer = BatchNormalization(name="bn")
    layer(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r'"bn".*expected ndim=3, found ndim=2'):
        layer(torch.ones(2, 4))


def test_unknown_channel_size_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        BatchNormalization(axis=1)(Input(shape=(None, 3)))


def test_bad_mask_rank_is_refused():
    layer = BatchNormalization(name="bn")
    with pytest.raises(ValueError, match=r"one axis less.*\(2, 3, 4\)"):
        layer(torch.ones(2, 3, 4), training=True, mask=torch.ones(2, 3, 4))


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"axis": 1.5}, "axis"),
        ({"momentum": 1.5}, "momentum"),
        ({"epsilon": -1.0}, "epsilon"),
        ({"renorm": True, "renorm_clipping": {"rmax": 1.0, "rmin": 2.0}}, "renorm"),
        ({"renorm": True, "renorm_clipping": {"bad": 1.0}}, "renorm_clipping"),
    ],
    ids=["axis", "momentum", "epsilon", "rmax_below_rmin", "clipping_keys"],
)
def test_bad_arguments_are_refused(kwargs, argument):
    with pytest.raises(ValueError, match=rf"`{argument}.*`BatchNormalization`"):
        BatchNormalization(**kwargs)
