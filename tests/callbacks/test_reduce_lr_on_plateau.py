"""ReduceLROnPlateau: when and how far the learning rate drops, as in Keras."""

import pytest
from callback_testing import FakeModel, lazy_logs, run_both, run_fit

from ember import callbacks

# Improves twice, then plateaus for good.
_LOSSES = [1.0, 0.9, 0.8] + [0.85] * 12


def _logs(losses=_LOSSES):
    return [{"loss": 2 * v, "val_loss": v} for v in losses]


_CASES = {
    "patience-2": dict(factor=0.5, patience=2),
    "cooldown": dict(factor=0.5, patience=2, cooldown=3, verbose=1),
    "min-lr": dict(factor=0.1, patience=1, min_lr=0.0005, verbose=1),
    "min-delta": dict(factor=0.5, patience=1, min_delta=0.15),
    "mode-max": dict(monitor="loss", mode="max", factor=0.5, patience=3),
    "defaults": dict(),
}


@pytest.mark.parametrize("kwargs", _CASES.values(), ids=_CASES.keys())
def test_same_as_keras(kwargs):
    mine, theirs = run_both("ReduceLROnPlateau", kwargs, _logs(), steps=1)
    assert mine["learning_rate"] == theirs["learning_rate"]
    assert mine["printed"] == theirs["printed"]
    for attr in ("best", "wait", "cooldown_counter"):
        assert getattr(mine["callback"], attr) == getattr(theirs["callback"], attr)


def _rates(losses, **kwargs):
    """The learning rate after each epoch, and the logs History recorded."""
    model = FakeModel(learning_rate=1.0)
    rates = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rates.append(model.optimizer.learning_rate)
    )
    reduce_lr = callbacks.ReduceLROnPlateau(**kwargs)
    callback_list = callbacks.CallbackList(
        [reduce_lr, record], add_history=True, model=model
    )
    run_fit(callback_list, model, _logs(losses), steps=1)
    return rates, model.history.history


def test_lowers_the_rate_at_the_right_epoch():
    rates, history = _rates([1.0, 0.9, 0.95, 0.96, 0.97], factor=0.5, patience=2)
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5]
    # The rate in use during each epoch is logged before it changes.
    assert history["learning_rate"] == [1.0, 1.0, 1.0, 1.0, 0.5]


def test_cooldown_and_min_lr():
    rates, _ = _rates(
        [1.0] * 8, factor=0.5, patience=1, cooldown=2, min_lr=0.2, min_delta=0
    )
    # Reduced after epoch 1; the cooldown counts down at epochs 2 and 3, and
    # epoch 3 waits again: reduced; epoch 5 likewise, floored at 0.2; then the
    # rate is at the floor and stays.
    assert rates == [1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]


def test_tensor_logs():
    rates, _ = _rates([1.0, 0.9, 0.95, 0.96, 0.97], factor=0.5, patience=2)
    model = FakeModel(learning_rate=1.0)
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.5, patience=2)
    logs = [lazy_logs(e) for e in _logs([1.0, 0.9, 0.95, 0.96, 0.97])]
    run_fit(callbacks.CallbackList([reduce_lr], model=model), model, logs, steps=1)
    assert model.optimizer.learning_rate == rates[-1]


def test_factor_must_be_below_one():
    with pytest.raises(ValueError, match="factor.*below 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)


def test_missing_monitor_warns():
    model = FakeModel()
    reduce_lr = callbacks.ReduceLROnPlateau(patience=0)
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        run_fit(
            callbacks.CallbackList([reduce_lr], model=model), model, [{"loss": 1.0}] * 2
        )
    assert model.optimizer.learning_rate == 0.01


def test_every_optimizer_of_a_multi_optimizer():
    from callback_testing import FakeOptimizer

    model = FakeModel()
    model.optimizer = type("Multi", (), {})()
    model.optimizer.optimizers = [FakeOptimizer(1.0, "a"), FakeOptimizer(0.1, "b")]
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.5, patience=0, min_lr=0.1)
    callback_list = callbacks.CallbackList([reduce_lr], add_history=True, model=model)
    run_fit(callback_list, model, _logs([1.0, 1.0]), steps=1)
    assert [o.learning_rate for o in model.optimizer.optimizers] == [0.5, 0.1]
    assert model.history.history["learning_rate_a"] == [1.0, 1.0]
