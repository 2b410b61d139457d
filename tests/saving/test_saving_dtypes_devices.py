"""Saved values keep their dtype (bfloat16 as Keras stores it) and load onto
the device the model lives on."""

import os

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember


def _bf16_model(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, dtype="bfloat16")])


def test_bfloat16_weights_move_both_ways(tmp_path):
    keras = keras_or_skip()
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    model = _bf16_model(ember)
    path = os.fspath(tmp_path / "ember_bf16.keras")
    model.save(path)
    in_keras = keras.saving.load_model(path)
    assert in_keras.weights[0].dtype == "bfloat16"
    expected = model(x).float().detach().numpy()
    got = np.asarray(in_keras(x).float().detach().cpu().numpy())
    np.testing.assert_array_equal(got, expected)

    keras_model = _bf16_model(keras)
    path = os.fspath(tmp_path / "keras_bf16.keras")
    keras_model.save(path)
    restored = ember.saving.load_model(path)
    assert restored.weights[0].dtype == torch.bfloat16
    np.testing.assert_array_equal(
        restored.weights[0].float().detach().numpy(),
        keras_model.weights[0].value.float().detach().cpu().numpy(),
    )


def test_float64_weights_keep_their_dtype(tmp_path):
    model = ember.Sequential(
        [ember.Input((2,)), ember.layers.Dense(2, dtype="float64")]
    )
    path = os.fspath(tmp_path / "f64.weights.h5")
    model.save_weights(path)
    clone = ember.Sequential(
        [ember.Input((2,)), ember.layers.Dense(2, dtype="float64")]
    )
    clone.load_weights(path)
    assert clone.weights[0].dtype == torch.float64
    np.testing.assert_array_equal(clone.get_weights()[0], model.get_weights()[0])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_files_move_between_cpu_and_cuda(tmp_path):
    x = torch.randn(5, 4)
    model = ember.Sequential(
        [ember.Input((4,)), ember.layers.Dense(6), ember.layers.BatchNormalization()]
    ).to("cuda")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x.numpy(), np.zeros((5, 6), "float32"), epochs=1, verbose=0)
    path = os.fspath(tmp_path / "cuda.keras")
    model.save(path)
    restored = ember.saving.load_model(path)  # lands on the CPU
    expected = model(x.cuda()).cpu()
    torch.testing.assert_close(restored(x), expected, atol=1e-5, rtol=1e-5)
    # Weights written on the CPU load into a model on CUDA.
    weights = os.fspath(tmp_path / "cpu.weights.h5")
    restored.save_weights(weights)
    target = ember.Sequential(
        [ember.Input((4,)), ember.layers.Dense(6), ember.layers.BatchNormalization()]
    ).to("cuda")
    target.load_weights(weights)
    assert target.weights[0].device.type == "cuda"
    torch.testing.assert_close(target(x.cuda()).cpu(), expected, atol=1e-5, rtol=1e-5)
