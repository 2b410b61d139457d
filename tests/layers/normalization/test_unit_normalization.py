"""`UnitNormalization` against real Keras 3 and by hand; config and errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.core.input_layer import Input
from ember.layers.normalization.unit_normalization import UnitNormalization
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

CASES = {
    "rank2": ({}, (4, 5)),
    "rank3_last": ({}, (2, 3, 4)),
    "axis1": ({"axis": 1}, (2, 3, 4)),
    "two_axes": ({"axis": [1, 2]}, (2, 3, 4)),
    "negative_axes": ({"axis": (-3, -1)}, (2, 3, 4, 5)),
}


@pytest.mark.parametrize("kwargs,shape", CASES.values(), ids=CASES.keys())
def test_matches_keras(kwargs, shape):
    x = np.random.randn(*shape).astype("float32")
    assert_matches_keras(UnitNormalization, kwargs, x)


def test_zero_vectors_stay_zero_like_keras():
    x = np.zeros((2, 3), "float32")
    x[1] = [3.0, 0.0, 4.0]
    _, _, (ours,), _ = assert_matches_keras(UnitNormalization, {}, x)
    np.testing.assert_allclose(ours, [[0.0, 0.0, 0.0], [0.6, 0.0, 0.8]], atol=1e-7)


def test_gradients_match_plain_torch():
    x = torch.randn(3, 4, requires_grad=True)
    out = UnitNormalization()(x)
    (out * torch.arange(4.0)).sum().backward()
    ref_x = x.detach().clone().requires_grad_(True)
    ref = ref_x / ref_x.norm(dim=-1, keepdim=True)
    (ref * torch.arange(4.0)).sum().backward()
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, ref_x.grad)


@pytest.mark.parametrize("axis", [-1, [1, 2]], ids=str)
def test_standard_layer_checks(axis):
    run_layer_test(
        UnitNormalization,
        {"axis": axis},
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        supports_masking=True,
    )


def test_symbolic_shape():
    assert UnitNormalization()(Input(shape=(None, 3))).shape == (None, None, 3)


@pytest.mark.parametrize("axis", [-1, [1, 2], (1,)], ids=str)
def test_get_config_matches_keras_and_round_trips(axis):
    config = UnitNormalization(axis=axis, name="u").get_config()
    assert config == keras.layers.UnitNormalization(axis=axis, name="u").get_config()
    assert UnitNormalization.from_config(config).get_config() == config


def test_axis_out_of_range_names_layer_and_shape():
    with pytest.raises(ValueError, match=r"UnitNormalization.*'u'.*axis=3.*\(2, 3\)"):
        UnitNormalization(axis=3, name="u")(torch.ones(2, 3))


def test_bad_axis_is_refused():
    with pytest.raises(ValueError, match="`axis` of `UnitNormalization`"):
        UnitNormalization(axis="last")
