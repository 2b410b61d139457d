"""Pooling, upsampling, padding and cropping inside models that train: the loss
drops under `fit`, and the same model built in Keras gives the same outputs."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

import ember
from ember.layers.core.dense import Dense
from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.pooling import (
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    MaxPooling1D,
    MaxPooling2D,
)
from ember.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from ember.models import Model, Sequential
from ember.optimizers import Adam

keras = pytest.importorskip("keras")


def _image_layers(ns):
    # (8, 8, 1) -> pad (10, 10) -> dense per pixel -> max pool (5, 5)
    # -> bilinear x2 (10, 10) -> crop (8, 8) -> average pool "same" (3, 3)
    # -> global average -> scalar.
    return [
        ns.ZeroPadding2D(1),
        ns.Dense(4, activation="tanh"),
        ns.MaxPooling2D(),
        ns.UpSampling2D(interpolation="bilinear"),
        ns.Cropping2D(1),
        ns.AveragePooling2D(3, padding="same"),
        ns.GlobalAveragePooling2D(),
        ns.Dense(1),
    ]


class _Ember:
    Dense = Dense
    ZeroPadding2D = ZeroPadding2D
    MaxPooling2D = MaxPooling2D
    UpSampling2D = UpSampling2D
    Cropping2D = Cropping2D
    AveragePooling2D = AveragePooling2D
    GlobalAveragePooling2D = GlobalAveragePooling2D


def test_image_model_matches_keras():
    x = np.random.default_rng(0).standard_normal((4, 8, 8, 1)).astype("float32")
    ours = Sequential([Input(shape=(8, 8, 1)), *_image_layers(_Ember)])
    theirs = keras.Sequential(
        [keras.Input(shape=(8, 8, 1)), *_image_layers(keras.layers)]
    )
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        ours(x).detach().numpy(), theirs(x).detach().numpy(), atol=1e-5
    )


def test_image_model_fits():
    # Noisy images around a per-image brightness; the target is that level.
    rng = np.random.default_rng(0)
    y = rng.uniform(-1, 1, (64, 1)).astype("float32")
    x = (rng.standard_normal((64, 8, 8, 1)) * 0.5 + y[:, :, None, None]).astype(
        "float32"
    )

    model = Sequential([Input(shape=(8, 8, 1)), *_image_layers(_Ember)])
    model.compile(optimizer=Adam(learning_rate=0.003), loss="mse")
    before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    # Predicting the mean level scores 1/3 (the target's variance).
    assert history.history["loss"][-1] < min(0.5 * before, 0.25)


def test_sequence_model_with_masked_average_fits():
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    ids = rng.integers(1, 10, (64, 12))
    ids[:, 8:] = 0  # padding, masked out of the average
    y = (ids[:, :8] > 5).mean(axis=1, keepdims=True).astype("float32")

    inputs = Input(shape=(12,), dtype="int32")
    h = Embedding(10, 8, mask_zero=True)(inputs)
    average = GlobalAveragePooling1D()(h)
    s = ZeroPadding1D((1, 1))(h)
    s = MaxPooling1D(2)(s)
    s = UpSampling1D(2)(s)
    s = Cropping1D((1, 1))(s)
    peak = GlobalMaxPooling1D()(Dense(8, activation="relu")(s))
    outputs = Dense(1)(torch.cat([average, peak], dim=-1))
    model = Model(inputs, outputs)

    model.compile(optimizer="adam", loss="mse")
    history = model.fit(ids, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


# --- The rest of the pooling and reshaping layers, in one functional model --------


def _every_other_layer(lib):
    """Sequences (12, 3), channels_first images (3, 8, 8), volumes (4, 4, 4, 2)."""
    L = lib.layers
    cf = "channels_first"
    seq = lib.Input(shape=(12, 3))
    a = L.Dense(4, activation="tanh")(seq)
    a = L.AveragePooling1D(3, strides=2, padding="same")(a)  # 6 steps
    a = L.MaxPooling1D(2, data_format=cf)(a)  # pools the 4 features: 2
    a = L.GlobalAveragePooling1D(keepdims=True)(a)
    a = L.Reshape((-1,))(a)
    image = lib.Input(shape=(3, 8, 8))
    b = L.Permute((2, 3, 1))(image)
    b = L.Dense(4, activation="tanh")(b)
    b = L.Permute((3, 1, 2))(b)
    b = L.ZeroPadding2D(((1, 0), (0, 1)), data_format=cf)(b)  # 9 x 9
    b = L.MaxPooling2D(3, strides=2, padding="same", data_format=cf)(b)  # 5 x 5
    b = L.UpSampling2D(2, data_format=cf)(b)  # 10 x 10
    b = L.Cropping2D((1, 2), data_format=cf)(b)  # 8 x 6
    b = L.AveragePooling2D(2, data_format=cf)(b)  # 4 x 3
    b = L.GlobalMaxPooling2D(data_format=cf)(b)
    volume = lib.Input(shape=(4, 4, 4, 2))
    c = L.Dense(4, activation="tanh")(volume)
    c = L.ZeroPadding3D(1)(c)  # 6^3
    c = L.MaxPooling3D(2)(c)  # 3^3
    c = L.UpSampling3D((2, 2, 1))(c)  # 6 x 6 x 3
    c = L.Cropping3D(((1, 1), (0, 2), (0, 0)))(c)  # 4 x 4 x 3
    c = L.AveragePooling3D(2, padding="same")(c)  # 2 x 2 x 2
    d = L.GlobalMaxPooling3D()(c)
    c = L.GlobalAveragePooling3D()(c)
    c = L.Flatten()(L.RepeatVector(2)(c))
    outputs = L.Dense(1)(L.Concatenate()([a, b, c, d]))
    return lib.Model([seq, image, volume], outputs)


def _other_layers_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    seq = rng.standard_normal((n, 12, 3)).astype("float32")
    image = rng.standard_normal((n, 3, 8, 8)).astype("float32")
    volume = rng.standard_normal((n, 4, 4, 4, 2)).astype("float32")
    y = (
        2 * seq[:, :, 0].mean(axis=1)
        + image[:, 1].max(axis=(1, 2))
        - 4 * volume[..., 0].mean(axis=(1, 2, 3))
    )
    return [seq, image, volume], y[:, None].astype("float32")


def _ember_namespace():
    return SimpleNamespace(Input=Input, Model=Model, layers=ember.layers)


def test_every_other_layer_matches_keras_in_a_model():
    ours = _every_other_layer(_ember_namespace())
    theirs = _every_other_layer(keras)
    names = {type(layer).__name__ for layer in ours.layers}
    assert {
        "AveragePooling1D", "MaxPooling1D", "GlobalAveragePooling1D",
        "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D",
        "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
        "GlobalAveragePooling3D", "ZeroPadding2D", "ZeroPadding3D",
        "UpSampling2D", "UpSampling3D", "Cropping2D", "Cropping3D",
        "Reshape", "Permute", "RepeatVector", "Flatten",
    } <= names  # fmt: skip
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    x, _ = _other_layers_data(4)
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(x).detach().numpy(), expected, atol=1e-5)


def test_every_other_layer_trains_with_fit():
    ember.utils.set_random_seed(0)
    model = _every_other_layer(_ember_namespace())
    x, y = _other_layers_data()
    model.compile(optimizer=Adam(learning_rate=0.03), loss="mse")
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.5 * losses[0]
