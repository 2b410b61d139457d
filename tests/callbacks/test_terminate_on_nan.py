"""TerminateOnNaN: training stops at the first NaN or infinite batch loss."""

import math

import pytest
from callback_testing import FakeModel, lazy, run_both, run_fit

from ember import callbacks


def _batch_logs(bad_value, at=(1, 2)):
    def logs(epoch, batch):
        return {"loss": bad_value if (epoch, batch) == at else 1.0}

    return logs


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=str)
def test_stops_at_the_bad_batch(bad):
    model = FakeModel()
    seen = []
    record = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch)
    )
    callback_list = callbacks.CallbackList(
        [callbacks.TerminateOnNaN(), record], model=model
    )
    epochs = run_fit(
        callback_list, model, [{"loss": 1.0}] * 4, steps=5, batch_logs=_batch_logs(bad)
    )
    assert epochs == [0, 1] and model.stop_training
    assert seen == [0, 1, 2, 3, 4, 0, 1, 2]


def test_same_as_keras():
    mine, theirs = run_both(
        "TerminateOnNaN",
        {},
        [{"loss": 1.0}] * 4,
        steps=5,
        batch_logs=_batch_logs(math.nan),
    )
    for key in ("epochs", "printed", "stop_training"):
        assert mine[key] == theirs[key]
    assert mine["printed"] == "Batch 2: Invalid loss, terminating training\n"


def test_raise_error():
    model = FakeModel()
    callback_list = callbacks.CallbackList(
        [callbacks.TerminateOnNaN(raise_error=True)], model=model
    )
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        run_fit(
            callback_list, model, [{"loss": 1.0}] * 2, batch_logs=_batch_logs(math.nan)
        )


def test_tensor_loss():
    model = FakeModel()
    callback_list = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    epochs = run_fit(
        callback_list,
        model,
        [{"loss": 1.0}] * 3,
        batch_logs=lambda e, b: {"loss": lazy(math.nan if e == 1 else 0.5)},
    )
    assert epochs == [0, 1]


def test_no_loss_in_logs():
    model = FakeModel()
    callback_list = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    assert run_fit(callback_list, model, [{}] * 2, batch_logs=lambda e, b: {}) == [0, 1]
