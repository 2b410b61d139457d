"""`Identity`: returns its inputs unchanged."""

from ember.layers.layer import Layer


class Identity(Layer):
    """Returns its inputs unchanged: a placeholder where no operation is wanted.

    Masks pass through.

    Args:
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor, or a nested structure of tensors.

    Input shape:
        Any.

    Output shape:
        The input's.

    Example:

    >>> Identity()(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def get_config(self) -> dict:
        # No arguments of its own: only the base keys (name, trainable, dtype).
        return super().get_config()
