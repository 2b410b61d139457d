"""`Rescaling`: multiplies inputs by `scale` and adds `offset`."""

import numpy as np
import torch

from ember.backend import config as backend_config
from ember.layers.preprocessing._base import DataInputLayer


class Rescaling(DataInputLayer):
    """Rescales inputs: `outputs = inputs * scale + offset`.

    To map `[0, 255]` images to `[0, 1]` use `scale=1/255`; to `[-1, 1]`,
    `scale=1/127.5, offset=-1`. Applied in training and inference alike.
    Integer inputs give float outputs (the layer's compute dtype).

    Args:
        scale: Float, or an array broadcast against the channel axis (per
            channel scales; with `channels_first` images it is reshaped to
            `(channels, 1, 1)`).
        offset: Float or array added after scaling. Defaults to `0.0`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> Rescaling(scale=1 / 255)(torch.tensor([[0, 255]])).tolist()
    [[0.0, 1.0]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dtype = self._dtype_policy.torch_compute_dtype
        inputs = torch.as_tensor(inputs).to(dtype)
        scale, offset = (
            self._constant(self.scale, inputs),
            self._constant(self.offset, inputs),
        )
        if (
            isinstance(scale, torch.Tensor)
            and scale.ndim > 0
            and backend_config.image_data_format() == "channels_first"
        ):
            scale = scale.reshape(tuple(scale.shape) + (1,) * (3 - scale.ndim))
        return inputs * scale + offset

    @staticmethod
    def _constant(value, like):
        # Python numbers multiply without a host-to-device copy.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return torch.as_tensor(np.asarray(value), dtype=like.dtype, device=like.device)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        from ember.saving import serialization_lib

        return {
            **super().get_config(),
            "scale": serialization_lib.serialize_keras_object(self.scale),
            "offset": serialization_lib.serialize_keras_object(self.offset),
        }

    @classmethod
    def from_config(cls, config):
        from ember.saving import serialization_lib

        config = dict(config)
        for key in ("scale", "offset"):
            config[key] = serialization_lib.deserialize_keras_object(config[key])
        return super().from_config(config)
