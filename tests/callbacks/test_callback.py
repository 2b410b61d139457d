"""Callback base class and the logs helpers."""

import numpy as np
import torch
from callback_testing import FakeModel, SyncCountingTensor, lazy

from ember.callbacks import Callback
from ember.callbacks.callback import flat_logs, numeric_logs, to_number


def test_numeric_logs_sorts_flattens_and_converts():
    logs = {
        "val_loss": torch.tensor(0.5),
        "loss": np.float32(0.25),
        "nested": {"b": 2, "a": torch.tensor([3.0])},
        "name": "run-1",
        "vector": torch.tensor([1.0, 2.0]),
    }
    result = numeric_logs(logs)
    assert list(result) == ["loss", "name", "a", "b", "val_loss", "vector"]
    assert result["loss"] == 0.25 and type(result["loss"]) is float
    assert result["a"] == 3.0 and result["b"] == 2.0 and result["val_loss"] == 0.5
    assert result["name"] == "run-1"
    np.testing.assert_array_equal(result["vector"], [1.0, 2.0])


def test_numeric_logs_matches_keras():
    from conftest import keras_or_skip

    keras_or_skip()
    from keras.src.utils.python_utils import pythonify_logs

    logs = {"z": 1, "a": np.float64(0.1), "m": {"y": torch.tensor(2.5), "b": "x"}}
    assert numeric_logs(logs) == pythonify_logs(logs)
    assert list(numeric_logs(logs)) == list(pythonify_logs(logs))


def test_flat_logs_reads_nothing():
    SyncCountingTensor.reads = 0
    logs = flat_logs({"loss": lazy(1.0), "acc": {"top1": lazy(0.5)}})
    assert list(logs) == ["top1", "loss"]
    assert SyncCountingTensor.reads == 0
    assert to_number(logs["loss"]) == 1.0 and SyncCountingTensor.reads == 1


def test_none_logs():
    assert numeric_logs(None) == {} and flat_logs(None) == {}


def test_params_and_model():
    callback = Callback()
    assert callback.model is None and callback.params is None
    model = FakeModel()
    callback.set_model(model)
    callback.set_params({"epochs": 2})
    assert callback.model is model and callback.params == {"epochs": 2}


def test_train_batch_hooks_forward_to_legacy_names():
    seen = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch, logs))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    callback = Legacy()
    callback.on_train_batch_begin(0)
    callback.on_train_batch_end(0, {"loss": 1.0})
    callback.on_test_batch_end(0, {"loss": 1.0})  # not a training batch
    assert seen == [("begin", 0, None), ("end", 0, {"loss": 1.0})]


def test_every_hook_exists_and_does_nothing():
    callback = Callback()
    for name in dir(callback):
        if name.startswith("on_"):
            if name.endswith(("_train_begin", "_train_end", "_test_begin")) or (
                name.endswith(("_test_end", "_predict_begin", "_predict_end"))
            ):
                assert getattr(callback, name)({}) is None
            else:
                assert getattr(callback, name)(0, {}) is None
