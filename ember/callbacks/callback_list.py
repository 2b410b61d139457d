"""`CallbackList`: calls every hook on a list of callbacks, as `fit` does."""

from ember import tree
from ember.callbacks.callback import Callback, flat_logs, numeric_logs
from ember.callbacks.history import History
from ember.callbacks.progbar_logger import ProgbarLogger

_LEGACY_ALIASES = {
    "on_train_batch_begin": "on_batch_begin",
    "on_train_batch_end": "on_batch_end",
}


def _wants_numbers(callback, hook):
    """Whether `callback`'s `hook` is user code that expects Python floats.

    Ember's own hooks read the logs they need themselves (lazily); a hook left
    at the base class's no-op needs nothing, except that the default train-batch
    hooks forward to the legacy `on_batch_*` ones.
    """
    method = getattr(callback, hook, None)
    function = getattr(method, "__func__", method)
    if getattr(function, "_ember_default_hook", False):
        alias = _LEGACY_ALIASES.get(hook)
        return alias is not None and _wants_numbers(callback, alias)
    module = getattr(function, "__module__", None) or ""
    return not module.startswith("ember.")


class CallbackList(Callback):
    """Container of callbacks: each hook called on it is called on all of them.

    Every hook gets the logs flattened and with sorted keys (Keras's order).
    Callbacks defined outside ember get them as Python floats, as in Keras;
    ember's own callbacks get the trainer's values (possibly device tensors)
    and read them only when they need numbers, so a training step is not made
    to wait for the device.

    Args:
        callbacks: List of `Callback` instances (nested lists are flattened).
        add_history: Whether to add a `History` callback if none is in the
            list. Defaults to `False`.
        add_progbar: Whether to add a `ProgbarLogger` callback if none is in the
            list. Defaults to `False`.
        model: The model the callbacks are used with. Defaults to `None`.
        **params: Run parameters (`verbose`, `epochs`, `steps`) handed to each
            callback's `set_params`.

    Example:

    ```python
    callbacks = keras.callbacks.CallbackList(
        [keras.callbacks.EarlyStopping(patience=2)],
        add_history=True, model=model, verbose=1, epochs=10, steps=100,
    )
    callbacks.on_train_begin()
    for epoch in range(10):
        callbacks.on_epoch_begin(epoch)
        ...
        callbacks.on_epoch_end(epoch, {"loss": loss, "val_loss": val_loss})
    callbacks.on_train_end()
    ```
    """

    def __init__(
        self,
        callbacks=None,
        add_history=False,
        add_progbar=False,
        model=None,
        **params,
    ):
        super().__init__()
        self.callbacks = tree.flatten(callbacks) if callbacks else []
        self._open_blocks = 0
        self._wants_numbers_cache = {}
        self._history = next(
            (c for c in self.callbacks if isinstance(c, History)), None
        )
        self._progbar = next(
            (c for c in self.callbacks if isinstance(c, ProgbarLogger)), None
        )
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _any_wants_numbers(self, hook):
        # Worked out once per hook for a given list of callbacks: this runs
        # twice per batch, and the answer only changes with the list.
        cached = self._wants_numbers_cache.get(hook)
        if cached is None or cached[0] != self.callbacks:
            answer = any(_wants_numbers(c, hook) for c in self.callbacks)
            cached = self._wants_numbers_cache[hook] = (list(self.callbacks), answer)
        return cached[1]

    def _dispatch(self, hook, *args, logs=None):
        logs = flat_logs(logs)
        if self._any_wants_numbers(hook):
            logs = numeric_logs(logs)
        for callback in self.callbacks:
            # Keras passes logs by keyword to batch hooks, positionally to the
            # others; user hooks may rely on either.
            if "batch" in hook:
                getattr(callback, hook)(*args, logs=logs)
            else:
                getattr(callback, hook)(*args, logs)

    def _begin(self, hook, logs):
        self._open_blocks += 1
        self._dispatch(hook, logs=logs)

    def _end(self, hook, logs):
        self._dispatch(hook, logs=logs)
        self._open_blocks -= 1
        if self._open_blocks < 0:
            raise ValueError(
                f"`CallbackList.{hook}` was called without the matching "
                f"`{hook.replace('_end', '_begin')}` before it. Call "
                "`on_train_begin`/`on_test_begin`/`on_predict_begin` first."
            )

    def on_batch_begin(self, batch, logs=None):
        self._dispatch("on_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        self._dispatch("on_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._dispatch("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._dispatch("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._dispatch("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._dispatch("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._dispatch("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._dispatch("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._dispatch("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._dispatch("on_predict_batch_end", batch, logs=logs)

    def on_train_begin(self, logs=None):
        self._begin("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._end("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._begin("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._end("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._begin("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._end("on_predict_end", logs)
