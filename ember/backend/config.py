"""Global numeric configuration, as `keras.config` exposes it."""

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def backend() -> str:
    """Returns the name of the backend ember runs on: always `"torch"`."""
    return "torch"


def floatx() -> str:
    """Returns the default float type as a string, e.g. `"float32"`."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Sets the default float type (`"float16"`, `"bfloat16"`, `"float32"`, `"float64"`)."""
    global _FLOATX
    accepted = {"float16", "bfloat16", "float32", "float64"}
    if value not in accepted:
        raise ValueError(
            f"Invalid value for argument `value` of `set_floatx`: expected one of "
            f"{sorted(accepted)}. Received: value={value!r}."
        )
    _FLOATX = str(value)


def epsilon() -> float:
    """Returns the fuzz factor used in numeric expressions (default `1e-7`)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor used in numeric expressions."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Returns the default image data format: `"channels_last"` unless changed."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Sets the default image data format (`"channels_last"` or `"channels_first"`)."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Invalid value for argument `data_format`: expected 'channels_first' or "
            f"'channels_last'. Received: data_format={data_format!r}."
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format) -> str:
    """Returns `data_format`, or the global default when it is `None`."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Invalid value for argument `data_format`: expected 'channels_first' or "
            f"'channels_last'. Received: data_format={data_format!r}."
        )
    return data_format
