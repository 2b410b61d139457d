"""`TerminateOnNaN`: stop training as soon as the loss is NaN or infinite."""

import math

from ember.callbacks.callback import Callback, print_on_chief, to_number


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite.

    It reads the loss after every batch, so each batch waits for the device:
    the price of stopping at the first bad batch.

    Args:
        raise_error: Whether to raise a `RuntimeError` at once instead of
            setting `model.stop_training` (which ends training after the
            current batch, with the usual end-of-training hooks). Defaults to
            `False`.

    Example:

    ```python
    model.fit(x, y, epochs=10, callbacks=[keras.callbacks.TerminateOnNaN()])
    ```
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = to_number(loss)
        if math.isnan(loss) or math.isinf(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. "
                    f"Loss value: {loss}. Terminating training immediately."
                )
            print_on_chief(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
