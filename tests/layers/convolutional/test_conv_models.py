"""Every layer of the convolution family inside one functional model: it
matches the same model built in Keras, and under `fit` the loss drops and every
layer's weights move."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

import ember
from ember import layers
from ember.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from ember.layers.core.input_layer import Input
from ember.models import Model
from ember.optimizers import Adam

keras = pytest.importorskip("keras")

CF = "channels_first"
CONV_LAYERS = {
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
}


def every_conv_layer(lib):
    """Sequences (12, 2), channels_first images (2, 8, 8), volumes (4, 4, 4, 1)."""
    L = lib.layers
    seq = lib.Input(shape=(12, 2))
    a = L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu")(seq)
    a = L.DepthwiseConv1D(3, padding="same", depth_multiplier=2)(a)
    a = L.SeparableConv1D(4, 3, strides=2, padding="same", activation="relu")(a)
    a = L.Conv1DTranspose(4, 3, strides=2, padding="same")(a)
    a = L.GlobalAveragePooling1D()(a)
    image = lib.Input(shape=(2, 8, 8))
    b = L.Conv2D(4, 3, padding="same", activation="relu", data_format=CF)(image)
    b = L.DepthwiseConv2D(3, strides=2, padding="same", data_format=CF)(b)
    b = L.SeparableConv2D(4, 3, padding="same", activation="relu", data_format=CF)(b)
    b = L.Conv2DTranspose(4, 3, strides=2, padding="same", data_format=CF)(b)
    b = L.GlobalAveragePooling2D(data_format=CF)(b)
    volume = lib.Input(shape=(4, 4, 4, 1))
    c = L.Conv3D(4, 3, padding="same", activation="relu")(volume)
    c = L.Conv3DTranspose(2, 2, strides=2, output_padding=1, padding="same")(c)
    c = L.GlobalAveragePooling3D()(c)
    outputs = L.Dense(1)(L.Concatenate()([a, b, c]))
    return lib.Model([seq, image, volume], outputs)


MINE = SimpleNamespace(Input=Input, Model=Model, layers=layers)


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    seq = rng.standard_normal((n, 12, 2)).astype("float32")
    image = rng.standard_normal((n, 2, 8, 8)).astype("float32")
    volume = rng.standard_normal((n, 4, 4, 4, 1)).astype("float32")
    # A target each branch can read: the mean of a part of its own input.
    y = (
        2 * seq[:, :6, 0].mean(axis=1)
        + 4 * image[:, 1].mean(axis=(1, 2))
        - 4 * volume.mean(axis=(1, 2, 3, 4))
    )
    return [seq, image, volume], y[:, None].astype("float32")


def test_every_conv_layer_matches_keras_in_a_model():
    ours, theirs = every_conv_layer(MINE), every_conv_layer(keras)
    covered = {type(layer) for layer in ours.layers}
    assert CONV_LAYERS <= covered
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    x, _ = data(4)
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(x).detach().numpy(), expected, atol=1e-5)


def test_every_conv_layer_trains_with_fit():
    ember.utils.set_random_seed(0)
    model = every_conv_layer(MINE)
    x, y = data()
    before = {
        w.path: w.detach().clone()
        for layer in model.layers
        if type(layer) in CONV_LAYERS
        for w in layer.trainable_weights
    }
    model.compile(optimizer=Adam(0.03), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.75 * losses[0]
    after = {w.path: w.detach() for w in model.trainable_weights}
    unchanged = [p for p, w in before.items() if torch.equal(w, after[p])]
    assert unchanged == []
