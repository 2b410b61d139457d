"""`SpatialDropout1D/2D/3D`: dropout of whole channels (feature maps)."""

from ember import random
from ember.backend import standardize_data_format
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.regularization.dropout import Dropout

_FORMATS = ("channels_first", "channels_last")


class BaseSpatialDropout(Dropout):
    """Drops whole channels: one keep/drop draw per sample and channel,
    shared by every position. Subclasses fix the rank and where channels are.
    """

    _rank = None

    def __init__(self, rate: float, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        if data_format is not None and str(data_format).lower() not in _FORMATS:
            raise ArgumentError(
                "data_format", "'channels_first' or 'channels_last'", data_format
            )
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return random.dropout(
                inputs,
                self.rate,
                noise_shape=self._noise_shape(inputs),
                seed=self.seed_generator,
            )
        return inputs

    def get_config(self) -> dict:
        # Keras writes exactly these keys (no `trainable`), and `dtype` as a name.
        return {
            "rate": self.rate,
            "seed": self.seed,
            "name": self.name,
            "dtype": self._dtype_policy.name,
            "data_format": self.data_format,
        }

    def _noise_shape(self, inputs):
        spatial = (1,) * self._rank
        batch, channels = inputs.shape[0], self._channels(inputs)
        if self.data_format == "channels_first":
            return (batch, channels) + spatial
        return (batch,) + spatial + (channels,)

    def _channels(self, inputs):
        axis = 1 if self.data_format == "channels_first" else -1
        return inputs.shape[axis]


class SpatialDropout1D(BaseSpatialDropout):
    """Spatial 1D dropout: drops entire channels of a sequence.

    Like `Dropout`, but each channel of each sample is kept or dropped as a
    whole (at every timestep), and kept channels are scaled by
    `1 / (1 - rate)`. When neighbouring timesteps are strongly correlated (as
    after early 1D convolutions), element-wise dropout barely regularizes;
    dropping channels does. Active only with `training=True`.

    Args:
        rate: Float in `[0, 1]`, the fraction of channels to drop.
        seed: Integer seed, for reproducible masks. Defaults to `None`.
        name: The layer's name. Defaults to `None`.
        dtype: The layer's dtype policy. Defaults to `None`.

    Call arguments:
        inputs: A 3D tensor.
        training: Whether to drop channels (`True`) or pass the input
            through. Defaults to `False`.

    Input shape:
        `(batch_size, timesteps, channels)`.

    Output shape:
        The input's.

    Example:

    >>> SpatialDropout1D(0.5, seed=1)(torch.ones(2, 3, 4), training=True).shape
    torch.Size([2, 3, 4])
    """

    _rank = 1

    def __init__(self, rate: float, seed=None, name=None, dtype=None):
        super().__init__(rate, "channels_last", seed=seed, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(BaseSpatialDropout):
    """Spatial 2D dropout: drops entire feature maps of an image.

    Like `Dropout`, but each channel of each sample is kept or dropped as a
    whole (at every pixel), and kept channels are scaled by `1 / (1 - rate)`.
    When neighbouring pixels are strongly correlated (as after early
    convolutions), element-wise dropout barely regularizes; dropping feature
    maps does. Active only with `training=True`.

    Args:
        rate: Float in `[0, 1]`, the fraction of channels to drop.
        data_format: `"channels_last"` (`(batch, rows, cols, channels)`) or
            `"channels_first"` (`(batch, channels, rows, cols)`). Defaults to
            `ember.config.image_data_format()`, `"channels_last"` unless set.
        seed: Integer seed, for reproducible masks. Defaults to `None`.
        name: The layer's name. Defaults to `None`.
        dtype: The layer's dtype policy. Defaults to `None`.

    Call arguments:
        inputs: A 4D tensor.
        training: Whether to drop channels (`True`) or pass the input
            through. Defaults to `False`.

    Input shape:
        `(batch_size, rows, cols, channels)` with `"channels_last"`,
        `(batch_size, channels, rows, cols)` with `"channels_first"`.

    Output shape:
        The input's.

    Example:

    >>> SpatialDropout2D(0.5, seed=1)(torch.ones(2, 5, 5, 3), training=True).shape
    torch.Size([2, 5, 5, 3])
    """

    _rank = 2


class SpatialDropout3D(BaseSpatialDropout):
    """Spatial 3D dropout: drops entire feature maps of a volume.

    Like `Dropout`, but each channel of each sample is kept or dropped as a
    whole (at every voxel), and kept channels are scaled by `1 / (1 - rate)`.
    Active only with `training=True`.

    Args:
        rate: Float in `[0, 1]`, the fraction of channels to drop.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`). Defaults to
            `ember.config.image_data_format()`, `"channels_last"` unless set.
        seed: Integer seed, for reproducible masks. Defaults to `None`.
        name: The layer's name. Defaults to `None`.
        dtype: The layer's dtype policy. Defaults to `None`.

    Call arguments:
        inputs: A 5D tensor.
        training: Whether to drop channels (`True`) or pass the input
            through. Defaults to `False`.

    Input shape:
        `(batch_size, d1, d2, d3, channels)` with `"channels_last"`,
        `(batch_size, channels, d1, d2, d3)` with `"channels_first"`.

    Output shape:
        The input's.

    Example:

    >>> layer = SpatialDropout3D(0.5, seed=1)
    >>> layer(torch.ones(2, 3, 3, 3, 4), training=True).shape
    torch.Size([2, 3, 3, 3, 4])
    """

    _rank = 3
