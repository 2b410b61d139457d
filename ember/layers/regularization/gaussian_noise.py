"""`GaussianNoise`: adds zero-centered Gaussian noise during training."""

from ember import random
from ember.layers.layer import Layer
from ember.layers.regularization.base_noise import check_fraction, normal_noise


class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev`.

    A regularizer (a form of random data augmentation for real-valued
    inputs), active only with `training=True`; in inference the layer
    returns its input.

    Args:
        stddev: Float in `[0, 1]`, the standard deviation of the noise.
        seed: Integer seed, for reproducible noise. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of any rank.
        training: Whether to add noise (`True`) or pass the input through.
            Defaults to `False`.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> GaussianNoise(0.1, seed=1)(torch.zeros(2, 3), training=True).shape
    torch.Size([2, 3])
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_fraction("stddev", stddev)
        self.seed = seed
        if stddev > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = normal_noise(
                inputs,
                0.0,
                self.stddev,
                self._dtype_policy.torch_compute_dtype,
                self.seed_generator,
            )
            return inputs + noise
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, stddev={self.stddev}"
