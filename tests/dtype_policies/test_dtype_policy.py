"""DTypePolicy: compute and variable dtypes of a layer."""

import pytest
import torch

import ember
from ember.dtype_policies import DTypePolicy
from ember.dtype_policies import get as get_policy


@pytest.mark.parametrize(
    "name, compute, variable",
    [
        ("float32", "float32", "float32"),
        ("float64", "float64", "float64"),
        ("mixed_float16", "float16", "float32"),
        ("mixed_bfloat16", "bfloat16", "float32"),
    ],
    ids=["float32", "float64", "mixed_float16", "mixed_bfloat16"],
)
def test_policy_dtypes(name, compute, variable):
    policy = DTypePolicy(name)
    assert (policy.compute_dtype, policy.variable_dtype) == (compute, variable)
    assert DTypePolicy.from_config(policy.get_config()) == policy


def test_get_accepts_torch_dtypes_and_configs():
    assert get_policy(torch.float64).name == "float64"
    assert (
        get_policy({"class_name": "DTypePolicy", "config": {"name": "float16"}}).name
        == "float16"
    )


def test_bad_policy_name():
    with pytest.raises(ValueError, match="Invalid value for argument `dtype`"):
        DTypePolicy("mixed_int8")


def test_layer_in_float64_casts_inputs_and_stores_float64_weights():
    layer = ember.layers.Dense(2, dtype="float64")
    out = layer(torch.ones(1, 3))
    assert out.dtype == torch.float64 and layer.kernel.dtype == torch.float64
    assert layer.dtype == "float64" and layer.compute_dtype == "float64"
