"""Constant, Zeros, Ones, Identity: exact values, equal to Keras 3's."""

import numpy as np
import pytest
import torch

from ember import initializers


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # the oracle; conftest sets its backend


CASES = [
    ("Zeros", {}, (3, 4)),
    ("Ones", {}, (3, 4)),
    ("Constant", {"value": 2.5}, (3, 4)),
    ("Constant", {"value": -7}, (2, 3, 4)),
    ("Constant", {"value": np.arange(4.0)}, (3, 4)),
    ("Identity", {}, (4, 4)),
    ("Identity", {"gain": 3.0}, (3, 5)),
    ("Identity", {"gain": 0.5}, (5, 3)),
]
IDS = [
    "zeros",
    "ones",
    "constant",
    "constant_int",
    "constant_array",
    "eye",
    "eye_wide",
    "eye_tall",
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"], ids=str)
@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=IDS)
def test_values_equal_keras(keras, name, kwargs, shape, dtype):
    ours = getattr(initializers, name)(**kwargs)(shape, dtype=dtype)
    theirs = getattr(keras.initializers, name)(**kwargs)(shape, dtype=dtype)
    assert ours.shape == shape and ours.dtype == getattr(torch, dtype)
    torch.testing.assert_close(
        ours, torch.as_tensor(theirs).to(ours.dtype), rtol=0, atol=0
    )


def test_hand_computed_values():
    assert initializers.Constant(0.1)((2,), dtype="float64").tolist() == [0.1, 0.1]
    assert initializers.Identity(2.0)((2, 3)).tolist() == [[2, 0, 0], [0, 2, 0]]
    assert initializers.Zeros()((2,)).dtype == torch.float32


def test_identity_rejects_non_matrices():
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


@pytest.mark.parametrize("name", ["Zeros", "Ones", "Constant", "Identity"], ids=str)
def test_meta_default_device(name):
    with torch.device("meta"):
        values = getattr(initializers, name)()((3, 3))
    assert values.device.type == "meta" and values.shape == (3, 3)


def test_constant_array_config_round_trip_and_keras_format(keras):
    constant = initializers.Constant(np.array([1.0, 2.0]))
    config = constant.get_config()
    assert config == keras.initializers.Constant(np.array([1.0, 2.0])).get_config()
    clone = initializers.Constant.from_config(config)
    assert torch.equal(clone((2, 2)), constant((2, 2)))
    tensor_value = initializers.Constant(torch.tensor([3.0])).get_config()["value"]
    assert tensor_value == {
        "class_name": "__tensor__",
        "config": {"value": [3.0], "dtype": "float32"},
    }
