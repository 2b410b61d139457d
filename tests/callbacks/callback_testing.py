"""Fakes for callback tests: a model, an optimizer, a fit loop, a sync counter.

The fit loop calls the hooks in the order Keras 3's trainer does, so the same
run can drive ember's callbacks and Keras's (the oracle) and be compared.
"""

import os

import numpy as np
import torch


class SyncCountingTensor(torch.Tensor):
    """A tensor that counts how often its value is read on the host."""

    reads = 0

    def _count(self):
        SyncCountingTensor.reads += 1
        return self.as_subclass(torch.Tensor)

    def __float__(self):
        return float(self._count())

    def __int__(self):
        return int(self._count())

    def __bool__(self):
        return bool(self._count())

    def __array__(self, dtype=None, copy=None):
        return self._count().numpy()

    def item(self):
        return self._count().item()

    def tolist(self):
        return self._count().tolist()

    def numpy(self, *args, **kwargs):
        return self._count().numpy(*args, **kwargs)


def lazy(value):
    """A 0-d float32 tensor holding `value`, counting host reads."""
    return torch.tensor(value, dtype=torch.float32).as_subclass(SyncCountingTensor)


def lazy_logs(logs):
    return {key: lazy(value) for key, value in logs.items()}


class FakeOptimizer:
    def __init__(self, learning_rate=0.01, name="fake_optimizer"):
        self.learning_rate = learning_rate
        self.name = name


class FakeModel:
    """What callbacks use of a model: weights, an optimizer, `stop_training`."""

    def __init__(self, learning_rate=0.01):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2, 2)), np.zeros((2,))]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


class SavingModel(FakeModel):
    """A FakeModel whose `save`/`save_weights` write a small text file."""

    def __init__(self):
        super().__init__()
        self.saved = []

    def _write(self, kind, filepath, overwrite):
        with open(filepath, "w") as f:
            f.write(f"{kind} {self.weights[0][0, 0]}")
        self.saved.append((kind, os.path.basename(filepath)))

    def save(self, filepath, overwrite=True):
        self._write("model", filepath, overwrite)

    def save_weights(self, filepath, overwrite=True):
        self._write("weights", filepath, overwrite)


def run_fit(callbacks, model, epoch_logs, steps=3, batch_logs=None):
    """Drives `callbacks` (a CallbackList) like `fit()` would.

    `epoch_logs[e]` is the logs dict of epoch `e` (its length is the number of
    epochs); `batch_logs(epoch, batch)` gives each batch's logs. The model's
    weights become the epoch index during each epoch, so restored weights tell
    which epoch they came from. Returns the epochs run.
    """
    model.stop_training = False
    training_logs = {}
    epochs_run = []
    callbacks.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        callbacks.on_epoch_begin(epoch)
        for batch in range(steps):
            callbacks.on_train_batch_begin(batch)
            model.set_weights([np.full_like(w, epoch) for w in model.weights])
            step_logs = batch_logs(epoch, batch) if batch_logs else dict(logs)
            callbacks.on_train_batch_end(batch, step_logs)
            if model.stop_training:
                break
        epochs_run.append(epoch)
        callbacks.on_epoch_end(epoch, dict(logs))
        training_logs = logs
        if model.stop_training:
            break
    callbacks.on_train_end(logs=dict(training_logs))
    return epochs_run


def make_callback_list(module, *args, **kwargs):
    """`module.CallbackList(...)`; Keras's one is made to call batch hooks in
    order on this thread (it may defer them to a thread pool, which would make
    its output depend on thread timing)."""
    callback_list = module.CallbackList(*args, **kwargs)
    for attr in ("_async_train", "_async_test", "_async_predict"):
        if hasattr(callback_list, attr):
            setattr(callback_list, attr, False)
    return callback_list


def run_both(name, kwargs, epoch_logs, make_model=FakeModel, **fit_kwargs):
    """Runs ember's and Keras's callback `name(**kwargs)` through the same fake
    fit; returns, for each, what a test compares: epochs run, printed text,
    final weights, learning rate, the callback and the model."""
    import contextlib
    import io

    from conftest import keras_or_skip

    import ember.callbacks

    keras = keras_or_skip()
    results = []
    for module in (ember.callbacks, keras.callbacks):
        model = make_model()
        callback = getattr(module, name)(**kwargs)
        callback_list = make_callback_list(module, [callback], model=model, epochs=5)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            epochs = run_fit(callback_list, model, epoch_logs, **fit_kwargs)
        results.append(
            {
                "epochs": epochs,
                "printed": out.getvalue(),
                "weights": float(model.get_weights()[0][0, 0]),
                "learning_rate": model.optimizer.learning_rate,
                "stop_training": model.stop_training,
                "callback": callback,
                "model": model,
            }
        )
    return results
