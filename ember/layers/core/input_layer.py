"""`InputLayer` and `Input`: the entry points of a functional model."""

from ember.backend import dtypes
from ember.backend.keras_tensor import KerasTensor
from ember.backend.symbolic import Node
from ember.layers.layer import Layer


class InputLayer(Layer):
    """The layer behind `ember.Input`: holds the model's symbolic input tensor.

    Args:
        shape: Shape tuple without the batch axis, e.g. `(28, 28, 1)`.
        batch_size: Optional fixed batch size. Defaults to `None`.
        dtype: Input dtype. Defaults to `None` (float32).
        sparse: Whether the input is sparse. Defaults to `False`.
        batch_shape: Full shape including the batch axis (instead of `shape`).
        input_tensor: An existing KerasTensor to wrap. Defaults to `None`.
        optional: Whether the input may be `None`. Defaults to `False`.
        name: Name of the layer (and of its tensor).

    Example:

    >>> InputLayer(shape=(3,)).output.shape
    (None, 3)
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        ragged=False,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        if ragged:
            raise ValueError(
                "Ragged inputs (`ragged=True`) exist only in Keras's TensorFlow "
                "backend; ember's `InputLayer` takes dense tensors. Pad the "
                "sequences and use a mask instead."
            )
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` to `InputLayer` at "
                f"the same time. Received: shape={shape}, batch_shape={batch_shape}."
            )
        if input_tensor is not None:
            batch_shape = input_tensor.shape
        elif batch_shape is None:
            if shape is None:
                raise ValueError(
                    "`InputLayer` needs a `shape` (without the batch axis), e.g. "
                    "`ember.Input(shape=(28, 28, 1))`. Received: shape=None."
                )
            batch_shape = (batch_size, *_standardize_shape(shape))
        batch_shape = _standardize_shape(batch_shape)
        self._batch_shape = batch_shape
        self._input_dtype = dtypes.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(
                batch_shape, dtype=self._input_dtype, sparse=self.sparse, name=self.name
            )
        Node(self, (), {}, input_tensor)

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def dtype(self) -> str:
        return self._input_dtype

    def call(self):
        return None

    def get_config(self) -> dict:
        return {
            "batch_shape": self._batch_shape,
            "dtype": self._input_dtype,
            "sparse": self.sparse,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }

    def extra_repr(self) -> str:
        return f"name={self.name}, batch_shape={self._batch_shape}"


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
):
    """Creates a symbolic input tensor (a `KerasTensor`) for a functional model.

    Args:
        shape: Shape tuple without the batch axis, e.g. `(28, 28, 1)`; `None`
            entries are sizes unknown until call time.
        batch_size: Optional fixed batch size. Defaults to `None`.
        dtype: Dtype of the input. Defaults to `None` (float32).
        sparse: Whether the input is sparse. Defaults to `None` (dense).
        batch_shape: Full shape including the batch axis (instead of `shape`).
        name: Name of the input. Defaults to a unique `input_layer` name.
        tensor: An existing KerasTensor to wrap. Defaults to `None`.
        optional: Whether the input may be `None`. Defaults to `False`.

    Returns:
        A `KerasTensor`.

    Example:

    >>> x = Input(shape=(32,))
    >>> x.shape
    (None, 32)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        optional=optional,
    )
    return layer.output


def _standardize_shape(shape):
    if isinstance(shape, int) or not hasattr(shape, "__iter__"):
        raise ValueError(
            f"Invalid value for argument `shape`: expected a tuple of sizes such as "
            f"({shape},) or (28, 28, 1). Received: shape={shape!r}."
        )
    result = []
    for d in shape:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool) or d < 0):
            try:
                d = int(d)
            except (TypeError, ValueError):
                d = None if d is None else d
            if not isinstance(d, int) or d < 0:
                raise ValueError(
                    f"Invalid value for argument `shape`: every size must be a "
                    f"non-negative integer or None. Received: shape={tuple(shape)!r}."
                )
        result.append(d)
    return tuple(result)
