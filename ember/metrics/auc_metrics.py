"""`AUC`: the area under the ROC or precision-recall curve, approximated by a
Riemann sum over confusion counts at many thresholds."""

import numbers

import torch

from ember.backend import config
from ember.backend.errors import ArgumentError
from ember.metrics import confusion_utils
from ember.metrics.metric import Metric
from ember.metrics.metrics_utils import divide_no_nan, floatx, to_tensor

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """The area under the ROC curve (or the precision-recall curve).

    Predictions are counted as true/false positives/negatives at
    `num_thresholds` thresholds; the curve through those points is summed as
    rectangles (`summation_method`). More thresholds give a closer
    approximation. For `curve="PR"` with interpolation, the precision between
    thresholds follows Davis & Goadrich (2006).

    Args:
        num_thresholds: Number of thresholds, at least 2 (two of them just
            below 0 and just above 1). Defaults to `200`.
        curve: `"ROC"`, `"PR"` (precision-recall) or `"PRGAIN"`
            (precision-recall gain). Defaults to `"ROC"`.
        summation_method: `"interpolation"` (trapezoids), `"minoring"` (left
            sums, an underestimate) or `"majoring"` (an overestimate). Defaults
            to `"interpolation"`.
        name: Name of the metric instance. Defaults to `None`, meaning
            `"auc"` made unique.
        dtype: Dtype of the metric's computations. Defaults to `None`.
        thresholds: Explicit thresholds in [0, 1]; they replace
            `num_thresholds` (which becomes `len(thresholds) + 2`). Defaults to
            `None`.
        multi_label: Whether each label (column) gets its own curve, the
            result being their (weighted) mean. Otherwise all labels are
            flattened into one curve. Defaults to `False`.
        num_labels: Number of labels with `multi_label=True`; found from the
            first batch when `None`. Defaults to `None`.
        label_weights: Per-label weights: for `multi_label=True` the weights
            of the per-label AUCs in the mean, otherwise the weights of the
            labels' counts. Defaults to `None`.
        from_logits: Whether `y_pred` holds logits (a sigmoid is applied).
            Defaults to `False`.

    Example:

    >>> metric = ember.metrics.AUC(num_thresholds=3)
    >>> metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(metric.result())
    0.75
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if str(curve).lower() not in _CURVES:
            raise ArgumentError("curve", "'ROC', 'PR' or 'PRGAIN'", curve, "AUC")
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ArgumentError(
                "summation_method",
                "'interpolation', 'majoring' or 'minoring'",
                summation_method,
                "AUC",
            )
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()

        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
            self._thresholds_distributed_evenly = confusion_utils.evenly_distributed(
                [0.0, *inner, 1.0]
            )
        else:
            if not isinstance(num_thresholds, numbers.Integral) or num_thresholds <= 1:
                raise ArgumentError(
                    "num_thresholds", "an integer > 1", num_thresholds, "AUC"
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        # End points just outside [0, 1] catch scores of exactly 0 and 1.
        epsilon = config.epsilon()
        self._thresholds = [0.0 - epsilon, *inner, 1.0 + epsilon]
        self._add_constant("thresholds", self._thresholds, floatx())

        self.multi_label = multi_label
        self.num_labels = num_labels
        self._label_weights = None
        if isinstance(label_weights, dict) and label_weights.get("config"):
            # A tensor as Keras serializes it: {"class_name": "__tensor__", ...}.
            label_weights = label_weights["config"]["value"]
        if label_weights is not None:
            self._label_weights = [float(w) for w in label_weights]
            self._add_constant("label_weights", self._label_weights, self.dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ArgumentError(
                    "num_labels",
                    "None unless `multi_label=True`",
                    num_labels,
                    "AUC",
                )
            self._build(None)

    @property
    def label_weights(self):
        """The label weights as a tensor on the state's device, or `None`."""
        return self._constants.get("label_weights")

    @property
    def thresholds(self) -> list:
        """The thresholds, with the end points just outside [0, 1]."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Received: "
                    f"y_pred.shape={tuple(shape)}."
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = self.add_variable(
            variable_shape, "zeros", name="true_positives"
        )
        self.false_positives = self.add_variable(
            variable_shape, "zeros", name="false_positives"
        )
        self.true_negatives = self.add_variable(
            variable_shape, "zeros", name="true_negatives"
        )
        self.false_negatives = self.add_variable(
            variable_shape, "zeros", name="false_negatives"
        )
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the confusion counts of a batch at every threshold.

        Args:
            y_true: Labels; any non-zero value counts as positive.
            y_pred: Scores in [0, 1] (logits with `from_logits=True`).
            sample_weight: Optional weights, broadcastable to `y_true`.
        """
        y_pred = to_tensor(y_pred, device=self._device)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        confusion_utils.update_confusion_matrix_variables(
            {
                "tp": self.true_positives,
                "tn": self.true_negatives,
                "fp": self.false_positives,
                "fn": self.false_negatives,
            },
            y_true,
            y_pred,
            self._thresholds,
            self._constants["thresholds"],
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            evenly=self._thresholds_distributed_evenly,
        )

    def result(self) -> torch.Tensor:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_auc()
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            x, y = self._gains()
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._average_over_labels((x[:-1] - x[1:]) * heights)

    def _gains(self):
        """Recall gain and precision gain (Flach & Kull, 2015).

        Where there are no true positives the recall gain is 0 and the
        precision gain 1; negative recall gains are raised to 0.
        """
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
        no_tp = tp == 0.0
        recall_gain = torch.clamp(torch.where(no_tp, 0.0, recall_gain), min=0.0)
        precision_gain = torch.where(no_tp, 1.0, precision_gain)
        return recall_gain, precision_gain

    def _interpolated_pr_auc(self):
        """PR AUC with precision interpolated between thresholds.

        Between two thresholds, precision is `(tp) / (tp + fp)` with tp and
        tp + fp varying linearly, which integrates in closed form.
        """
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where(
            (p[:-1] > 0) & (p[1:] > 0),
            divide_no_nan(p[:-1], torch.clamp(p[1:], min=0)),
            torch.ones_like(p[1:]),
        )
        increments = divide_no_nan(
            prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
            torch.clamp(tp[1:] + fn[1:], min=0),
        )
        return self._average_over_labels(increments)

    def _average_over_labels(self, terms):
        if not self.multi_label:
            return torch.sum(terms)
        by_label = torch.sum(terms, dim=0)
        if self.label_weights is None:
            return torch.mean(by_label)
        weights = self.label_weights
        return divide_no_nan(
            torch.sum(by_label * weights.to(by_label.dtype)), torch.sum(weights)
        )

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self._label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
