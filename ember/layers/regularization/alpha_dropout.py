"""`AlphaDropout`: dropout that keeps the mean and variance of SELU activations."""

import torch

from ember import random
from ember.layers.layer import Layer
from ember.layers.regularization.base_noise import check_fraction, uniform_noise
from ember.layers.regularization.dropout import _standardize_noise_shape

# SELU's constants; dropped units take SELU's negative saturation value.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SATURATION = -_SELU_ALPHA * _SELU_SCALE


class AlphaDropout(Layer):
    """Dropout for self-normalizing networks (SELU activations).

    In training, each input is dropped with probability `rate` and set to
    SELU's negative saturation value `alpha' = -scale * alpha`; then an
    affine map `a * x + b`, with `a = ((1 - rate) * (1 + rate * alpha'^2))
    ** -0.5` and `b = -a * alpha' * rate`, restores the mean and variance of
    inputs that have zero mean and unit variance. In inference the layer
    returns its input.

    Args:
        rate: Float in `[0, 1]`, the fraction of inputs to drop.
        noise_shape: Shape of the keep/drop mask, broadcast over the input;
            `None` entries take the input's size. Defaults to `None` (the
            input's shape).
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

    >>> AlphaDropout(0.1, seed=1)(torch.randn(4, 3), training=True).shape
    torch.Size([4, 3])
    """

    def __init__(
        self, rate: float, noise_shape=None, seed: int | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        self.rate = check_fraction("rate", rate)
        self.noise_shape = _standardize_noise_shape(noise_shape)
        self.seed = seed
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not (training and self.rate > 0):
            return inputs
        mask_shape = self._mask_shape(inputs)
        keep = (
            uniform_noise(mask_shape, torch.float32, inputs.device, self.seed_generator)
            >= self.rate
        )
        a = ((1 - self.rate) * (1 + self.rate * _SATURATION**2)) ** -0.5
        b = -a * _SATURATION * self.rate
        # Kept: a * x + b; dropped: a * alpha' + b (Keras's formula, folded).
        return torch.where(keep, inputs * a + b, a * _SATURATION + b)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, rate={self.rate}"

    def _mask_shape(self, inputs):
        if self.noise_shape is None:
            return inputs.shape
        if len(self.noise_shape) != inputs.ndim:
            raise ValueError(
                f"`AlphaDropout` (layer '{self.name}') has noise_shape="
                f"{self.noise_shape} of rank {len(self.noise_shape)}, but received "
                f"inputs of rank {inputs.ndim} (shape {tuple(inputs.shape)}). Give "
                "one entry per input axis, batch axis included."
            )
        return tuple(
            size if wanted is None else wanted
            for size, wanted in zip(inputs.shape, self.noise_shape)
        )
