"""`Initializer`: the base class of everything that fills a new weight."""

import abc

import torch


class Initializer(abc.ABC):
    """Base class of weight initializers.

    An initializer is called with a shape and a dtype and returns a new tensor
    of that shape and dtype, on the current default device (layers choose the
    device with a `torch.device(...)` context). Subclasses implement
    `__call__(shape, dtype=None)`; those whose constructor takes arguments also
    implement `get_config()`, returning those arguments, so that the default
    `from_config()` can rebuild them.

    Example:

    >>> class Halves(ember.initializers.Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return torch.full(shape, 0.5)
    >>> Halves()((2, 2)).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """

    @abc.abstractmethod
    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Returns a new tensor of shape `shape` and dtype `dtype`.

        Args:
            shape: Tuple of integers, the shape of the tensor.
            dtype: Dtype of the tensor. Defaults to `None`, meaning
                `ember.config.floatx()`.
        """

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Initializer":
        """Rebuilds an initializer from the output of `get_config()`.

        Args:
            config: A dict, the output of `get_config()`.

        Returns:
            An initializer instance.
        """
        return cls(**config)

    def clone(self) -> "Initializer":
        """Returns a new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"
