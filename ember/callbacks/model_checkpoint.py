"""`ModelCheckpoint`: save the model or its weights during training."""

import os
import warnings

import numpy as np
import torch

from ember.callbacks.callback import batches_due, numeric_logs, print_on_chief
from ember.callbacks.monitor_callback import MonitorCallback
from ember.distribution.runtime import is_chief


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or its weights) at the end of epochs or every N batches.

    `filepath` may hold format fields filled from the epoch (1-based) and the
    logs, e.g. `"ckpt/{epoch:02d}-{val_loss:.2f}.keras"`; with `save_freq` an
    integer, `{batch}` (1-based) is available too.

    Args:
        filepath: Where to save: ending in `.keras` (the whole model, through
            `model.save`) or, with `save_weights_only=True`, in `.weights.h5`
            (through `model.save_weights`).
        monitor: Logged metric `save_best_only` watches. Defaults to
            `"val_loss"`.
        verbose: 1 prints a message at each save. Defaults to `0`.
        save_best_only: Save only when `monitor` improves on the best so far.
            Defaults to `False`.
        save_weights_only: Save only the weights. Defaults to `False`.
        mode: `"min"`, `"max"` or `"auto"` (from the metric). Defaults to
            `"auto"`.
        save_freq: `"epoch"`, or an integer: save every that many batches.
            Defaults to `"epoch"`.
        initial_value_threshold: A value of `monitor` the first save must beat
            (with `save_best_only`). Defaults to `None`.

    Example:

    ```python
    checkpoint = keras.callbacks.ModelCheckpoint(
        "best.weights.h5", monitor="val_accuracy", mode="max",
        save_best_only=True, save_weights_only=True,
    )
    model.fit(x, y, epochs=10, validation_split=0.1, callbacks=[checkpoint])
    ```
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                "'epoch' or integer values"
            )
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the "
                "filepath provided must end in `.weights.h5` (Keras weights "
                f"format). Received: filepath={self.filepath}"
            )
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )

    def on_train_begin(self, logs=None):
        # Fail before the first epoch rather than after it.
        self._saver()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        return batches_due(self, batch, self.save_freq)

    def _saver(self):
        method = "save_weights" if self.save_weights_only else "save"
        saver = getattr(self.model, method, None)
        if saver is None:
            raise RuntimeError(
                f"ModelCheckpoint cannot save: `{type(self.model).__name__}` has "
                f"no `{method}()` method. ModelCheckpoint saves `ember.Model`s; "
                "for another object, save it from a custom callback, or keep the "
                "best weights in memory with "
                "`EarlyStopping(restore_best_weights=True)`."
            )
        return saver

    def _save_model(self, epoch, batch, logs):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = numeric_logs(logs)
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        # Under torchrun every process calls the saver (variables split
        # across processes are gathered by all); rank 0 writes. Every rank
        # tracks `best`.
        dirname = os.path.dirname(filepath)
        if dirname and is_chief():
            os.makedirs(dirname, exist_ok=True)
        try:
            self._saver()(filepath, overwrite=True)
        except IsADirectoryError as error:
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            ) from error
        if self.verbose > 0:
            print_on_chief(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_on_chief(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available.",
                stacklevel=2,
            )
            return True
        if isinstance(current, (np.ndarray, torch.Tensor)) and current.ndim > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. "
                f"Received: {current}. Falling back to `save_best_only=False`.",
                stacklevel=2,
            )
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_on_chief(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} "
                    f"to {current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print_on_chief(
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}"
            )
        return False

    def _get_file_path(self, epoch, batch, logs):
        fields = dict(logs, epoch=epoch + 1)
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". '
                f"Reason: {error}"
            ) from error
