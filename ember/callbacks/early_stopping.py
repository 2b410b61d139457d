"""`EarlyStopping`: stop training when a monitored metric stops improving."""

import warnings

from ember.callbacks.callback import print_on_chief, to_number
from ember.callbacks.monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops training when `monitor` has not improved for `patience` epochs.

    At the end of each epoch the monitored value is compared with the best so
    far; when it has failed to improve by at least `min_delta` for `patience`
    epochs in a row, `model.stop_training` is set and `stopped_epoch` records
    the epoch.

    Args:
        monitor: Logged metric to watch. Defaults to `"val_loss"`.
        min_delta: Smallest change that counts as an improvement. Defaults
            to `0`.
        patience: Epochs without improvement before stopping. Defaults to `0`.
        verbose: 1 prints a message when stopping or restoring weights.
            Defaults to `0`.
        mode: `"min"`, `"max"` or `"auto"` (from the metric). Defaults to
            `"auto"`.
        baseline: A value to beat: while the best value has not beaten it, the
            epochs count towards `patience` even if they improve. Defaults to
            `None`.
        restore_best_weights: Whether to restore, at the end of training, the
            weights of the best epoch (of the last epoch when none was best
            yet). Defaults to `False`.
        start_from_epoch: Warm-up epochs before improvement is monitored.
            Defaults to `0`.

    Example:

    ```python
    callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    history = model.fit(x, y, epochs=100, callbacks=[callback])
    len(history.history["loss"])  # fewer than 100 once the loss stalls
    ```
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        # A callback may serve several fit() calls: each starts afresh.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            # Only now are the model's metrics (and their directions) built.
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Patience restarts only once the baseline is beaten too.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_on_chief(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_on_chief(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value in `logs` as a number, or `None` (with a warning)."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(logs)}",
                stacklevel=2,
            )
            return None
        return to_number(value)
