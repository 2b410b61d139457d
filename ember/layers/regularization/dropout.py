"""`Dropout`: randomly zeroes inputs during training."""

import numbers

from ember import random
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class Dropout(Layer):
    """Randomly sets inputs to 0 with probability `rate` during training.

    Kept inputs are scaled by `1 / (1 - rate)`, so the expected sum over all
    inputs is unchanged. The layer only acts when called with
    `training=True` (as `fit()` does); in inference it returns its input.

    Args:
        rate: Float in `[0, 1]`, the fraction of the inputs to drop.
        noise_shape: Shape of the binary keep/drop mask, broadcast over the
            input; `None` entries take the input's size. For inputs of shape
            `(batch, timesteps, features)`, `noise_shape=(None, 1, None)`
            drops the same features at every timestep. Defaults to `None`
            (the input's shape).
        seed: Integer seed, for reproducible masks. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of any rank.
        training: Whether to drop (`True`) or pass the input through.
            Defaults to `False`.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> Dropout(0.5, seed=1)(torch.ones(2, 3), training=False)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """

    def __init__(
        self, rate: float, noise_shape=None, seed: int | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        if (
            isinstance(rate, bool)
            or not isinstance(rate, numbers.Real)
            or not 0 <= rate <= 1
        ):
            raise ArgumentError("rate", "a float between 0 and 1", rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = _standardize_noise_shape(noise_shape)
        if rate > 0:
            # A plain attribute, not a weight: Keras keeps the generator's
            # state out of `layer.weights` too.
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            if self.noise_shape is not None and len(self.noise_shape) != inputs.ndim:
                raise ValueError(
                    f"`Dropout` (layer '{self.name}') has noise_shape="
                    f"{self.noise_shape} of rank {len(self.noise_shape)}, but "
                    f"received inputs of rank {inputs.ndim} (shape "
                    f"{tuple(inputs.shape)}). Give one entry per input axis, "
                    "batch axis included, e.g. `None` to keep an axis's size."
                )
            return random.dropout(
                inputs,
                self.rate,
                noise_shape=self.noise_shape,
                seed=self.seed_generator,
            )
        return inputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, rate={self.rate}"


def _standardize_noise_shape(noise_shape):
    if noise_shape is None:
        return None
    expected = "a tuple of positive integers or None entries, or None"
    if isinstance(noise_shape, str):
        raise ArgumentError("noise_shape", expected, noise_shape)
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ArgumentError("noise_shape", expected, noise_shape) from None
    for dim in noise_shape:
        if dim is not None and (
            isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim <= 0
        ):
            raise ArgumentError("noise_shape", expected, noise_shape)
    return noise_shape
