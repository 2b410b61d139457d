"""ProgbarLogger: what fit/evaluate/predict print, as Keras prints it."""

import io
import sys
import time

import pytest
from callback_testing import (
    FakeModel,
    SyncCountingTensor,
    lazy_logs,
    make_callback_list,
)
from conftest import keras_or_skip

from ember import callbacks


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def _fit_like(
    module, clock, verbose, epochs=2, steps=30, val=True, tty=True, lazy=False
):
    """A fit with validation, run through `module`'s ProgbarLogger; returns the
    printed text."""
    model = FakeModel()
    out = _Terminal() if tty else io.StringIO()
    saved, sys.stdout = sys.stdout, out
    clock[0] = 1000.0
    try:
        callback_list = make_callback_list(
            module,
            add_progbar=True,
            model=model,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        steps = steps or 30
        wrap = lazy_logs if lazy else dict
        callback_list.on_train_begin()
        for epoch in range(epochs):
            callback_list.on_epoch_begin(epoch)
            for batch in range(steps):
                callback_list.on_train_batch_begin(batch)
                clock[0] += 0.02
                logs = {"loss": 1.0 / (batch + 1 + epoch), "accuracy": batch / steps}
                callback_list.on_train_batch_end(batch, wrap(logs))
            epoch_logs = {"loss": 0.5 / (epoch + 1), "accuracy": 0.75}
            if val:
                callback_list.on_test_begin()
                for batch in range(3):
                    callback_list.on_test_batch_begin(batch)
                    callback_list.on_test_batch_end(batch, wrap({"loss": 0.25}))
                callback_list.on_test_end(wrap({"loss": 0.25}))
                epoch_logs["val_loss"] = 0.25
            callback_list.on_epoch_end(epoch, wrap(epoch_logs))
        callback_list.on_train_end(wrap(epoch_logs))
    finally:
        sys.stdout = saved
    return out.getvalue()


@pytest.mark.parametrize("verbose", [1, 2, "auto", 0])
@pytest.mark.parametrize("epochs", [1, 3])
def test_fit_prints_as_keras(clock, verbose, epochs):
    keras = keras_or_skip()
    expected = _fit_like(keras.callbacks, clock, verbose, epochs=epochs)
    assert _fit_like(callbacks, clock, verbose, epochs=epochs) == expected


def test_unknown_steps(clock):
    keras = keras_or_skip()
    expected = _fit_like(keras.callbacks, clock, 1, steps=None)
    assert _fit_like(callbacks, clock, 1, steps=None) == expected


def test_one_line_per_epoch_in_a_log_file(clock):
    text = _fit_like(callbacks, clock, 1, epochs=3, tty=False)
    lines = text.splitlines()
    assert len(lines) == 6 and "\r" not in text
    assert lines[0] == "Epoch 1/3" and lines[1].startswith("\x1b[1m30/30\x1b[0m ")
    assert lines[1].endswith(" - accuracy: 0.7500 - loss: 0.5000 - val_loss: 0.2500")


def test_reads_logs_only_when_redrawing(clock):
    SyncCountingTensor.reads = 0
    text = _fit_like(callbacks, clock, 1, tty=False, lazy=True)
    # Two epochs, each read once at its end: 3 values.
    assert SyncCountingTensor.reads == 2 * 3 and text.count("\n") == 4
    SyncCountingTensor.reads = 0
    text = _fit_like(callbacks, clock, 1, lazy=True)
    redraws = text.count("\r") - 2  # the final redraws read the epoch logs
    assert SyncCountingTensor.reads == 2 * redraws + 2 * 3


def _evaluate_and_predict(module, clock):
    out = _Terminal()
    saved, sys.stdout = sys.stdout, out
    clock[0] = 1000.0
    try:
        callback_list = make_callback_list(
            module, add_progbar=True, model=FakeModel(), verbose=1, epochs=1, steps=4
        )
        callback_list.on_test_begin()
        for batch in range(4):
            callback_list.on_test_batch_begin(batch)
            clock[0] += 0.1
            callback_list.on_test_batch_end(batch, {"loss": 0.5, "mae": 0.25})
        callback_list.on_test_end({"loss": 0.5, "mae": 0.25})
        predict_list = make_callback_list(
            module, add_progbar=True, model=FakeModel(), verbose=1, epochs=1, steps=4
        )
        predict_list.on_predict_begin()
        for batch in range(4):
            predict_list.on_predict_batch_begin(batch)
            clock[0] += 0.1
            predict_list.on_predict_batch_end(batch, {"outputs": [1.0]})
        predict_list.on_predict_end()
    finally:
        sys.stdout = saved
    return out.getvalue()


def test_evaluate_and_predict(clock):
    keras = keras_or_skip()
    expected = _evaluate_and_predict(keras.callbacks, clock)
    assert _evaluate_and_predict(callbacks, clock) == expected
