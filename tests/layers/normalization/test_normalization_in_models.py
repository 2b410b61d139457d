"""Normalization layers inside models: `fit` with BatchNormalization ends with the
same weights and moving statistics as Keras's `fit`; models mixing the
normalization, regularization and activation layers train (both data formats);
`.keras` files of such a model load in Keras and back."""

from types import SimpleNamespace

import numpy as np
import pytest

import ember
from ember.layers.activations.prelu import PReLU
from ember.layers.core.dense import Dense
from ember.layers.normalization.batch_normalization import BatchNormalization
from ember.layers.normalization.layer_normalization import LayerNormalization
from ember.layers.regularization.alpha_dropout import AlphaDropout
from ember.layers.regularization.dropout import Dropout
from ember.layers.regularization.gaussian_dropout import GaussianDropout
from ember.layers.regularization.gaussian_noise import GaussianNoise

keras = pytest.importorskip("keras")

OURS = SimpleNamespace(Dense=Dense, BatchNormalization=BatchNormalization, PReLU=PReLU)


def _bn_model(layers, lib):
    return lib.Sequential(
        [
            lib.Input(shape=(6,)),
            layers.Dense(8),
            layers.BatchNormalization(momentum=0.9),
            layers.PReLU(alpha_initializer="ones"),
            layers.Dense(1),
        ]
    )


def test_fit_gives_keras_weights_and_moving_statistics():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 6)) * 2 + 1).astype("float32")
    y = (x @ rng.standard_normal((6, 1))).astype("float32")
    theirs = _bn_model(keras.layers, keras)
    ours = _bn_model(OURS, ember)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    fit = {"batch_size": 16, "epochs": 2, "shuffle": False, "verbose": 0}
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    ours.compile(optimizer=ember.optimizers.SGD(0.05), loss="mse")
    their_history = theirs.fit(x, y, **fit).history["loss"]
    our_history = ours.fit(x, y, **fit).history["loss"]
    np.testing.assert_allclose(our_history, their_history, rtol=1e-4)
    bn_ours, bn_theirs = ours.layers[1], theirs.layers[1]
    assert [w.name for w in bn_ours.weights] == [w.name for w in bn_theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, np.asarray(b), atol=1e-5, rtol=1e-4)
    # Moving statistics moved away from their initial values during fit.
    assert not np.allclose(bn_ours.get_weights()[2], 0.0)
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-4
    )


def test_model_with_normalization_regularization_and_activations_trains():
    ember.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((128, 10)).astype("float32")
    y = (np.tanh(x[:, :3].sum(axis=1, keepdims=True)) + 1.0).astype("float32")
    model = ember.Sequential(
        [
            ember.Input(shape=(10,)),
            GaussianNoise(0.05, seed=1),
            Dense(32),
            BatchNormalization(),
            PReLU(),
            Dropout(0.1, seed=2),
            Dense(32),
            LayerNormalization(),
            PReLU(alpha_initializer="constant"),
            GaussianDropout(0.1, seed=3),
            AlphaDropout(0.05, seed=4),
            Dense(1),
        ]
    )
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]
    before = model.predict(x[:4], verbose=0)
    np.testing.assert_array_equal(before, model.predict(x[:4], verbose=0))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_model_with_every_other_layer_of_the_families_trains(data_format):
    """A small image classifier built from the layers the test above leaves
    out: the loss drops under fit(), and inference is deterministic."""
    L = ember.layers
    ember.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    channels_first = data_format == "channels_first"
    shape = (2, 6, 6) if channels_first else (6, 6, 2)
    x = rng.standard_normal((96, *shape)).astype("float32")
    # The class is which of the two channels has the larger mean.
    y = (x.mean(axis=(2, 3) if channels_first else (1, 2)).argmax(-1)).astype("int64")
    channel_axis = 1 if channels_first else -1
    model = ember.Sequential(
        [
            ember.Input(shape=shape),
            L.SpectralNormalization(
                L.Conv2D(8, 3, padding="same", data_format=data_format)
            ),
            L.BatchNormalization(axis=channel_axis),
            L.ReLU(max_value=6.0),
            L.SpatialDropout2D(0.1, data_format=data_format, seed=1),
            L.GroupNormalization(groups=4, axis=channel_axis),
            L.LeakyReLU(),
            L.Conv2D(8, 3, data_format=data_format),
            L.ELU(),
            L.GlobalAveragePooling2D(data_format=data_format),
            L.RMSNormalization(),
            L.ActivityRegularization(l2=1e-4),
            L.UnitNormalization(),
            L.Dense(2),
            L.Softmax(),
        ]
    )
    model.compile(
        optimizer=ember.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy"
    )
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0).history["loss"]
    assert history[-1] < 0.7 * history[0], history
    before = model.predict(x[:4], verbose=0)
    np.testing.assert_array_equal(before, model.predict(x[:4], verbose=0))


def _every_layer_model(lib):
    M = lib.layers
    return lib.Sequential(
        [
            lib.Input(shape=(6, 6, 2)),
            M.SpectralNormalization(M.Conv2D(3, 3)),
            M.BatchNormalization(momentum=0.5),
            M.PReLU(shared_axes=[1, 2], alpha_initializer="random_uniform"),
            M.GroupNormalization(groups=3),
            M.LayerNormalization(axis=[-2, -1]),
            M.SpatialDropout2D(0.1),
            M.GaussianNoise(0.1),
            M.GaussianDropout(0.1),
            M.AlphaDropout(0.1),
            M.LeakyReLU(),
            M.ELU(),
            M.ReLU(max_value=3.0),
            M.Flatten(),
            M.Dense(4),
            M.RMSNormalization(),
            M.UnitNormalization(),
            M.ActivityRegularization(l1=0.01),
            M.Softmax(),
        ]
    )


def test_keras_files_load_both_ways(tmp_path):
    """`.keras` files of a model with every layer of these families (moving
    statistics and `vector_u` moved by a training call) load in the other
    library and predict the same."""
    x = np.random.default_rng(5).standard_normal((4, 6, 6, 2)).astype("float32")
    ours = _every_layer_model(ember)
    ours(x, training=True)
    ours.save(tmp_path / "ours.keras")
    loaded = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(
        np.asarray(loaded.predict(x, verbose=0)), ours.predict(x, verbose=0), atol=1e-5
    )
    theirs = _every_layer_model(keras)
    theirs(x, training=True)
    theirs.save(tmp_path / "theirs.keras")
    loaded = ember.saving.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0),
        np.asarray(theirs.predict(x, verbose=0)),
        atol=1e-5,
    )
    for a, b in zip(loaded.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))
