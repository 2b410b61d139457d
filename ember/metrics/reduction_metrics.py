"""Metrics that reduce values: `Sum`, `Mean`, and `MeanMetricWrapper`, the mean
of a per-sample function (the base of most stateless-function metrics)."""

import inspect

import torch

from ember.metrics import metrics_utils as utils
from ember.metrics.metric import Metric


class Sum(Metric):
    """The (weighted) sum of the given values.

    With values `[1, 3, 5, 7]` the sum is 16; with `sample_weight=[1, 1, 0, 0]`
    it is 4.

    Args:
        name: Name of the metric instance. Defaults to `"sum"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.

    Example:

    >>> metric = ember.metrics.Sum()
    >>> metric.update_state([1, 3, 5, 7])
    >>> float(metric.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="total"
        )

    def update_state(self, values, sample_weight=None):
        values, _ = utils.reduce_to_samplewise_values(
            values, sample_weight, torch.sum, self.dtype, self._device
        )
        self.total.add_(torch.sum(values))

    def result(self) -> torch.Tensor:
        return self.total.clone()


class Mean(Metric):
    """The (weighted) mean of the given values.

    With values `[1, 3, 5, 7]` the mean is 4; with `sample_weight=[1, 1, 0, 0]`
    it is 2. Values with more than one axis are first averaged per sample.

    Args:
        name: Name of the metric instance. Defaults to `"mean"`.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.

    Example:

    >>> metric = ember.metrics.Mean()
    >>> metric.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(metric.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="count"
        )

    def update_state(self, values, sample_weight=None):
        if (
            isinstance(values, torch.Tensor)
            and values.ndim == 0
            and isinstance(sample_weight, (int, float))
            and not isinstance(sample_weight, bool)
            and utils.get_mask(values) is None
        ):
            # The trainer's loss tracker, once per step: a scalar loss weighted by
            # the batch size. Same sums as below, without building weight tensors.
            self.total.add_(values.to(self.total.dtype), alpha=sample_weight)
            self.count.add_(sample_weight)
            return
        values, sample_weight = utils.reduce_to_samplewise_values(
            values, sample_weight, torch.mean, self.dtype, self._device
        )
        self.total.add_(torch.sum(values))
        if sample_weight is not None:
            self.count.add_(torch.sum(sample_weight))
        else:
            self.count.add_(values.shape[0] if values.ndim >= 1 else 1)

    def result(self) -> torch.Tensor:
        return utils.divide_no_nan(self.total, self.count)


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    `fn` returns one value per sample (or per element, averaged per sample);
    the metric reports their (weighted) mean over all batches seen. A Keras
    mask on `y_pred` (`y_pred._keras_mask`) gives masked entries weight 0.

    Args:
        fn: The function to wrap, `fn(y_true, y_pred, **kwargs)`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"mean_metric_wrapper"` made unique.
        dtype: Dtype of the metric's computations and result. Defaults to
            `None`, meaning `ember.config.floatx()`.
        **kwargs: Keyword arguments passed on to `fn`.

    Example:

    >>> def squared_error(y_true, y_pred):
    ...     return (y_true - y_pred) ** 2
    >>> metric = ember.metrics.MeanMetricWrapper(squared_error)
    >>> metric.update_state(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    >>> float(metric.result())
    2.0
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = utils.get_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sample_weight = utils.apply_mask(sample_weight, mask, self.dtype)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fn": serialize_function(self._fn),
            **self._fn_kwargs,
        }

    @classmethod
    def from_config(cls, config: dict) -> "MeanMetricWrapper":
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)


def serialize_function(fn):
    """Keras's config entry for a wrapped function or loss object."""
    if inspect.isfunction(fn) or inspect.isbuiltin(fn):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": fn.__name__,
            "registered_name": "function",
        }
    if hasattr(fn, "get_config"):
        module = type(fn).__module__
        public = module.startswith("ember.losses")
        return {
            "module": "keras.losses" if public else module,
            "class_name": type(fn).__name__,
            "config": fn.get_config(),
            "registered_name": None if public else type(fn).__name__,
        }
    return fn


def deserialize_function(config):
    """The function (or loss object) that `serialize_function` described.

    Functions are found by name among `ember.metrics`'s (then
    `ember.losses`'s) public functions; loss objects through
    `ember.losses.deserialize`.
    """
    if callable(config):
        return config
    from ember import metrics

    if isinstance(config, str):
        config = {"class_name": "function", "config": config}
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        fn = metrics.FUNCTIONS.get(name) or _loss_attribute(name)
        if fn is None:
            raise ValueError(
                f"Could not find the metric function '{name}'. Functions of "
                "`ember.metrics` and `ember.losses` are found by name; pass "
                "custom functions to `MeanMetricWrapper` directly."
            )
        return fn
    if isinstance(config, dict) and config.get("module") == "keras.losses":
        from ember import losses

        return losses.deserialize(config)
    raise ValueError(
        "Could not interpret the `fn` of a `MeanMetricWrapper` config: expected a "
        f"function name or a serialized loss. Received: fn={config!r}."
    )


def _loss_attribute(name):
    try:
        from ember import losses
    except ImportError:
        return None
    fn = getattr(losses, str(name), None)
    return fn if inspect.isfunction(fn) else None
