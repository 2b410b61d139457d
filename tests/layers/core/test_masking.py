"""`Masking` against real Keras 3: zeroed outputs and masks, config, shapes."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.core.masking import Masking

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


def _padded(shape, value):
    x = np.random.randn(*shape).astype("float32")
    x[:, 1] = value  # a fully padded timestep (a sample, for rank 2)
    if len(shape) == 2:
        x[1] = value
    x[(0, -1) + (0,) * (len(shape) - 2)] = value  # a partly padded one stays
    return x


CASES = {
    "zero_rank3": (0.0, (2, 4, 3)),
    "minus_one_rank3": (-1.0, (3, 5, 2)),
    "zero_rank4": (0.0, (2, 3, 2, 4)),
    "zero_rank2": (0.0, (3, 4)),
}


@pytest.mark.parametrize("mask_value,shape", CASES.values(), ids=CASES.keys())
def test_outputs_and_mask_match_keras(mask_value, shape):
    x = _padded(shape, mask_value)
    theirs = keras.layers.Masking(mask_value=mask_value)
    expected = theirs(x)
    out = Masking(mask_value=mask_value)(x)
    np.testing.assert_array_equal(_np(out), _np(expected))
    np.testing.assert_array_equal(_np(out._keras_mask), _np(expected._keras_mask))
    np.testing.assert_array_equal(
        _np(Masking(mask_value=mask_value).compute_mask(torch.as_tensor(x))),
        _np(theirs.compute_mask(x)),
    )


def test_hand_computed():
    x = torch.tensor([[[1.0, 2.0], [5.0, 5.0], [5.0, 0.0]]])
    out = Masking(mask_value=5.0)(x)
    assert out.tolist() == [[[1.0, 2.0], [0.0, 0.0], [5.0, 0.0]]]
    assert out._keras_mask.tolist() == [[True, False, True]]


def test_gradient_flows_only_through_kept_timesteps():
    x = torch.tensor([[[1.0, 2.0], [0.0, 0.0]]], requires_grad=True)
    Masking()(x).sum().backward()
    assert x.grad.tolist() == [[[1.0, 1.0], [0.0, 0.0]]]


def test_symbolic_output_carries_a_mask():
    out = Masking()(Input(shape=(None, 3)))
    assert out.shape == (None, None, 3)
    assert out._keras_mask.shape == (None, None)


def test_get_config_matches_keras_and_round_trips():
    config = Masking(mask_value=-1.0, name="m").get_config()
    assert config == keras.layers.Masking(mask_value=-1.0, name="m").get_config()
    assert Masking.from_config(config).get_config() == config


def test_non_number_mask_value_is_refused():
    with pytest.raises(ValueError, match="`mask_value` of `Masking`"):
        Masking(mask_value="pad")
