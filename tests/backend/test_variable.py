"""ember.Variable: an nn.Parameter with Keras's variable API."""

import copy

import numpy as np
import pytest
import torch

import ember


def _kernel():
    layer = ember.layers.Dense(2, name="head")
    layer.build((None, 3))
    return layer.kernel


def test_is_a_parameter_with_keras_names():
    kernel = _kernel()
    assert isinstance(kernel, torch.nn.Parameter) and isinstance(kernel, ember.Variable)
    assert kernel.name == "kernel" and kernel.path == "head/kernel"
    assert kernel.shape == (3, 2) and kernel.trainable


def test_assign_numpy_and_arithmetic():
    kernel = _kernel()
    kernel.assign(np.ones((3, 2)))
    kernel.assign_add(np.ones((3, 2)))
    kernel.assign_sub(0.5)
    np.testing.assert_array_equal(kernel.numpy(), np.full((3, 2), 1.5, "float32"))
    assert type(kernel * 2) is torch.Tensor
    with pytest.raises(ValueError, match=r"shape \(2, 2\) to variable 'head/kernel'"):
        kernel.assign(np.zeros((2, 2)))


def test_trainable_flag_is_requires_grad():
    kernel = _kernel()
    kernel.trainable = False
    assert not kernel.requires_grad


def test_deepcopy_keeps_metadata():
    kernel = _kernel()
    clone = copy.deepcopy(kernel)
    assert clone.path == "head/kernel" and clone is not kernel
    assert torch.equal(clone, kernel)
