"""History: per-epoch logs as lists of floats, and `model.history`."""

import numpy as np
from callback_testing import FakeModel, lazy_logs, run_fit
from conftest import keras_or_skip

from ember import callbacks

_LOGS = [
    {"loss": 1.0 / (e + 1), "val_loss": 2.0 / (e + 1), "acc": e / 4} for e in range(4)
]


def _history(module, logs, fits=1, **fit_kwargs):
    model = FakeModel()
    history = module.History()
    for _ in range(fits):
        callback_list = module.CallbackList([history], model=model)
        run_fit(callback_list, model, logs, **fit_kwargs)
    return history, model


def test_contents():
    history, model = _history(callbacks, _LOGS)
    assert history.epoch == [0, 1, 2, 3]
    assert list(history.history) == ["acc", "loss", "val_loss"]
    assert history.history["loss"] == [1.0, 0.5, 1 / 3, 0.25]
    assert model.history is history


def test_same_as_keras():
    keras = keras_or_skip()
    for fits in (1, 2):
        mine, _ = _history(callbacks, _LOGS, fits=fits)
        theirs, _ = _history(keras.callbacks, _LOGS, fits=fits)
        assert mine.history == theirs.history and mine.epoch == theirs.epoch
        assert list(mine.history) == list(theirs.history)


def test_tensor_logs_become_floats():
    history, _ = _history(callbacks, [lazy_logs(logs) for logs in _LOGS])
    # float32 tensors: their exact values, as Python floats.
    expected = [float(np.float32(v)) for v in (2.0, 1.0, 2 / 3, 0.5)]
    assert history.history["val_loss"] == expected
    assert {type(v) for values in history.history.values() for v in values} == {float}


def test_records_learning_rate_when_logged():
    logs = [dict(logs, learning_rate=0.01) for logs in _LOGS]
    history, _ = _history(callbacks, logs)
    assert history.history["learning_rate"] == [0.01] * 4


def test_stopped_early():
    model = FakeModel()
    history = callbacks.History()
    callback_list = callbacks.CallbackList(
        [callbacks.EarlyStopping(monitor="acc", mode="min"), history], model=model
    )
    run_fit(callback_list, model, _LOGS)
    assert history.epoch == [0, 1] and len(history.history["acc"]) == 2
