"""`LossFunctionWrapper`: a `Loss` made from a loss function, and the base of
the built-in loss classes."""

from ember.backend import tree
from ember.losses.loss import Loss, _is_tensor, squeeze_or_expand_to_same_rank


class LossFunctionWrapper(Loss):
    """A `Loss` made from a function `fn(y_true, y_pred, **kwargs)`.

    The function returns the per-sample losses; the wrapper adds sample
    weights, masks, the reduction and a config. Before the call, a trailing
    axis of size 1 is squeezed (or added) so that `y_true` and `y_pred` have
    the same rank: `(batch,)` labels meet `(batch, 1)` predictions.

    Args:
        fn: The loss function.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: See `Loss`. Defaults to `"loss_function_wrapper"` (made unique).
        dtype: See `Loss`. Defaults to `ember.config.floatx()`.
        **kwargs: Keyword arguments passed to `fn` at each call.

    Example:

    >>> loss = ember.losses.LossFunctionWrapper(ember.losses.huber, delta=0.5)
    >>> float(loss(torch.zeros(2, 1), torch.ones(2, 1)))
    0.375
    """

    def __init__(
        self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if _is_tensor(y_true) and _is_tensor(y_pred):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        else:
            pairs = [
                squeeze_or_expand_to_same_rank(t, p)
                for t, p in zip(tree.flatten(y_true), tree.flatten(y_pred))
            ]
            y_true = tree.pack_sequence_as(y_true, [t for t, _ in pairs])
            y_pred = tree.pack_sequence_as(y_pred, [p for _, p in pairs])
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        from ember.losses import serialize

        config = Loss.get_config(self)
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "LossFunctionWrapper":
        from ember.losses import deserialize

        if isinstance(config.get("fn"), (str, dict)):
            config = {**config, "fn": deserialize(config["fn"])}
        return cls(**config)

    def __repr__(self) -> str:
        if type(self) is not LossFunctionWrapper:
            return Loss.__repr__(self)
        fn = getattr(self.fn, "__name__", repr(self.fn))
        arguments = "".join(f", {k}={v!r}" for k, v in self._fn_kwargs.items())
        return f"{type(self).__name__}(fn={fn}{arguments}, name={self.name!r})"


class _BuiltinLoss(LossFunctionWrapper):
    """Base of the built-in loss classes: a loss function whose keyword
    arguments are also attributes and make up the config, with the name and
    reduction (never `fn`, which the class implies)."""

    def __init__(self, fn, reduction, name, dtype, **kwargs):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._fn_kwargs})
        return config
