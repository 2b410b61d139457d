"""`GaussianDropout`: multiplies inputs by 1-centered Gaussian noise in training."""

import math

from ember import random
from ember.layers.layer import Layer
from ember.layers.regularization.base_noise import check_fraction, normal_noise


class GaussianDropout(Layer):
    """Multiplies inputs by Gaussian noise of mean 1 during training.

    The noise has standard deviation `sqrt(rate / (1 - rate))`, the same
    variance as `Dropout(rate)`'s rescaled mask, but it keeps every input.
    Active only with `training=True`; in inference the layer returns its
    input.

    Args:
        rate: Float in `[0, 1)`, the drop probability of the equivalent
            `Dropout`.
        seed: Integer seed, for reproducible noise. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of any rank.
        training: Whether to apply noise (`True`) or pass the input through.
            Defaults to `False`.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> GaussianDropout(0.2, seed=1)(torch.ones(2, 3), training=True).shape
    torch.Size([2, 3])
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        # rate=1 would need infinite noise (Keras divides by zero there).
        self.rate = check_fraction("rate", rate, upper_inclusive=False)
        self.seed = seed
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = normal_noise(
                inputs,
                1.0,
                stddev,
                self._dtype_policy.torch_compute_dtype,
                self.seed_generator,
            )
            return inputs * noise
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, rate={self.rate}"
