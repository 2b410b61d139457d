"""`LayerNormalization` against real Keras 3, a NumPy reference, plain torch
(gradients), by hand; config, dtypes and errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.normalization.layer_normalization import LayerNormalization
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

RANDOM_AFFINE = {
    "gamma_initializer": "random_normal",
    "beta_initializer": "random_normal",
}


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _matches_keras(kwargs, x, atol=1e-5):
    theirs = keras.layers.LayerNormalization(**kwargs)
    expected = _np(theirs(x))
    ours = LayerNormalization(**kwargs)
    ours.build(x.shape)
    ours.set_weights([_np(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(_np(ours(torch.as_tensor(x))), expected, atol=atol)
    return ours


CASES = {
    "rank2": ({}, (4, 6)),
    "rank3_last": ({"epsilon": 0.1}, (2, 5, 6)),
    "rank4_last": ({}, (2, 3, 4, 5)),
    "two_trailing_axes": ({"axis": [-2, -1]}, (2, 5, 6)),
    "two_trailing_positive": ({"axis": (2, 3)}, (2, 3, 4, 5)),
    "non_adjacent_axes": ({"axis": [1, 3]}, (2, 3, 4, 5)),
    "batch_and_features": ({"axis": [0, 2]}, (3, 4, 5)),
    # Keras keeps [-1, 1] in that order: gamma is (5, 4), read as (4, 5).
    "mixed_sign_axes": ({"axis": [-1, 1]}, (2, 4, 5)),
    "mixed_sign_unsorted": ({"axis": [2, -3]}, (2, 3, 4, 5)),
    "no_center": ({"center": False}, (4, 6)),
    "no_scale": ({"scale": False}, (4, 6)),
    "neither": ({"center": False, "scale": False}, (2, 3, 6)),
}


@pytest.mark.parametrize("kwargs,shape", CASES.values(), ids=CASES.keys())
def test_matches_keras(kwargs, shape):
    x = (np.random.randn(*shape) * 3 + 1).astype("float32")
    _matches_keras({**RANDOM_AFFINE, **kwargs}, x)


def test_rms_scaling_is_deprecated_and_matches_keras():
    x = np.random.randn(3, 5).astype("float32")
    with pytest.warns(UserWarning, match="rms_scaling"):
        ours = _matches_keras(
            {"rms_scaling": True, "gamma_initializer": "random_normal"}, x
        )
    assert [w.name for w in ours.weights] == ["gamma"]


def test_a_single_middle_axis_normalizes_that_axis():
    # Keras 3.15 on torch sends any single axis to torch's last-axis kernel,
    # which is wrong for axis=1 of a rank-3 input; the TF and JAX backends
    # (and ember) normalize axis 1.
    x = np.random.randn(2, 4, 3).astype("float32")
    out = _np(LayerNormalization(axis=1)(torch.as_tensor(x)))
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), atol=1e-5)


def test_hand_computed():
    layer = LayerNormalization(epsilon=0.0)
    # mean 2, variance 2/3 -> (x - 2) / sqrt(2/3).
    out = layer(torch.tensor([[1.0, 2.0, 3.0]]))
    expected = torch.tensor([[-1.0, 0.0, 1.0]]) * (1.5**0.5)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("axis", [-1, [1, 3]], ids=["fused", "general"])
def test_forward_and_gradients_match_plain_torch(axis):
    layer = LayerNormalization(axis=axis, **RANDOM_AFFINE)
    x = torch.randn(2, 3, 4, 5, requires_grad=True)
    out = layer(x)
    (out * out.detach().sign()).sum().backward()
    dims = (-1,) if axis == -1 else (1, 3)
    shape = [1, 1, 1, 5] if axis == -1 else [1, 3, 1, 5]
    ref_x = x.detach().clone().requires_grad_(True)
    ref_g = layer.gamma.detach().clone().requires_grad_(True)
    ref_b = layer.beta.detach().clone().requires_grad_(True)
    var, mean = torch.var_mean(ref_x, dim=dims, keepdim=True, correction=0)
    ref = (ref_x - mean) / torch.sqrt(var + 1e-3) * ref_g.reshape(shape)
    ref = ref + ref_b.reshape(shape)
    (ref * out.detach().sign()).sum().backward()
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x.grad, ref_x.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(layer.gamma.grad, ref_g.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(layer.beta.grad, ref_b.grad, atol=1e-5, rtol=1e-5)


def test_half_inputs_are_normalized_in_float32_and_returned_in_compute_dtype():
    x = np.random.randn(4, 8).astype("float32")
    ours = LayerNormalization(dtype="mixed_bfloat16")
    theirs = keras.layers.LayerNormalization(dtype="mixed_bfloat16")
    inputs = torch.as_tensor(x).bfloat16()
    out = ours(inputs)
    expected = theirs(inputs)
    assert out.dtype == torch.bfloat16 == expected.dtype
    np.testing.assert_allclose(_np(out.float()), _np(expected.float()), atol=1e-2)
    assert LayerNormalization()(inputs).dtype == torch.float32


LAYER_CASES = {
    "default": ({}, (2, 3, 4), 2),
    "axes": ({"axis": [1, 2]}, (2, 3, 4), 2),
    "general": ({"axis": [1, 3]}, (2, 3, 4, 2), 2),
    "scale_only": ({"center": False}, (3, 4), 1),
}


@pytest.mark.parametrize(
    "kwargs,shape,weights", LAYER_CASES.values(), ids=LAYER_CASES.keys()
)
def test_standard_layer_checks(kwargs, shape, weights):
    run_layer_test(
        LayerNormalization,
        kwargs,
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=weights,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_weights_and_axis_after_build_follow_keras():
    ours, theirs = (
        LayerNormalization(axis=[2, 1]),
        keras.layers.LayerNormalization(axis=[2, 1]),
    )
    ours(torch.ones(2, 3, 4))
    theirs(np.ones((2, 3, 4), "float32"))
    assert [w.name for w in ours.weights] == ["gamma", "beta"]
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]
    assert ours.get_config()["axis"] == theirs.get_config()["axis"] == [1, 2]


def test_mask_passes_through():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    assert torch.equal(LayerNormalization()(x)._keras_mask, x._keras_mask)


def test_symbolic_shape():
    assert LayerNormalization()(Input(shape=(None, 6))).shape == (None, None, 6)


CONFIGS = {
    "defaults": {},
    "axes": {"axis": [1, 2], "epsilon": 1e-5},
    "flags": {"center": False, "scale": False},
    "initializers": {"beta_initializer": "ones", "gamma_initializer": "zeros"},
    "regularizers": {"beta_regularizer": "l2", "gamma_regularizer": "l2"},
    "constraints": {"beta_constraint": "non_neg", "gamma_constraint": "max_norm"},
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = LayerNormalization(name="ln", **kwargs).get_config()
    assert config == keras.layers.LayerNormalization(name="ln", **kwargs).get_config()
    assert LayerNormalization.from_config(config).get_config() == config


def test_axis_out_of_range_names_layer_axis_and_shape():
    with pytest.raises(ValueError, match=r"LayerNormalization.*'ln'.*axis=2.*\(2, 3\)"):
        LayerNormalization(axis=2, name="ln")(torch.ones(2, 3))


def test_rank_change_on_general_path_is_refused():
    layer = LayerNormalization(axis=[0, 2], name="ln")
    layer(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"'ln'.*rank 3.*\(2, 3\)"):
        layer(torch.ones(2, 3))


@pytest.mark.parametrize("axis", ["last", 1.0, [], None], ids=repr)
def test_bad_axis_is_refused(axis):
    with pytest.raises(ValueError, match="`axis` of `LayerNormalization`"):
        LayerNormalization(axis=axis)
