"""`ProgbarLogger`: the progress bar and per-epoch line `fit()` prints."""

from ember.callbacks.callback import Callback
from ember.utils.progbar import Progbar, print_msg


class ProgbarLogger(Callback):
    """Prints a progress bar with the metrics to stdout.

    `fit()`, `evaluate()` and `predict()` add one when `verbose` is not 0. In
    `fit()` it prints `Epoch i/n` (when there are several epochs) and a bar per
    epoch; validation inside `fit()` is silent. The logs' values are read only
    when the bar is redrawn (see `ember.utils.Progbar`), so the batches between
    redraws cost no host sync.

    The run parameters (`set_params`) give `verbose` (`"auto"` means 1),
    `epochs` and `steps` (the bar's target; `None` when unknown, in which case
    the first epoch's count is used for the next ones).
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        # Validation inside fit() has no bar of its own.
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._new_progbar()

    def on_predict_begin(self, logs=None):
        self._new_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._new_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        # The logs hold the batch's predictions, not metrics: show none.
        self._update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(logs)

    def _new_progbar(self):
        self.seen = 0
        self.progbar = Progbar(
            target=self.target,
            verbose=self.verbose,
            unit_name="step",
            stateless_metrics=set(),  # The trainer's logs are already averages.
        )

    def _update(self, batch, logs):
        if self.progbar is None:
            self._new_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            self._new_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
