"""`Callback`, the base of every callback, and `numeric_logs`.

Logs are lazy: the trainer hands callbacks dicts whose values may be 0-d torch
tensors still on the device, because reading one is a host sync that stalls the
step pipeline. A callback that needs numbers calls `numeric_logs(logs)` itself,
and only when it needs them. `CallbackList` converts the logs up front only for
callbacks written outside ember (which, as in Keras, expect Python floats).
"""

import numpy as np
import torch

_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)


def flat_logs(logs):
    """`logs` flattened (nested dicts merged in) with keys sorted, values untouched.

    This is the order Keras shows logs in (the progress bar, `History`, CSV).
    """
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(flat_logs(value))
        else:
            result[key] = value
    return result


def to_number(value):
    """`value` as a Python float where it is a single number (a host sync for a
    device tensor); a multi-element tensor becomes a NumPy array; anything that
    is not a number is returned as is."""
    if isinstance(value, float):
        return value
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.numel() != 1:
            return value.cpu().numpy()
        return float(value.reshape(()))
    if isinstance(value, np.ndarray) and value.size != 1:
        return value
    if isinstance(value, np.ndarray):
        value = value.reshape(())
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def numeric_logs(logs):
    """`logs` flattened, sorted and converted to Python floats, as Keras hands
    logs to callbacks. Reads every device tensor in it: call it only when the
    numbers are needed."""
    return {key: to_number(value) for key, value in flat_logs(logs).items()}


def print_on_chief(message):
    """Prints `message` in a single process, and on rank 0 only under several
    (`torchrun`), where every process runs the same callbacks."""
    from ember.distribution.runtime import is_chief
    from ember.utils.progbar import print_msg

    if is_chief():
        print_msg(message)


def _default_hook(method):
    # Marks the base class's no-op hooks, so CallbackList can tell a callback
    # that overrides a hook (and may want numbers) from one that does not.
    method._ember_default_hook = True
    return method


class Callback:
    """Base class of callbacks: hooks into `fit()`, `evaluate()` and `predict()`.

    Subclass it and override the hooks you need. `self.model` is the model being
    trained, `self.params` the run's parameters (`verbose`, `epochs`, `steps`).

    Logs: `on_epoch_end` gets the epoch's metrics (validation ones prefixed
    `val_`), `on_*_batch_end` the running metrics so far, `on_train_end` the last
    epoch's logs. Values may be 0-d torch tensors on the device when the hook
    belongs to an ember callback; `ember.callbacks.CallbackList` hands Python
    floats to callbacks defined outside ember, as Keras does.

    Example:

    ```python
    class StopAtLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs["loss"] < 0.1:
                self.model.stop_training = True

    model.fit(x, y, epochs=100, callbacks=[StopAtLoss()])
    ```
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        model = self._model
        # Under DDP the trainer may hand over the wrapper; callbacks need the
        # Keras model inside it (weights, optimizer, save).
        if isinstance(model, torch.nn.parallel.DistributedDataParallel):
            return model.module
        return model

    @_default_hook
    def on_batch_begin(self, batch, logs=None):
        """The old name of `on_train_batch_begin`, called by its default."""

    @_default_hook
    def on_batch_end(self, batch, logs=None):
        """The old name of `on_train_batch_end`, called by its default."""

    @_default_hook
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch `epoch` (0-based) of `fit`."""

    @_default_hook
    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of epoch `epoch` with its training and validation
        metrics, e.g. `{"loss": 0.2, "val_loss": 0.3}`."""

    @_default_hook
    def on_train_batch_begin(self, batch, logs=None):
        """Called before training batch `batch` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    @_default_hook
    def on_train_batch_end(self, batch, logs=None):
        """Called after training batch `batch` with the metrics so far."""
        self.on_batch_end(batch, logs=logs)

    @_default_hook
    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of `evaluate` or of validation in `fit`."""

    @_default_hook
    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of `evaluate` or of validation in `fit`."""

    @_default_hook
    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of `predict`."""

    @_default_hook
    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of `predict`, with its outputs."""

    @_default_hook
    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    @_default_hook
    def on_train_end(self, logs=None):
        """Called at the end of `fit` with the last epoch's logs."""

    @_default_hook
    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` or of a validation run."""

    @_default_hook
    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` or of a validation run."""

    @_default_hook
    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    @_default_hook
    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""


def batches_due(callback, batch, every) -> bool:
    """Whether `every` batches have passed since `callback` last acted.

    Advances the callback's count (`_batches_seen_since_last_saving`) from the
    batch index a hook received: with `steps_per_execution` hooks see every n-th
    index, and an index not above the last one (`_last_batch_seen`) starts a new
    epoch. Resets the count when it answers True.
    """
    last = callback._last_batch_seen
    added = batch + 1 if last is None or batch <= last else batch - last
    callback._batches_seen_since_last_saving += added
    callback._last_batch_seen = batch
    if callback._batches_seen_since_last_saving >= every:
        callback._batches_seen_since_last_saving = 0
        return True
    return False
