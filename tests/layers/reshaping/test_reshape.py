"""`Reshape` against real Keras 3: values, -1 inference, shapes, config, errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.reshaping.reshape import Reshape

keras = pytest.importorskip("keras")

CASES = {
    "flat_to_2d": ((2, 12), (3, 4)),
    "infer_last": ((2, 12), (3, -1)),
    "infer_first": ((2, 3, 4), (-1, 2)),
    "to_flat": ((2, 3, 4), (-1,)),
    "rank4": ((2, 2, 3, 4), (4, 3, 2)),
}


@pytest.mark.parametrize("shape,target", CASES.values(), ids=CASES.keys())
def test_matches_keras(shape, target):
    x = np.random.randn(*shape).astype("float32")
    expected = keras.layers.Reshape(target)(x).detach().numpy()
    np.testing.assert_array_equal(Reshape(target)(x).numpy(), expected)


def test_hand_computed_and_gradient():
    x = torch.arange(6.0, requires_grad=True)
    out = Reshape((2, -1))(x.reshape(1, 6))
    assert out.tolist() == [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]]
    out.sum().backward()
    assert x.grad.tolist() == [1.0] * 6


def test_empty_batch():
    assert Reshape((2, -1))(torch.ones(0, 6)).shape == (0, 2, 3)


@pytest.mark.parametrize(
    "shape,target",
    [
        ((12,), (3, 4)),
        ((12,), (-1, 2)),
        ((None, 3), (-1,)),
        ((None, 4), (-1, 2, 2)),
        ((None, 3), (2, -1)),  # unknown sizes need not divide by 2
    ],
    ids=str,
)
def test_symbolic_shape_matches_keras(shape, target):
    theirs = keras.layers.Reshape(target)(keras.Input(shape=shape)).shape
    assert Reshape(target)(Input(shape=shape)).shape == tuple(theirs)


def test_compute_output_shape_with_unknown_sizes():
    assert Reshape((2, -1)).compute_output_shape((None, None, 3)) == (None, 2, None)
    assert Reshape((3, -1)).compute_output_shape((None, 12)) == (None, 3, 4)


def test_get_config_matches_keras_and_round_trips():
    config = Reshape((2, -1), name="r").get_config()
    assert config == keras.layers.Reshape((2, -1), name="r").get_config()
    assert Reshape.from_config(config).get_config() == config
    assert Reshape.from_config({**config, "target_shape": [2, -1]}).target_shape == (
        2,
        -1,
    )


@pytest.mark.parametrize("target", [(-1, -1), (2, -3), (2.0, 3), "ab", 5], ids=str)
def test_bad_target_shape_is_refused(target):
    with pytest.raises(ValueError, match="`target_shape` of `Reshape`"):
        Reshape(target)


def test_size_mismatch_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"'r'.*\(3, 4\) \(12 values\).*\(5, -1\)"):
        Reshape((5, -1), name="r")(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"target_shape=\(5,\)"):
        Reshape((5,))(Input(shape=(3, 4)))
