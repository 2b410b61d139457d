"""`InputSpec`: what a layer accepts (rank, axis sizes, dtype), checked at call time."""

from ember.backend import dtypes


class InputSpec:
    """Specifies the rank, dtype and shape of every input to a layer.

    Args:
        dtype: Expected dtype name, or `None` for any. Defaults to `None`.
        shape: Expected shape tuple (`None` for any size), or `None`.
        ndim: Expected rank, or `None`.
        max_ndim: Largest accepted rank, or `None`.
        min_ndim: Smallest accepted rank, or `None`.
        axes: Dict mapping axes (negative ones allowed) to expected sizes.
        allow_last_axis_squeeze: Accept inputs whose last axis of size 1 is
            missing (or extra). Defaults to `False`.
        name: Expected input name, for error messages.
        optional: Whether the input may be `None`. Defaults to `False`.

    Example:

    >>> spec = InputSpec(min_ndim=2, axes={-1: 4})
    >>> spec
    InputSpec(min_ndim=2, axes={-1: 4})
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = dtypes.standardize_dtype(dtype) if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}

    def __repr__(self) -> str:
        fields = [
            f"{key}={getattr(self, key)}"
            for key in ("dtype", "shape", "ndim", "max_ndim", "min_ndim")
            if getattr(self, key) is not None
        ]
        if self.axes:
            fields.append(f"axes={self.axes}")
        return f"InputSpec({', '.join(fields)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises a ValueError naming the layer when `inputs` break `input_spec`."""
    if input_spec is None:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if len(specs) > 1 and len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(flat)} input tensors."
        )
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or x is None or not hasattr(x, "shape"):
            continue
        _check_one(spec, tuple(x.shape), getattr(x, "dtype", None), index, layer_name)


def _check_one(spec, shape, dtype, index, layer_name):
    where = f'Input {index} of layer "{layer_name}" is incompatible with the layer'
    rank = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
        raise ValueError(
            f"{where}: expected ndim={spec.ndim}, found ndim={rank}. "
            f"Full shape received: {shape}."
        )
    if spec.max_ndim is not None and rank > spec.max_ndim:
        raise ValueError(
            f"{where}: expected max_ndim={spec.max_ndim}, found ndim={rank}. "
            f"Full shape received: {shape}."
        )
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(
            f"{where}: expected min_ndim={spec.min_ndim}, found ndim={rank}. "
            f"Full shape received: {shape}."
        )
    if spec.dtype is not None and dtype is not None:
        if dtypes.standardize_dtype(dtype) != spec.dtype:
            raise ValueError(
                f"{where}: expected dtype={spec.dtype}, found "
                f"dtype={dtypes.standardize_dtype(dtype)}."
            )
    for axis, expected in spec.axes.items():
        if expected is None:
            continue
        if axis >= rank or axis < -rank:
            raise ValueError(
                f"{where}: expected axis {axis} of the input to have value "
                f"{expected}, but the input has only {rank} dimensions "
                f"(shape {shape})."
            )
        actual = shape[axis]
        if actual is not None and actual != expected:
            raise ValueError(
                f"{where}: expected axis {axis} of input shape to have value "
                f"{expected}, but received input with shape {shape}. The layer was "
                f"built for inputs whose axis {axis} has size {expected}: feed it "
                "inputs of that size, or use a new layer for the new size."
            )
    if spec.shape is not None:
        for expected, actual in zip(spec.shape, shape):
            if expected is not None and actual is not None and expected != actual:
                raise ValueError(
                    f"{where}: expected shape={spec.shape}, found shape={shape}."
                )
