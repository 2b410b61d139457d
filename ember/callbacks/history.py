"""`History`: the per-epoch logs `fit()` returns."""

from ember.callbacks.callback import Callback, numeric_logs


class History(Callback):
    """Records each epoch's logs; `fit()` returns this callback.

    `history.history` maps each log name to its list of per-epoch values (Python
    floats), `history.epoch` lists the epochs seen, `history.params` holds the
    run's parameters. `fit()` adds one to every run and sets `model.history`.

    Example:

    ```python
    history = model.fit(x, y, epochs=3)
    history.history["loss"]   # [0.71, 0.52, 0.40]
    history.epoch             # [0, 1, 2]
    ```
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in numeric_logs(logs).items():
            self.history.setdefault(key, []).append(value)
        # Point the model at this run's history once it holds an epoch.
        self.model.history = self
