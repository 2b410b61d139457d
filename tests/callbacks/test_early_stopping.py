"""EarlyStopping: the stopping epoch and restored weights, as in Keras."""

import numpy as np
import pytest
import torch
from callback_testing import FakeModel, lazy_logs, run_both, run_fit

from ember import callbacks

_LOSSES = [1.0, 0.8, 0.9, 0.85, 0.79, 0.95, 0.96, 0.97, 0.98, 0.99]

_CASES = {
    "patience-0": dict(monitor="val_loss"),
    "patience-2": dict(monitor="val_loss", patience=2, verbose=1),
    "restore": dict(patience=2, restore_best_weights=True, verbose=1),
    "min-delta": dict(patience=1, min_delta=0.05, restore_best_weights=True),
    "baseline": dict(patience=3, baseline=0.7, verbose=1),
    "baseline-beaten": dict(patience=1, baseline=0.9),
    "start-from-epoch": dict(patience=0, start_from_epoch=3, verbose=1),
    "mode-max": dict(monitor="val_acc", mode="max", patience=1, verbose=1),
    "train-loss": dict(monitor="loss", patience=10, restore_best_weights=True),
}


def _logs():
    return [
        {"loss": 2 * v, "val_loss": v, "val_acc": 1 - v, "val_accuracy": 1 - v}
        for v in _LOSSES
    ]


@pytest.mark.parametrize("kwargs", _CASES.values(), ids=_CASES.keys())
def test_same_as_keras(kwargs):
    mine, theirs = run_both("EarlyStopping", kwargs, _logs())
    for key in ("epochs", "printed", "weights", "stop_training"):
        assert mine[key] == theirs[key], key
    for attr in ("stopped_epoch", "best", "best_epoch", "wait"):
        assert getattr(mine["callback"], attr) == getattr(theirs["callback"], attr)


def test_stops_after_patience_and_restores_the_best_epoch():
    model = FakeModel()
    stopper = callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    epochs = run_fit(callbacks.CallbackList([stopper], model=model), model, _logs())
    # Best at epoch 4 (0.79); epochs 5, 6 and 7 fail; training stops after 7.
    assert epochs == [0, 1, 2, 3, 4, 5, 6, 7]
    assert stopper.stopped_epoch == 7 and stopper.best == pytest.approx(0.79)
    assert model.get_weights()[0][0, 0] == 4


def test_tensor_logs():
    model = FakeModel()
    stopper = callbacks.EarlyStopping(patience=3)
    logs = [lazy_logs(epoch) for epoch in _logs()]
    run_fit(callbacks.CallbackList([stopper], model=model), model, logs)
    assert stopper.stopped_epoch == 7 and type(stopper.best) is float


def test_missing_monitor_warns_and_continues():
    model = FakeModel()
    stopper = callbacks.EarlyStopping(monitor="val_auc", mode="max")
    with pytest.warns(UserWarning, match="val_auc.*Available metrics are: loss"):
        epochs = run_fit(
            callbacks.CallbackList([stopper], model=model), model, [{"loss": 1.0}] * 3
        )
    assert epochs == [0, 1, 2]


@pytest.mark.parametrize(
    "monitor, direction",
    [("val_accuracy", "up"), ("auc", "up"), ("val_mse", "down"), ("mae", "down")],
)
def test_auto_mode_from_the_metric_name(monitor, direction):
    model = FakeModel()
    stopper = callbacks.EarlyStopping(monitor=monitor, patience=0)
    values = [0.5, 0.6] if direction == "up" else [0.5, 0.4]
    logs = [{monitor: v} for v in values + [values[0]]]
    epochs = run_fit(callbacks.CallbackList([stopper], model=model), model, logs)
    assert epochs == [0, 1, 2] and stopper.stopped_epoch == 2


def test_auto_mode_from_the_model_metrics():
    # A metric declaring its direction, inside a container like compile's.
    metric = type("Metric", (), {"name": "widgets", "_direction": "up"})()
    model = FakeModel()
    model.metrics = [type("Container", (), {"name": "compile", "metrics": [metric]})()]
    stopper = callbacks.EarlyStopping(monitor="val_widgets")
    stopper.set_model(model)
    stopper.on_train_begin()
    stopper.on_epoch_end(0, {"val_widgets": 1.0})
    assert stopper.monitor_op(2.0, 1.0)


def test_unknown_direction_is_an_error():
    model = FakeModel()
    stopper = callbacks.EarlyStopping(monitor="val_widgets")
    with pytest.raises(ValueError, match="mode='max'"):
        run_fit(callbacks.CallbackList([stopper], model=model), model, _logs())


def test_unknown_mode_warns():
    with pytest.warns(UserWarning, match="mode 'lowest' is unknown"):
        assert callbacks.EarlyStopping(mode="lowest").mode == "auto"


def test_restores_a_real_model():
    from ember import layers, models

    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    stopper = callbacks.EarlyStopping(
        monitor="loss", patience=1, restore_best_weights=True
    )
    callback_list = callbacks.CallbackList([stopper], model=model)
    callback_list.on_train_begin()
    snapshots = []
    for epoch, loss in enumerate([1.0, 0.5, 0.7, 0.9]):
        with torch.no_grad():
            for weight in model.weights:
                weight.add_(1.0)
        snapshots.append(model.get_weights())
        callback_list.on_epoch_end(epoch, {"loss": torch.tensor(loss)})
        if model.stop_training:
            break
    callback_list.on_train_end()
    assert stopper.stopped_epoch == 2
    for restored, best in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(restored, best)


def test_restores_the_best_weights_of_a_real_model():
    # A learning rate this large makes the loss grow after the first epoch:
    # the best weights are epoch 0's, which must survive the later updates
    # (`get_weights()` copies, as Keras's does).
    import ember

    ember.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x @ rng.normal(size=(4, 1)).astype("float32")
    model = ember.Sequential([ember.Input((4,)), ember.layers.Dense(1)])
    model.compile(ember.optimizers.SGD(0.9), "mse")
    seen = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.get_weights())
    )
    stopper = callbacks.EarlyStopping(
        monitor="loss", patience=2, restore_best_weights=True
    )
    history = model.fit(
        x, y, batch_size=64, epochs=10, verbose=0, callbacks=[record, stopper]
    )
    losses = history.history["loss"]
    best = int(np.argmin(losses))
    assert len(losses) < 10 and best < len(losses) - 1
    for got, want in zip(model.get_weights(), seen[best], strict=True):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(seen[best][0], seen[-1][0])
