"""`Hashing`: hashes strings or integers into a fixed number of bins."""

import numpy as np
import torch

from ember.backend.errors import ArgumentError
from ember.layers.preprocessing import _hashing_functions as hashing
from ember.layers.preprocessing._base import DataInputLayer
from ember.layers.preprocessing._utils import (
    check_choice,
    encode_categorical,
    encoded_shape,
    is_string_input,
    to_string_array,
)


class Hashing(DataInputLayer):
    """Hashes strings or integers into `num_bins` bins.

    The hash is FarmHash's `Fingerprint64` (as TensorFlow's
    `to_hash_bucket_fast`, which Keras uses), or keyed SipHash-2-4 when a
    `salt` is given; integers are hashed as their decimal strings. The bins
    are therefore the same as Keras's on every platform. Hashing runs on the
    CPU (tensor inputs on an accelerator are copied to the host and back).

    Args:
        num_bins: Number of hash bins, including the mask bin when
            `mask_value` is set.
        mask_value: A value mapped to bin 0; the others then hash into
            `1..num_bins - 1`. Defaults to `None` (no mask bin).
        salt: An integer, or a pair of integers: the SipHash key (one integer
            `k` means `[k, k]`). Defaults to `None` (FarmHash).
        output_mode: `"int"` (bin indices), `"one_hot"`, `"multi_hot"` or
            `"count"`. Defaults to `"int"`.
        sparse: Must be `False`: torch layers return dense tensors.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...);
            `dtype` defaults to `"int64"` in `"int"` mode, float32 otherwise.

    Input shape:
        Strings (a list, NumPy array), or an integer tensor/array.

    Output shape:
        `"int"`: the input's (int64). Otherwise as `CategoryEncoding`'s.

    Example:

    >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).tolist()
    [[1], [0], [1], [1], [2]]
    """

    def __init__(
        self,
        num_bins,
        mask_value=None,
        salt=None,
        output_mode="int",
        sparse=False,
        **kwargs,
    ):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if (
            num_bins is None
            or isinstance(num_bins, bool)
            or not isinstance(num_bins, (int, np.integer))
            or num_bins <= 0
        ):
            raise ArgumentError("num_bins", "a positive integer", num_bins)
        check_choice(
            "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count")
        )
        if output_mode == "int" and self.dtype_policy.name not in ("int32", "int64"):
            raise ArgumentError(
                "dtype",
                "'int32' or 'int64' when output_mode='int'",
                kwargs["dtype"],
            )
        if sparse:
            raise ArgumentError(
                "sparse", "False (torch layers return dense tensors)", sparse
            )
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                self.salt = [salt, salt]
            else:
                raise ArgumentError("salt", "an integer or a pair of integers", salt)
        self.built = True

    def call(self, inputs):
        if is_string_input(inputs):
            values = to_string_array(inputs)
            device = None
        else:
            tensor = torch.as_tensor(inputs)
            device = tensor.device
            values = tensor.detach().cpu().numpy()
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        bins = torch.from_numpy(self._hash_values_to_bins(values))
        if device is not None:
            bins = bins.to(device)
        return encode_categorical(
            bins, self.output_mode, self.num_bins, self.dtype_policy.name
        )

    def _hash_values_to_bins(self, values: np.ndarray) -> np.ndarray:
        shape = values.shape
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = _equals(values, self.mask_value)
        data = hashing.as_hash_input(values)
        if self.strong_hash:
            hashed = hashing.to_hash_bucket_strong(data, bins, self.salt)
        else:
            hashed = hashing.to_hash_bucket_fast(data, bins)
        hashed = hashed.reshape(shape)
        if mask is not None:
            hashed = np.where(mask, 0, hashed + 1)
        return hashed

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if not input_shape:
            return (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def compute_output_spec(self, inputs):
        from ember.backend.keras_tensor import KerasTensor

        shape = tuple(inputs.shape)
        if self.output_mode == "one_hot" and shape and shape[-1] == 1:
            shape = shape[:-1]
        if self.output_mode != "int":
            shape = encoded_shape(shape, self.output_mode, self.num_bins)
        return KerasTensor(shape, self.dtype_policy.name)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }


def _equals(values, mask_value):
    if values.dtype == object:
        return np.array([v == mask_value for v in values.reshape(-1).tolist()]).reshape(
            values.shape
        )
    return values == mask_value
