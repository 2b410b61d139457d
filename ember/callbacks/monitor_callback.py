"""`MonitorCallback`: the shared base of callbacks that watch one logged metric.

EarlyStopping, ReduceLROnPlateau and ModelCheckpoint decide whether a value of
the monitored metric is an improvement on the best so far, in a direction given
by `mode` ("min", "max", or "auto": worked out from the metric).
"""

import operator
import warnings

from ember.callbacks.callback import Callback

# Metric names whose direction "auto" knows without finding the metric on the
# model: Keras's built-in metrics, by the direction each declares.
_MAXIMIZED_NAMES = (
    "acc",
    "auc",
    "precision",
    "recall",
    "f1_score",
    "fbeta_score",
    "r2_score",
    "iou",
    "cosine_similarity",
    "correlation",
    "specificity",
    "sensitivity",
)
_MINIMIZED_NAMES = ("loss", "error", "crossentropy", "hinge", "divergence")
_MINIMIZED_EXACT = {"mse", "mae", "mape", "msle", "rmse", "logcosh", "poisson"}


def _model_metrics(model):
    """The model's metrics, with those inside metric containers listed too."""
    found = []
    pending = list(getattr(model, "metrics", None) or ())
    while pending:
        metric = pending.pop(0)
        found.append(metric)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            pending.extend(inner)
    return found


def _direction_from_name(name):
    if name in _MINIMIZED_EXACT or any(part in name for part in _MINIMIZED_NAMES):
        return "down"
    if any(part in name for part in _MAXIMIZED_NAMES):
        return "up"
    return None


class MonitorCallback(Callback):
    """Base class of callbacks that track the best value of `monitor`.

    Args:
        monitor: Name of the logged metric to watch. Defaults to `"val_loss"`.
        mode: `"min"`, `"max"` or `"auto"`: in auto mode a loss is minimized,
            and any other metric goes the way it declares (`_direction`), or its
            name says (accuracies, AUC, precision, recall: up; errors,
            crossentropies: down). Defaults to `"auto"`.
        baseline: Initial best value. Defaults to `None`.
        min_delta: Smallest change that counts as an improvement. Defaults
            to `0`.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to "
                "auto mode.",
                stacklevel=3,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        direction = {"min": "down", "max": "up"}.get(self.mode)
        if direction is None:
            direction = self._auto_direction()
        if direction == "down":
            self.monitor_op = operator.lt
            self.min_delta *= -1
        else:
            self.monitor_op = operator.gt

    def _auto_direction(self):
        name = self.monitor.removeprefix("val_")
        direction = "down" if name == "loss" else None
        for metric in _model_metrics(self.model):
            if getattr(metric, "name", None) == name:
                direction = getattr(metric, "_direction", direction)
        direction = direction or _direction_from_name(name)
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, "
                "but cannot tell whether that metric should be maximized or "
                "minimized. Pass `mode='max'` to monitor its highest value, or "
                "`mode='min'` for its lowest."
            )
        return direction

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)
