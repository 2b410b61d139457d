"""CallbackList: dispatch of every hook, defaults, and lazy logs."""

import io
import sys

import pytest
from callback_testing import FakeModel, SyncCountingTensor, lazy, lazy_logs, run_fit
from conftest import keras_or_skip

from ember import callbacks

_HOOK_CALLS = [
    ("on_train_begin", ()),
    ("on_epoch_begin", (0,)),
    ("on_train_batch_begin", (0,)),
    ("on_train_batch_end", (0, {"loss": 1.0})),
    ("on_batch_begin", (1,)),
    ("on_batch_end", (1, {"loss": 2.0})),
    ("on_test_begin", ()),
    ("on_test_batch_begin", (0,)),
    ("on_test_batch_end", (0, {"loss": 3.0})),
    ("on_test_end", ({"loss": 3.0},)),
    ("on_epoch_end", (0, {"loss": 1.0, "val_loss": 3.0})),
    ("on_train_end", ({"loss": 1.0},)),
    ("on_predict_begin", ()),
    ("on_predict_batch_begin", (0,)),
    ("on_predict_batch_end", (0, {"outputs": 5.0})),
    ("on_predict_end", ()),
]


def _recorder(base):
    """A callback class (subclassing `base`) logging every hook call."""

    def hook(name):
        def method(self, *args, **kwargs):
            self.calls.append((name, args, kwargs))

        return method

    names = {name for name, _ in _HOOK_CALLS}
    namespace = {name: hook(name) for name in names}

    def __init__(self):
        base.__init__(self)
        self.calls = []

    namespace["__init__"] = __init__
    return type("Recorder", (base,), namespace)


def _run_hooks(callback_list):
    for name, args in _HOOK_CALLS:
        getattr(callback_list, name)(*args)


def test_every_hook_reaches_every_callback_as_in_keras():
    keras = keras_or_skip()
    mine = [_recorder(callbacks.Callback)() for _ in range(2)]
    theirs = [_recorder(keras.callbacks.Callback)() for _ in range(2)]
    _run_hooks(callbacks.CallbackList(mine))
    _run_hooks(keras.callbacks.CallbackList(theirs))
    assert mine[0].calls == mine[1].calls == theirs[0].calls
    assert len(mine[0].calls) == len(_HOOK_CALLS)


def test_adds_history_and_progbar_once():
    history = callbacks.History()
    model = FakeModel()
    callback_list = callbacks.CallbackList(
        [history], add_history=True, add_progbar=True, model=model, epochs=3
    )
    kinds = [type(c) for c in callback_list.callbacks]
    assert kinds == [callbacks.History, callbacks.ProgbarLogger]
    assert callback_list.callbacks[0] is history and model.history is history
    assert all(c.model is model for c in callback_list.callbacks)
    assert callback_list.callbacks[1].epochs == 3
    assert callbacks.CallbackList().callbacks == []


def test_nested_lists_are_flattened():
    a, b, c = callbacks.Callback(), callbacks.Callback(), callbacks.Callback()
    assert callbacks.CallbackList([a, [b, (c,)]]).callbacks == [a, b, c]


def test_params_reach_every_callback():
    callback = callbacks.Callback()
    callbacks.CallbackList([callback], verbose=0, epochs=2, steps=5)
    assert callback.params == {"verbose": 0, "epochs": 2, "steps": 5}


def test_end_without_begin_is_an_error():
    with pytest.raises(ValueError, match="on_test_begin"):
        callbacks.CallbackList().on_test_end()


class _UserCallback(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(logs)


def test_user_callbacks_get_floats_and_sorted_keys():
    user = _UserCallback()
    callback_list = callbacks.CallbackList([user])
    callback_list.on_epoch_end(0, {"val_loss": lazy(0.5), "loss": lazy(0.25)})
    assert user.seen == [{"loss": 0.25, "val_loss": 0.5}]
    assert [type(v) for v in user.seen[0].values()] == [float, float]


def test_builtin_callbacks_cost_no_sync_per_batch(monkeypatch):
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # a log file, not a tty
    model = FakeModel()
    callback_list = callbacks.CallbackList(
        [callbacks.EarlyStopping(monitor="loss")],
        add_history=True,
        add_progbar=True,
        model=model,
        verbose=1,
        epochs=2,
        steps=50,
    )
    SyncCountingTensor.reads = 0
    epoch_logs = [lazy_logs({"loss": 0.5, "accuracy": 0.75})] * 2
    run_fit(callback_list, model, epoch_logs, steps=50)
    # Per epoch: History reads 2 values, the final bar 2, EarlyStopping 1.
    assert SyncCountingTensor.reads == 2 * 5
    assert model.history.history == {"accuracy": [0.75, 0.75], "loss": [0.5, 0.5]}


@pytest.mark.parametrize("hook", ["on_train_batch_end", "on_batch_end"])
def test_a_user_batch_hook_gets_floats(hook):
    seen = []
    user = type(
        "User", (callbacks.Callback,), {hook: lambda s, b, logs: seen.append(logs)}
    )
    callback_list = callbacks.CallbackList([user(), callbacks.History()])
    SyncCountingTensor.reads = 0
    callback_list.on_train_batch_end(0, {"loss": lazy(0.5)})
    assert seen == [{"loss": 0.5}] and SyncCountingTensor.reads == 1


def test_logs_added_by_a_callback_reach_the_next_ones():
    model = FakeModel(learning_rate=0.5)
    user = _UserCallback()
    callback_list = callbacks.CallbackList(
        [callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2), user],
        add_history=True,
        model=model,
    )
    run_fit(callback_list, model, [{"loss": lazy(1.0)}] * 2, steps=1)
    assert model.history.history["learning_rate"] == [0.25, 0.125]
    assert user.seen[1] == {"learning_rate": 0.125, "loss": 1.0}


def test_works_inside_a_keras_style_custom_loop():
    # The loop from Keras's Callback docs, with a LambdaCallback.
    epochs = []
    callback_list = callbacks.CallbackList(
        [callbacks.LambdaCallback(on_epoch_end=lambda e, logs: epochs.append(e))],
        model=FakeModel(),
    )
    callback_list.on_train_begin()
    for epoch in range(3):
        callback_list.on_epoch_begin(epoch)
        callback_list.on_epoch_end(epoch, {"loss": 1.0})
    callback_list.on_train_end()
    assert epochs == [0, 1, 2]
