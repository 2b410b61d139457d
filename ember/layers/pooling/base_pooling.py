"""`BasePooling`: the shared logic of the max and average pooling layers."""

from ember.backend import standardize_data_format
from ember.backend.errors import ArgumentError
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.ops.nn_pool import _int_tuple, _pool, _standardize_padding


class BasePooling(Layer):
    """Pools windows of `pool_size` over `pool_dimensions` spatial axes.

    Subclasses fix `pool_dimensions` (1, 2 or 3) and `pool_mode` (`"max"` or
    `"average"`); the numerics live in `ember.ops.max_pool` and
    `ember.ops.average_pool`, whose notes describe the layout and the padding.

    Args:
        pool_size: Integer or tuple of `pool_dimensions` integers, the window.
        strides: Integer, tuple of integers, or `None` (`pool_size`), the step
            between windows.
        pool_dimensions: Number of spatial axes, 1, 2 or 3.
        pool_mode: `"max"` or `"average"`. Defaults to `"max"`.
        padding: `"valid"` or `"same"` (case-insensitive). Defaults to
            `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to the
            `image_data_format` setting (`"channels_last"` unless changed).
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        pool_size,
        strides,
        pool_dimensions: int,
        pool_mode: str = "max",
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.pool_size = _int_tuple(pool_size, pool_dimensions, "pool_size")
        self.strides = (
            self.pool_size
            if strides is None
            else _int_tuple(strides, pool_dimensions, "strides")
        )
        if pool_mode not in ("max", "average"):
            raise ArgumentError("pool_mode", "'max' or 'average'", pool_mode)
        self.pool_mode = pool_mode
        self.padding = _standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        try:
            return _pool(
                inputs,
                self.pool_mode,
                self.pool_size,
                self.strides,
                self.padding,
                self.data_format,
            )
        except ValueError as error:
            raise ValueError(
                f"`{type(self).__name__}` (layer '{self.name}') cannot pool inputs "
                f"of shape {tuple(inputs.shape)} (data_format={self.data_format!r})"
                f": {error}"
            ) from None

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, pool_size={self.pool_size}, "
            f"strides={self.strides}, padding={self.padding!r}"
        )
