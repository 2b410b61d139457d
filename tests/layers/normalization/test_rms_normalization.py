"""`RMSNormalization` against real Keras 3, a NumPy reference, plain torch
(gradients), by hand; config and errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.normalization.rms_normalization import RMSNormalization
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


CASES = {
    "rank2": ({}, (4, 6)),
    "rank3": ({"epsilon": 0.1}, (2, 5, 6)),
    "two_trailing_axes": ({"axis": [-2, -1]}, (2, 5, 6)),
    "trailing_positive": ({"axis": [2, 3]}, (2, 3, 4, 5)),
}


@pytest.mark.parametrize("kwargs,shape", CASES.values(), ids=CASES.keys())
def test_matches_keras(kwargs, shape):
    x = (np.random.randn(*shape) * 2 + 0.5).astype("float32")
    theirs = keras.layers.RMSNormalization(**kwargs)
    theirs.build(shape)
    scale = np.random.uniform(0.5, 1.5, theirs.scale.shape).astype("float32")
    theirs.set_weights([scale])
    ours = RMSNormalization(**kwargs)
    ours.build(shape)
    ours.set_weights([scale])
    np.testing.assert_allclose(
        _np(ours(torch.as_tensor(x))), _np(theirs(x)), atol=1e-5, rtol=1e-5
    )


@pytest.mark.parametrize("axis", [1, [0, 2]], ids=str)
def test_non_trailing_axes_match_numpy(axis):
    # Keras 3.15 on torch mishandles these (its fused path always normalizes
    # the last axes); ember normalizes the requested axes.
    x = np.random.randn(3, 4, 5).astype("float32")
    layer = RMSNormalization(axis=axis)
    layer(torch.as_tensor(x))
    scale = np.random.uniform(0.5, 1.5, layer.scale.shape).astype("float32")
    layer.set_weights([scale])
    dims = (1,) if axis == 1 else (0, 2)
    shape = [1, 4, 1] if axis == 1 else [3, 1, 5]
    expected = x / np.sqrt(np.mean(x * x, axis=dims, keepdims=True) + 1e-6)
    expected = expected * scale.reshape(shape)
    np.testing.assert_allclose(_np(layer(torch.as_tensor(x))), expected, atol=1e-5)


def test_mixed_sign_axes_lay_the_scale_out_like_layer_normalization():
    # The scale takes the axes in the order `axis` sorts to, (-1, 1) here, and
    # is reshaped to the input's axis order, as LayerNormalization's gamma in
    # Keras (Keras's own RMSNormalization fails on this input).
    x = np.random.randn(2, 3, 4).astype("float32")
    layer = RMSNormalization(axis=[-1, 1])
    layer(torch.as_tensor(x))
    assert tuple(layer.scale.shape) == (4, 3)
    scale = np.random.uniform(0.5, 1.5, (4, 3)).astype("float32")
    layer.set_weights([scale])
    expected = x / np.sqrt(np.mean(x * x, axis=(1, 2), keepdims=True) + 1e-6)
    expected = expected * scale.reshape(1, 3, 4)
    np.testing.assert_allclose(_np(layer(torch.as_tensor(x))), expected, atol=1e-5)


def test_hand_computed():
    # mean square of [3, 4] is 12.5.
    out = RMSNormalization(epsilon=0.0)(torch.tensor([[3.0, 4.0]]))
    torch.testing.assert_close(out, torch.tensor([[3.0, 4.0]]) / 12.5**0.5)


def test_gradients_match_plain_torch():
    layer = RMSNormalization()
    x = torch.randn(3, 4, requires_grad=True)
    out = layer(x)
    (out * torch.arange(4.0)).sum().backward()
    ref_x = x.detach().clone().requires_grad_(True)
    ref_s = layer.scale.detach().clone().requires_grad_(True)
    ref = ref_x * torch.rsqrt(ref_x.square().mean(-1, keepdim=True) + 1e-6) * ref_s
    (ref * torch.arange(4.0)).sum().backward()
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, ref_x.grad)
    torch.testing.assert_close(layer.scale.grad, ref_s.grad)


def test_bfloat16_inputs_keep_their_dtype():
    out = RMSNormalization(dtype="mixed_bfloat16")(torch.randn(2, 8))
    assert out.dtype == torch.bfloat16


@pytest.mark.parametrize("axis", [-1, [1, 2], [0, 2]], ids=str)
def test_standard_layer_checks(axis):
    run_layer_test(
        RMSNormalization,
        {"axis": axis},
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0,
        run_symbolic_check=axis != [0, 2],  # the batch axis is not symbolic
    )


def test_weights_follow_keras():
    ours, theirs = (
        RMSNormalization(axis=[2, 1]),
        keras.layers.RMSNormalization(axis=[2, 1]),
    )
    ours(torch.ones(2, 3, 4))
    theirs(np.ones((2, 3, 4), "float32"))
    assert [w.name for w in ours.weights] == ["scale"]
    assert tuple(ours.scale.shape) == tuple(theirs.scale.shape) == (3, 4)
    assert ours.get_config()["axis"] == theirs.get_config()["axis"] == [1, 2]


def test_symbolic_shape():
    assert RMSNormalization()(Input(shape=(None, 6))).shape == (None, None, 6)


@pytest.mark.parametrize(
    "kwargs", [{}, {"axis": [1, 2], "epsilon": 1e-3}], ids=["defaults", "axes"]
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = RMSNormalization(name="rms", **kwargs).get_config()
    assert config == keras.layers.RMSNormalization(name="rms", **kwargs).get_config()
    assert RMSNormalization.from_config(config).get_config() == config


def test_axis_out_of_range_names_layer_axis_and_shape():
    with pytest.raises(ValueError, match=r"RMSNormalization.*'rms'.*axis=2.*\(2, 3\)"):
        RMSNormalization(axis=2, name="rms")(torch.ones(2, 3))


def test_unknown_axis_size_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        RMSNormalization()(Input(shape=(3, None)))
