"""`Normalization`: shifts and scales inputs to zero mean and unit variance."""

import math

import numpy as np
import torch

from ember.backend import config as backend_config
from ember.layers.preprocessing._base import DataInputLayer
from ember.layers.preprocessing._utils import adapt_batches


class Normalization(DataInputLayer):
    """Normalizes features: `(inputs - mean) / sqrt(variance)`.

    The mean and variance are either given (`mean=`, `variance=`) or learned
    from data with `adapt(data)` before training. They are kept per position of
    the `axis` dimensions and broadcast over the others.

    Args:
        axis: Integer, tuple of integers, or `None`: the axes that keep their
            own mean and variance (`-1`: one per feature). `None` computes a
            single scalar mean and variance. Defaults to `-1`.
        mean: The mean to use, a scalar or an array broadcastable to the kept
            axes. Defaults to `None` (learned by `adapt`).
        variance: The variance to use, with `mean`. Defaults to `None`.
        invert: If `True`, undoes the normalization:
            `inputs * sqrt(variance) + mean`. Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Input shape:
        Any, with known sizes on the kept axes.

    Output shape:
        The input's.

    Example:

    >>> layer = Normalization(axis=None)
    >>> layer.adapt(np.array([1.0, 2.0, 3.0]))
    >>> layer(np.array([1.0, 2.0, 3.0])).tolist()  # doctest: +SKIP
    [-1.2247, 0.0, 1.2247]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        self.mean = None
        self.variance = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "`Normalization`: when setting values directly, both `mean` and "
                f"`variance` must be set. Received: mean={mean} and "
                f"variance={variance}. Pass both, or neither and call `adapt()`."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "`Normalization`: `mean` and `variance` must have the same "
                    f"shape. Received: mean shape {np.shape(mean)} and variance "
                    f"shape {np.shape(variance)}."
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    "`Normalization`: the rank of `mean` must be at most the "
                    f"number of axes ({len(self.axis)}). Received: mean shape "
                    f"{np.shape(mean)} for axis={self.axis}."
                )

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"`Normalization` (layer '{self.name}'): every `axis` must be in "
                f"[-{ndim}, {ndim}) for inputs of rank {ndim}. Received: "
                f"axis={self.axis}, input shape {input_shape}."
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"`Normalization` (layer '{self.name}'): the kept axes must "
                    f"have a known size. Received: axis={self.axis}, input shape "
                    f"{input_shape} (axis {d} is unknown)."
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)
        ]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean",
                shape=self._mean_and_var_shape,
                initializer="zeros",
                trainable=False,
            )
            self.adapt_variance = self.add_weight(
                name="variance",
                shape=self._mean_and_var_shape,
                initializer="ones",
                trainable=False,
            )
            # Kept for files of older Keras versions; Keras leaves it at 0.
            self.count = self.add_weight(
                name="count",
                shape=(),
                dtype="int32",
                initializer="zeros",
                trainable=False,
            )
            self.built = True
            self.finalize_state()
        else:
            self.mean, self.variance = (
                self._broadcast_given(value)
                for value in (self.input_mean, self.input_variance)
            )
            self.built = True

    def _broadcast_given(self, value):
        value = torch.as_tensor(np.asarray(value), dtype=torch.float64)
        expanded = [1] * len(self._broadcast_shape)
        if value.ndim:
            # Align the given dimensions with the kept axes, right to left.
            for i in range(1, value.ndim + 1):
                expanded[self._keep_axis[-i]] = value.shape[-i]
        value = value.reshape(expanded).broadcast_to(self._broadcast_shape)
        return value.to(self._dtype_policy.torch_compute_dtype).contiguous()

    def adapt(self, data) -> None:
        """Learns the mean and variance of `data` (per position of `axis`).

        Args:
            data: A NumPy array or tensor, or an iterable of batches (a list of
                arrays, a generator, a torch `DataLoader`, a `PyDataset`); with
                `(x, y)` batches only `x` is used.
        """
        if isinstance(data, (np.ndarray, torch.Tensor)):
            batches = [data]
        elif (
            isinstance(data, (list, tuple))
            and data
            and not isinstance(data[0], (list, tuple, np.ndarray, torch.Tensor))
        ):
            batches = [np.asarray(data)]
        else:
            batches = adapt_batches(data, arrays_are_one_batch=False)
        total_mean = total_var = None
        total_count = 0
        for batch in batches:
            batch = (
                torch.as_tensor(
                    np.asarray(batch) if not isinstance(batch, torch.Tensor) else batch
                )
                .to(torch.float64)
                .cpu()
            )
            self._check_adapt_shape(tuple(batch.shape))
            dims = self._reduce_axis
            batch_mean = batch.mean(dim=dims) if dims else batch.clone()
            batch_var = (
                batch.var(dim=dims, unbiased=False) if dims else torch.zeros_like(batch)
            )
            count = math.prod(batch.shape[d] for d in dims) if dims else 1
            if total_mean is None:
                total_mean, total_var, total_count = batch_mean, batch_var, count
                continue
            # Merge with Chan et al.'s parallel update of mean and variance.
            total_count += count
            weight = count / total_count
            new_mean = total_mean * (1 - weight) + batch_mean * weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - weight) + (
                batch_var + (batch_mean - new_mean) ** 2
            ) * weight
            total_mean = new_mean
        if total_mean is None:
            raise ValueError(
                f"`Normalization.adapt()` (layer '{self.name}') received no "
                "batches. Pass a non-empty array or iterable of arrays."
            )
        with torch.no_grad():
            self.adapt_mean.copy_(total_mean.reshape(self.adapt_mean.shape))
            self.adapt_variance.copy_(total_var.reshape(self.adapt_variance.shape))
        self.finalize_state()

    def _check_adapt_shape(self, shape):
        if not self.built:
            self.build(shape)
            self.built = True
            return
        if self.input_mean is not None:
            raise ValueError(
                f"`Normalization` (layer '{self.name}') was given `mean` and "
                "`variance`; it cannot also be adapted."
            )
        for d in self._keep_axis:
            if len(shape) != len(self._build_input_shape) or (
                shape[d] != self._build_input_shape[d]
            ):
                raise ValueError(
                    f"`Normalization` (layer '{self.name}') was built with input "
                    f"shape {self._build_input_shape}, but adapt() received data "
                    f"of shape {shape}, incompatible on the kept axes "
                    f"{self._keep_axis}."
                )

    def finalize_state(self) -> None:
        """Recomputes the broadcast mean and variance from the weights."""
        if self.input_mean is not None or not self.built:
            return
        dtype = self._dtype_policy.torch_compute_dtype
        self.mean = self.adapt_mean.detach().reshape(self._broadcast_shape).to(dtype)
        self.variance = (
            self.adapt_variance.detach().reshape(self._broadcast_shape).to(dtype)
        )

    def call(self, inputs):
        if self.mean is None:
            raise ValueError(
                f"`Normalization` (layer '{self.name}') has no mean and variance: "
                "call `adapt(data)`, pass `mean=` and `variance=`, or "
                "`build(input_shape)` first."
            )
        inputs = torch.as_tensor(inputs).to(self._dtype_policy.torch_compute_dtype)
        mean, variance = self.mean, self.variance
        if mean.device != inputs.device:
            mean, variance = mean.to(inputs.device), variance.to(inputs.device)
        std = torch.clamp(torch.sqrt(variance), min=backend_config.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def load_own_variables(self, store) -> None:
        super().load_own_variables(store)
        self.finalize_state()

    def set_weights(self, weights) -> None:
        super().set_weights(weights)
        self.finalize_state()

    def _apply(self, fn, *args, **kwargs):
        # `.to(device)` moves the weights; the broadcast copies follow.
        result = super()._apply(fn, *args, **kwargs)
        if self.input_mean is None:
            self.finalize_state()
        elif self.mean is not None:
            self.mean, self.variance = fn(self.mean), fn(self.variance)
        return result

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, config) -> None:
        if config:
            self.build(config["input_shape"])
            self.built = True
