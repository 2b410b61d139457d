"""LearningRateScheduler: the rate set at each epoch, as in Keras."""

import numpy as np
import pytest
from callback_testing import FakeModel, run_both, run_fit

from ember import callbacks

_LOGS = [{"loss": 1.0 / (e + 1)} for e in range(5)]


def _halve_after_two(epoch, lr):
    return lr if epoch < 2 else lr * 0.5


def _by_epoch(epoch):
    return 0.1 / (epoch + 1)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(schedule=_halve_after_two),
        dict(schedule=_halve_after_two, verbose=1),
        dict(schedule=_by_epoch, verbose=1),
        dict(schedule=lambda epoch, lr: np.float32(lr * 0.9)),
    ],
    ids=["two-args", "verbose", "one-arg", "numpy-float"],
)
def test_same_as_keras(kwargs):
    mine, theirs = run_both("LearningRateScheduler", kwargs, _LOGS, steps=1)
    assert mine["learning_rate"] == theirs["learning_rate"]
    assert mine["printed"] == theirs["printed"]


def test_sets_the_rate_before_each_epoch_and_logs_it():
    model = FakeModel(learning_rate=1.0)
    seen = []
    record = callbacks.LambdaCallback(
        on_epoch_begin=lambda e, logs: seen.append(model.optimizer.learning_rate)
    )
    scheduler = callbacks.LearningRateScheduler(_halve_after_two)
    callback_list = callbacks.CallbackList(
        [scheduler, record], add_history=True, model=model
    )
    run_fit(callback_list, model, _LOGS, steps=1)
    assert seen == [1.0, 1.0, 0.5, 0.25, 0.125]
    assert model.history.history["learning_rate"] == seen


def test_schedule_must_return_a_float():
    model = FakeModel()
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: 1)
    with pytest.raises(ValueError, match="should be a float"):
        run_fit(callbacks.CallbackList([scheduler], model=model), model, _LOGS)


def test_optimizer_without_learning_rate():
    model = FakeModel()
    model.optimizer = object()
    scheduler = callbacks.LearningRateScheduler(_halve_after_two)
    with pytest.raises(ValueError, match="learning_rate"):
        run_fit(callbacks.CallbackList([scheduler], model=model), model, _LOGS)
