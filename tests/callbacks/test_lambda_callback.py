"""LambdaCallback: hooks from plain functions."""

from callback_testing import FakeModel, lazy, run_fit

from ember import callbacks


def test_calls_each_function_with_the_hook_arguments():
    calls = []
    callback = callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", logs)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", logs)),
        on_train_end=lambda logs: calls.append(("train_end", logs)),
    )
    model = FakeModel()
    run_fit(
        callbacks.CallbackList([callback], model=model),
        model,
        [{"loss": lazy(0.5)}],
        steps=1,
    )
    assert calls == [
        ("train_begin", {}),
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", {"loss": 0.5}),
        ("epoch_end", {"loss": 0.5}),
        ("train_end", {"loss": 0.5}),
    ]
    assert all(type(logs["loss"]) is float for _, logs in calls[3:])


def test_other_hooks_by_keyword():
    seen = []
    callback = callbacks.LambdaCallback(
        on_test_end=lambda logs: seen.append(logs), note="kept"
    )
    callback_list = callbacks.CallbackList([callback])
    callback_list.on_test_begin()
    callback_list.on_test_end({"loss": 2})
    assert seen == [{"loss": 2.0}] and callback.note == "kept"


def test_unset_hooks_do_nothing():
    callback = callbacks.LambdaCallback()
    callback_list = callbacks.CallbackList([callback], model=FakeModel())
    run_fit(callback_list, callback.model, [{"loss": 1.0}])
