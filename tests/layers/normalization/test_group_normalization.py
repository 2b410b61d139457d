"""`GroupNormalization` against real Keras 3, plain torch (gradients), by hand;
config, dtypes and errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.normalization.group_normalization import GroupNormalization
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

RANDOM_AFFINE = {
    "gamma_initializer": "random_normal",
    "beta_initializer": "random_normal",
}


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


CASES = {
    "rank2": ({"groups": 2}, (4, 6)),
    "rank3_last": ({"groups": 3, "epsilon": 0.1}, (2, 5, 6)),
    "nhwc": ({"groups": 2}, (2, 3, 3, 4)),
    "nchw": ({"groups": 2, "axis": 1}, (2, 4, 3, 3)),
    "rank3_axis1": ({"groups": 4, "axis": 1}, (2, 8, 5)),
    "middle_axis": ({"groups": 2, "axis": 2}, (2, 3, 4, 5)),
    "instance": ({"groups": -1}, (2, 4, 4, 3)),
    "layer_like": ({"groups": 1}, (2, 3, 5)),
    "no_center": ({"groups": 2, "center": False}, (3, 4, 4)),
    "no_scale": ({"groups": 2, "scale": False}, (3, 4, 4)),
}


@pytest.mark.parametrize("kwargs,shape", CASES.values(), ids=CASES.keys())
def test_matches_keras(kwargs, shape):
    x = (np.random.randn(*shape) * 2 + 1).astype("float32")
    kwargs = {**RANDOM_AFFINE, **kwargs}
    theirs = keras.layers.GroupNormalization(**kwargs)
    expected = _np(theirs(x))
    ours = GroupNormalization(**kwargs)
    ours.build(shape)
    ours.set_weights([_np(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(_np(ours(torch.as_tensor(x))), expected, atol=1e-5)
    assert ours.get_config()["groups"] == theirs.get_config()["groups"]


def test_hand_computed():
    layer = GroupNormalization(groups=2, epsilon=0.0)
    x = torch.tensor([[1.0, 3.0, 14.0, 10.0]])
    # Group [1, 3]: mean 2, std 1. Group [14, 10]: mean 12, std 2.
    torch.testing.assert_close(layer(x), torch.tensor([[-1.0, 1.0, 1.0, -1.0]]))


def test_forward_and_gradients_match_plain_torch():
    layer = GroupNormalization(groups=2, **RANDOM_AFFINE)
    x = torch.randn(2, 3, 3, 4, requires_grad=True)
    out = layer(x)
    (out * out.detach().sign()).sum().backward()
    ref_x = x.detach().clone().requires_grad_(True)
    ref_g = layer.gamma.detach().clone().requires_grad_(True)
    ref_b = layer.beta.detach().clone().requires_grad_(True)
    grouped = ref_x.reshape(2, 3, 3, 2, 2)
    var, mean = torch.var_mean(grouped, dim=(1, 2, 4), keepdim=True, correction=0)
    ref = ((grouped - mean) / torch.sqrt(var + 1e-3)).reshape(2, 3, 3, 4)
    ref = ref * ref_g + ref_b
    (ref * out.detach().sign()).sum().backward()
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x.grad, ref_x.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(layer.gamma.grad, ref_g.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(layer.beta.grad, ref_b.grad, atol=1e-5, rtol=1e-5)


def test_half_inputs_compute_in_float32():
    x = torch.randn(2, 4, 6).bfloat16()
    ours = GroupNormalization(groups=3, dtype="mixed_bfloat16")
    out = ours(x)
    assert out.dtype == torch.bfloat16
    reference = GroupNormalization(groups=3)(x.float())
    torch.testing.assert_close(out.float(), reference, atol=2e-2, rtol=2e-2)


LAYER_CASES = {
    "nhwc": ({"groups": 2}, (2, 3, 3, 4), 2),
    "nchw": ({"groups": 2, "axis": 1}, (2, 4, 3, 3), 2),
    "instance_no_center": ({"groups": -1, "center": False}, (3, 5), 1),
}


@pytest.mark.parametrize(
    "kwargs,shape,weights", LAYER_CASES.values(), ids=LAYER_CASES.keys()
)
def test_standard_layer_checks(kwargs, shape, weights):
    run_layer_test(
        GroupNormalization,
        kwargs,
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=weights,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_weights_have_keras_names():
    layer = GroupNormalization(groups=2)
    layer(torch.ones(2, 4))
    assert [w.name for w in layer.weights] == ["gamma", "beta"]


def test_symbolic_shape():
    assert GroupNormalization(groups=2)(Input(shape=(None, 4))).shape == (
        None,
        None,
        4,
    )


CONFIGS = {
    "defaults": {},
    "groups": {"groups": 4, "axis": 1, "epsilon": 1e-5},
    "flags": {"center": False, "scale": False},
    "initializers": {"beta_initializer": "ones", "gamma_initializer": "zeros"},
    "regularizers": {"beta_regularizer": "l2", "gamma_regularizer": "l2"},
    "constraints": {"beta_constraint": "non_neg", "gamma_constraint": "max_norm"},
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = GroupNormalization(name="gn", **kwargs).get_config()
    assert config == keras.layers.GroupNormalization(name="gn", **kwargs).get_config()
    assert GroupNormalization.from_config(config).get_config() == config


def test_channels_not_divisible_name_layer_groups_and_shape():
    with pytest.raises(ValueError, match=r"'gn'.*5 channels.*\(2, 5\).*groups=2"):
        GroupNormalization(groups=2, name="gn")(torch.ones(2, 5))


def test_more_groups_than_channels_is_refused():
    with pytest.raises(ValueError, match="multiple of `groups`"):
        GroupNormalization(groups=8)(torch.ones(2, 4))


def test_unknown_channels_are_refused():
    with pytest.raises(
        ValueError, match=r"known number of channels.*\(None, 3, None\)"
    ):
        GroupNormalization(groups=1, axis=-1)(Input(shape=(3, None)))


def test_wrong_rank_after_build_is_refused():
    layer = GroupNormalization(groups=2, name="gn")
    layer(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r'"gn".*expected ndim=3, found ndim=2'):
        layer(torch.ones(2, 4))


@pytest.mark.parametrize("groups", [0, -2, 2.0, True], ids=repr)
def test_bad_groups_are_refused(groups):
    with pytest.raises(ValueError, match="`groups` of `GroupNormalization`"):
        GroupNormalization(groups=groups)
