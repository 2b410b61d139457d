"""`ReduceLROnPlateau`: lower the learning rate when a metric stops improving."""

import warnings

import numpy as np

from ember.backend.errors import ArgumentError
from ember.callbacks.callback import print_on_chief, to_number
from ember.callbacks.monitor_callback import MonitorCallback


def _optimizers(model):
    """(name, optimizer) pairs: one per sub-optimizer of a multi-optimizer."""
    optimizer = model.optimizer
    if hasattr(optimizer, "optimizers"):
        return [(opt.name, opt) for opt in optimizer.optimizers]
    return [("", optimizer)]


def log_learning_rates(model, logs):
    """Adds the optimizer's current learning rate(s) to `logs`, as Keras does at
    the end of an epoch: `learning_rate`, or `learning_rate_<name>` for each
    sub-optimizer of a multi-optimizer."""
    for name, optimizer in _optimizers(model):
        key = f"learning_rate_{name}" if name else "learning_rate"
        logs[key] = to_number(optimizer.learning_rate)


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` when `monitor` plateaus.

    When the monitored value has not improved by `min_delta` for `patience`
    epochs, `model.optimizer.learning_rate` becomes `max(lr * factor, min_lr)`,
    then `cooldown` epochs pass before waiting starts again. The rate in use is
    added to the epoch's logs as `learning_rate`.

    Args:
        monitor: Logged metric to watch. Defaults to `"val_loss"`.
        factor: Factor the rate is multiplied by, below 1. Defaults to `0.1`.
        patience: Epochs without improvement before reducing. Defaults to `10`.
        verbose: 1 prints a message at each reduction. Defaults to `0`.
        mode: `"min"`, `"max"` or `"auto"` (from the metric). Defaults to
            `"auto"`.
        min_delta: Smallest change that counts as an improvement. Defaults
            to `1e-4`.
        cooldown: Epochs after a reduction before normal operation resumes.
            Defaults to `0`.
        min_lr: Lower bound on the learning rate. Defaults to `0.0`.

    Example:

    ```python
    reduce_lr = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.2, patience=5, min_lr=0.001
    )
    model.fit(x, y, validation_split=0.1, callbacks=[reduce_lr])
    ```
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ArgumentError(
                "factor",
                "a number below 1.0 (the learning rate is multiplied by it)",
                factor,
                owner="ReduceLROnPlateau",
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}
        log_learning_rates(self.model, logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                "Learning rate reduction is conditioned on metric "
                f"`{self.monitor}` which is not available. Available metrics "
                f"are: {','.join(logs)}.",
                stacklevel=2,
            )
            return
        current = to_number(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = [
                    self._reduce(optimizer, epoch, name)
                    for name, optimizer in _optimizers(self.model)
                ]
                if any(reduced):
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _reduce(self, optimizer, epoch, name):
        old_lr = to_number(optimizer.learning_rate)
        # Compared in float32, the precision optimizers keep the rate in, so a
        # rate already at `min_lr` is not "reduced" to itself again.
        if np.float32(old_lr) <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name = f" {name}" if name else ""
            print_on_chief(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name} "
                f"learning rate to {new_lr}."
            )
        return True
