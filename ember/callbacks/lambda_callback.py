"""`LambdaCallback`: a callback built from plain functions."""

from ember.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given.

    Each function takes the hook's arguments: `on_epoch_begin(epoch, logs)`,
    `on_epoch_end(epoch, logs)`, `on_train_begin(logs)`, `on_train_end(logs)`,
    `on_train_batch_begin(batch, logs)`, `on_train_batch_end(batch, logs)`. Any
    other hook (`on_test_end=...`, `on_predict_batch_end=...`) can be passed by
    keyword too. As for any callback written outside ember, `CallbackList`
    hands these functions Python floats in `logs`.

    Example:

    ```python
    print_epoch = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: print(f"starting epoch {epoch}")
    )
    model.fit(x, y, callbacks=[print_epoch])
    ```
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        # Other hooks and attributes arrive by keyword and are set as given.
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
