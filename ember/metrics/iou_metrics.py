"""Intersection-over-union metrics for segmentation: `IoU`, `MeanIoU`,
`BinaryIoU`, `OneHotIoU` and `OneHotMeanIoU`, all read from a confusion matrix
accumulated over batches."""

import warnings

import torch

from ember.backend import config
from ember.metrics.metric import Metric
from ember.metrics.metrics_utils import to_tensor


class _IoUBase(Metric):
    """Accumulates a `(num_classes, num_classes)` confusion matrix.

    Rows are true classes, columns predicted ones. Entries whose true or
    predicted class falls outside `[0, num_classes)`, or whose true class is
    `ignore_class`, are left out.
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        # An integer matrix by default: counts stay exact.
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            (num_classes, num_classes),
            "zeros",
            dtype=self.dtype,
            name="total_confusion_matrix",
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch to the confusion matrix.

        Args:
            y_true: True class ids (one-hot with `sparse_y_true=False`).
            y_pred: Predicted class ids (scores with `sparse_y_pred=False`).
            sample_weight: Optional weights, one per entry (or broadcastable).
        """
        device = self._device
        y_true, y_pred = (
            to_tensor(y_true, device=device),
            to_tensor(y_pred, device=device),
        )
        if not self.sparse_y_true:
            y_true = torch.argmax(y_true, dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = torch.argmax(y_pred, dim=self.axis)
        y_true = to_tensor(y_true, self.dtype).reshape(-1)
        y_pred = to_tensor(y_pred, self.dtype).reshape(-1)
        if sample_weight is None:
            sample_weight = torch.ones((), dtype=y_true.dtype, device=device)
        else:
            given_dtype = str(getattr(sample_weight, "dtype", ""))
            if "float" in given_dtype and "int" in self.dtype:
                warnings.warn(
                    f"`{type(self).__name__}` received float `sample_weight` but "
                    f"accumulates in {self.dtype}: the weights are truncated to "
                    "integers. Pass integer weights, or `dtype='float32'`.",
                    stacklevel=2,
                )
            sample_weight = to_tensor(sample_weight, self.dtype, device)
        if sample_weight.ndim > 1:
            sample_weight = sample_weight.reshape(-1)
        sample_weight = sample_weight.broadcast_to(y_true.shape)

        valid = (y_true >= 0) & (y_true < self.num_classes)
        valid &= (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        y_true = torch.where(valid, y_true, 0).long()
        y_pred = torch.where(valid, y_pred, 0).long()
        sample_weight = torch.where(valid, sample_weight, 0)

        flat = y_true * self.num_classes + y_pred
        counts = torch.zeros(
            self.num_classes**2, dtype=self.total_cm.dtype, device=device
        )
        counts.index_add_(0, flat, sample_weight.to(counts.dtype))
        self.total_cm.add_(counts.reshape(self.num_classes, self.num_classes))


class IoU(_IoUBase):
    """Intersection over union, averaged over the classes `target_class_ids`.

    Per class, `IoU = tp / (tp + fp + fn)`; classes that never occur (in
    labels or predictions) are left out of the average.

    Args:
        num_classes: Number of classes; the confusion matrix is
            `(num_classes, num_classes)`.
        target_class_ids: Class ids whose IoU is averaged.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the confusion matrix. Defaults to `None`, meaning
            `"int32"`.
        ignore_class: A true class id left out of the counts (e.g. a "void"
            label). Defaults to `None`.
        sparse_y_true: Whether labels are class ids (else one-hot over
            `axis`). Defaults to `True`.
        sparse_y_pred: Whether predictions are class ids (else scores over
            `axis`). Defaults to `True`.
        axis: The class axis of dense inputs. Defaults to `-1`.

    Example:

    >>> metric = ember.metrics.IoU(num_classes=2, target_class_ids=[0])
    >>> metric.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(metric.result()), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
        if max(target_class_ids) >= num_classes:
            raise ValueError(
                f"Target class id {max(target_class_ids)} is out of range, which "
                f"is [0, {num_classes})."
            )
        self.target_class_ids = list(target_class_ids)
        self._add_constant("target_class_ids", self.target_class_ids, torch.long)

    def result(self) -> torch.Tensor:
        matrix = self.total_cm
        true_positives = torch.diagonal(matrix)
        denominator = matrix.sum(dim=0) + matrix.sum(dim=1) - true_positives
        targets = self._constants["target_class_ids"]
        true_positives = true_positives[targets].float()
        denominator = denominator[targets].float()
        valid = denominator > 1e-9
        iou = true_positives / (denominator + config.epsilon())
        iou = torch.where(valid, iou, 0.0)
        # `iou` is 1-D: summed whole (Keras sums it over `axis`, which fails
        # for a class axis other than -1).
        return torch.sum(iou) / (torch.sum(valid.float()) + config.epsilon())

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of binary predictions, thresholded at `threshold`.

    Args:
        target_class_ids: Which of the classes 0 and 1 are averaged. Defaults
            to `(0, 1)`.
        threshold: A prediction at or above it is class 1. Defaults to `0.5`.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the confusion matrix. Defaults to `None`, meaning
            `"int32"`.

    Example:

    >>> metric = ember.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    >>> metric.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    >>> round(float(metric.result()), 4)
    0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(
            num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype
        )
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_tensor(y_true, self.dtype, self._device)
        y_pred = to_tensor(y_pred, torch.float32, self._device)
        y_pred = (y_pred >= self.threshold).to(y_true.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """IoU averaged over all classes.

    Args:
        num_classes: Number of classes.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the confusion matrix. Defaults to `None`, meaning
            `"int32"`.
        ignore_class: A true class id left out of the counts. Defaults to
            `None`.
        sparse_y_true: Whether labels are class ids. Defaults to `True`.
        sparse_y_pred: Whether predictions are class ids. Defaults to `True`.
        axis: The class axis of dense inputs. Defaults to `-1`.

    Example:

    >>> metric = ember.metrics.MeanIoU(num_classes=2)
    >>> metric.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(metric.result()), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotIoU(IoU):
    """IoU of one-hot labels and per-class scores (argmax over `axis`).

    Args:
        num_classes: Number of classes.
        target_class_ids: Class ids whose IoU is averaged.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the confusion matrix. Defaults to `None`, meaning
            `"int32"`.
        ignore_class: A true class id left out of the counts. Defaults to
            `None`.
        sparse_y_pred: Whether predictions are class ids. Defaults to `False`.
        axis: The class axis. Defaults to `-1`.

    Example:

    >>> metric = ember.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> metric.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                     [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1],
    ...                      [0.1, 0.4, 0.5]])
    >>> round(float(metric.result()), 4)
    0.1667
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotMeanIoU(MeanIoU):
    """IoU averaged over all classes, from one-hot labels and per-class scores.

    Args:
        num_classes: Number of classes.
        name: Name of the metric instance. Defaults to `None`.
        dtype: Dtype of the confusion matrix. Defaults to `None`, meaning
            `"int32"`.
        ignore_class: A true class id left out of the counts. Defaults to
            `None`.
        sparse_y_pred: Whether predictions are class ids. Defaults to `False`.
        axis: The class axis. Defaults to `-1`.

    Example:

    >>> metric = ember.metrics.OneHotMeanIoU(num_classes=3)
    >>> metric.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                     [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1],
    ...                      [0.1, 0.4, 0.5]])
    >>> round(float(metric.result()), 4)
    0.1111
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }
