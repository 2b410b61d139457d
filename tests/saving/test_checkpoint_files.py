"""ModelCheckpoint writes real `.keras` / `.weights.h5` files through
`model.save` / `model.save_weights` (atomically), loadable in ember and Keras."""

import os

import numpy as np
from conftest import keras_or_skip

import ember


def _fit(tmp_path, **checkpoint_kwargs):
    ember.utils.set_random_seed(1)
    model = ember.Sequential(
        [
            ember.Input((4,)),
            ember.layers.Dense(8, activation="relu"),
            ember.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    callback = ember.callbacks.ModelCheckpoint(**checkpoint_kwargs)
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[callback])
    return model, x


def test_checkpoints_are_keras_files(tmp_path):
    pattern = os.fspath(tmp_path / "ckpt-{epoch:02d}.keras")
    model, x = _fit(tmp_path, filepath=pattern)
    names = sorted(os.listdir(tmp_path))
    assert names == ["ckpt-01.keras", "ckpt-02.keras", "ckpt-03.keras"]
    last = ember.models.load_model(tmp_path / "ckpt-03.keras")
    np.testing.assert_allclose(
        last.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )
    assert last.compiled and int(last.optimizer.iterations) == 12
    keras = keras_or_skip()
    in_keras = keras.saving.load_model(os.fspath(tmp_path / "ckpt-03.keras"))
    np.testing.assert_allclose(
        in_keras.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5
    )


def test_weights_only_best_checkpoint(tmp_path):
    path = os.fspath(tmp_path / "best.weights.h5")
    model, x = _fit(
        tmp_path,
        filepath=path,
        monitor="loss",
        save_best_only=True,
        save_weights_only=True,
    )
    assert sorted(os.listdir(tmp_path)) == ["best.weights.h5"]  # no temp files
    fresh = ember.Sequential(
        [
            ember.Input((4,)),
            ember.layers.Dense(8, activation="relu"),
            ember.layers.Dense(1),
        ]
    )
    fresh.load_weights(path)
    # The loss fell every epoch, so the best weights are the last ones.
    np.testing.assert_allclose(
        fresh.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )
