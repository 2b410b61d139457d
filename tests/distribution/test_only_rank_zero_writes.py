"""Under several processes only rank 0 writes model files; the others skip
the write but keep their bookkeeping (ModelCheckpoint's `best`)."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.distribution import runtime


def small_model():
    model = ember.Sequential([ember.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.fixture
def rank_one(monkeypatch):
    monkeypatch.setattr(runtime, "process_id", lambda: 1)


def test_save_and_save_weights_write_nothing_off_rank_zero(tmp_path, rank_one):
    model = small_model()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    assert list(tmp_path.iterdir()) == []


def test_model_checkpoint_tracks_best_but_writes_only_on_rank_zero(tmp_path, rank_one):
    model = small_model()
    x = np.ones((8, 3), "float32")
    checkpoint = ember.callbacks.ModelCheckpoint(
        str(tmp_path / "best.keras"), monitor="loss", save_best_only=True
    )
    model.fit(x, x[:, :1], epochs=2, callbacks=[checkpoint], verbose=0)
    assert checkpoint.best is not None
    assert list(tmp_path.iterdir()) == []


def test_rank_zero_writes(tmp_path):
    model = small_model()
    model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").is_file()
