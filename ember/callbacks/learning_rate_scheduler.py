"""`LearningRateScheduler`: set the learning rate from a function of the epoch."""

import numpy as np

from ember.callbacks.callback import Callback, print_on_chief, to_number
from ember.callbacks.reduce_lr_on_plateau import _optimizers, log_learning_rates


class LearningRateScheduler(Callback):
    """Sets `model.optimizer.learning_rate` at the start of every epoch.

    Args:
        schedule: A function `schedule(epoch, lr)` returning the new rate (a
            float) from the epoch index (0-based) and the current rate. A
            function of the epoch alone, `schedule(epoch)`, also works.
        verbose: 1 prints the rate set at each epoch. Defaults to `0`.

    The rate in use is added to each epoch's logs as `learning_rate`.

    Example:

    ```python
    def scheduler(epoch, lr):
        return lr if epoch < 10 else lr * 0.9

    callback = keras.callbacks.LearningRateScheduler(scheduler)
    model.fit(x, y, epochs=15, callbacks=[callback])
    ```
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        for name, optimizer in _optimizers(self.model):
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                which = f"{name} learning rate" if name else "learning rate"
                print_on_chief(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting "
                    f"{which} to {learning_rate}."
                )

    def on_epoch_end(self, epoch, logs=None):
        # Into the shared logs (History records it), unless there are none.
        log_learning_rates(self.model, logs or {})

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError(
                "LearningRateScheduler needs an optimizer with a `learning_rate` "
                f"attribute. Received: optimizer={optimizer!r}."
            )
        try:
            learning_rate = self.schedule(epoch, to_number(optimizer.learning_rate))
        except TypeError:
            # schedule(epoch): the one-argument form older code uses.
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                "The output of the `schedule` function of LearningRateScheduler "
                "should be a float (the new learning rate). Received: "
                f"{learning_rate!r} (of type {type(learning_rate).__name__})."
            )
        optimizer.learning_rate = learning_rate
        return learning_rate
