"""`Discretization`: buckets continuous values by bin boundaries."""

import numpy as np
import torch

from ember.backend.errors import ArgumentError
from ember.layers.preprocessing._base import DataInputLayer
from ember.layers.preprocessing._utils import (
    adapt_batches,
    check_choice,
    encode_categorical,
    encoded_shape,
)


class Discretization(DataInputLayer):
    """Maps continuous values to the index of the bin they fall in.

    With `bin_boundaries=[0., 1., 2.]` the bins are `(-inf, 0)`, `[0, 1)`,
    `[1, 2)` and `[2, inf)`, numbered 0 to 3. Boundaries are given, or learned
    by `adapt(data)` as approximate quantiles of the data (`num_bins` bins of
    about equal population; the approximation of Keras, so the boundaries are
    the same).

    Args:
        bin_boundaries: Sorted list of boundaries. Defaults to `None`.
        num_bins: Number of bins `adapt()` computes. Give exactly one of
            `bin_boundaries` and `num_bins`. Defaults to `None`.
        epsilon: The error tolerance of the quantile summary `adapt()` keeps
            (about `1 / epsilon` points). Defaults to `0.01`.
        output_mode: `"int"` (bin indices, int32), `"one_hot"`, `"multi_hot"`
            or `"count"` (encodings over the bins, floats). Defaults to
            `"int"`.
        sparse: Must be `False`: torch layers return dense tensors.
        dtype: Dtype of the encoded outputs. Defaults to `None` (float32).
        name: The layer's name. Defaults to `None`.

    Input shape:
        Any; values are read as floats.

    Output shape:
        `"int"`: the input's. Otherwise as `CategoryEncoding`'s.

    Example:

    >>> layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])).tolist()
    [[0, 2, 3, 1], [1, 3, 2, 1]]
    """

    def __init__(
        self,
        bin_boundaries=None,
        num_bins=None,
        epsilon=0.01,
        output_mode="int",
        sparse=False,
        dtype=None,
        name=None,
    ):
        super().__init__(name=name, dtype=dtype)
        check_choice(
            "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count")
        )
        if sparse:
            raise ArgumentError(
                "sparse", "False (torch layers return dense tensors)", sparse
            )
        if num_bins is not None and num_bins < 0:
            raise ArgumentError("num_bins", "an integer >= 0", num_bins)
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "`Discretization`: give either `num_bins` or `bin_boundaries`, "
                f"not both. Received: num_bins={num_bins} and "
                f"bin_boundaries={bin_boundaries}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(
                "`Discretization`: set either `num_bins` (and call `adapt()`) or "
                "`bin_boundaries`."
            )
        self.bin_boundaries = (
            list(bin_boundaries) if bin_boundaries is not None else None
        )
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if self.bin_boundaries else _empty_summary()
        self._boundaries_cache = None
        self.built = True

    @property
    def output_dtype(self) -> str:
        return "int32" if self.output_mode == "int" else self.compute_dtype

    def adapt(self, data, steps=None) -> None:
        """Learns `num_bins` quantile boundaries of `data`.

        Args:
            data: A NumPy array or tensor, or an iterable of batches (a list of
                arrays, a generator, a torch `DataLoader`, ...).
            steps: The number of batches to read from an iterable. Defaults
                to `None` (all).
        """
        if self.num_bins is None:
            raise ValueError(
                f"`Discretization` (layer '{self.name}') was created with "
                "`bin_boundaries`, so it cannot be adapted. Create it with "
                "`num_bins` instead."
            )
        self.reset_state()
        for batch in adapt_batches(data, steps, arrays_are_one_batch=False):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        data = np.asarray(data).astype("float32")
        self.summary = _merge(
            _summarize(data, self.epsilon), self.summary, self.epsilon
        )

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        summary = _compress(self.summary, 1.0 / self.num_bins)
        self.bin_boundaries = summary[0, :-1].tolist()

    def reset_state(self) -> None:
        if self.num_bins is None:
            return
        self.summary = _empty_summary()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"`Discretization` (layer '{self.name}') has no bin boundaries: "
                "pass `bin_boundaries=` or call `adapt(data)` first."
            )
        inputs = torch.as_tensor(inputs)
        if not inputs.is_floating_point():
            inputs = inputs.to(torch.float32)
        boundaries = self._boundaries(inputs)
        indices = torch.bucketize(inputs, boundaries, right=True).to(torch.int32)
        return encode_categorical(
            indices,
            self.output_mode,
            len(self.bin_boundaries) + 1,
            self.output_dtype,
        )

    def _boundaries(self, inputs):
        key = (tuple(self.bin_boundaries), inputs.device, inputs.dtype)
        if self._boundaries_cache is None or self._boundaries_cache[0] != key:
            tensor = torch.tensor(
                self.bin_boundaries, dtype=inputs.dtype, device=inputs.device
            )
            self._boundaries_cache = (key, tensor)
        return self._boundaries_cache[1]

    def compute_output_shape(self, input_shape):
        depth = (
            len(self.bin_boundaries) + 1
            if self.bin_boundaries is not None
            else self.num_bins
        )
        return encoded_shape(input_shape, self.output_mode, depth)

    def load_own_variables(self, store) -> None:
        # Files of older Keras versions kept the summary as a variable.
        if len(store.keys()) == 1:
            self.summary = np.asarray(store["0"])

    def get_config(self) -> dict:
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        config.pop("trainable", None)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            # An adapted layer lists both; the constructor takes one.
            config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)


# Keras's quantile approximation: a summary is a 2 x n array of sorted values
# and the weight (number of data points) each stands for.
def _empty_summary():
    return np.array([[], []], dtype="float32")


def _summarize(values, epsilon):
    """Every `step`-th sorted value, each standing for `step` points."""
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    picked = values[int(step - 1) :: int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def _merge(first, second, epsilon):
    merged = np.concatenate((first, second), axis=1)
    merged = merged[:, np.argsort(merged[0])]
    return _compress(merged, epsilon)


def _compress(summary, epsilon):
    """Resamples the summary at `1 / epsilon` evenly spaced weight quantiles."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    values = np.interp(targets, fractions, summary[0])
    cumulative_at = np.interp(targets, fractions, cumulative)
    weights = np.diff(cumulative_at, prepend=0.0)
    return np.stack((values, weights)).astype("float32")
