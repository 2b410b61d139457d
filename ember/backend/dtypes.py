"""Dtype names as Keras spells them ("float32", "int64", ...) and their torch twins."""

import numpy as np
import torch

from ember.backend import config

_TORCH = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
    "float32": torch.float32,
    "float64": torch.float64,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}
_FROM_TORCH = {v: k for k, v in _TORCH.items()}
_PYTHON = {bool: "bool", int: "int64", float: "float32", complex: "complex64"}
ALLOWED_DTYPES = tuple(_TORCH)
# Keras's name for text: NumPy string/object arrays, with no torch counterpart.
STRING = "string"
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")


def standardize_dtype(dtype) -> str:
    """Returns Keras's name for `dtype` (a string, torch dtype, numpy dtype or type).

    `None` means the default float type (`ember.config.floatx()`).
    """
    if dtype is None:
        return config.floatx()
    if is_string_dtype(dtype):
        return STRING
    if isinstance(dtype, torch.dtype):
        name = _FROM_TORCH.get(dtype)
    elif dtype in _PYTHON:
        name = "float32" if dtype is float else _PYTHON[dtype]
    elif isinstance(dtype, str):
        name = dtype
    elif hasattr(dtype, "name") and isinstance(dtype.name, str):
        name = dtype.name  # DTypePolicy, numpy dtype
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None
    if name == "float":
        name = "float32"
    if name not in _TORCH:
        raise ValueError(
            f"Invalid dtype: expected one of {list(ALLOWED_DTYPES)}. "
            f"Received: dtype={dtype!r}."
        )
    return name


def to_torch_dtype(dtype) -> torch.dtype:
    """Returns the `torch.dtype` for any spelling `standardize_dtype` accepts."""
    if isinstance(dtype, torch.dtype):
        return dtype
    name = standardize_dtype(dtype)
    if name == STRING:
        raise ValueError(
            "dtype 'string' has no torch tensor type: strings stay NumPy arrays "
            "(or lists) and only layers that read text take them (TextVectorization, "
            "StringLookup, Hashing). Turn strings into numbers with one of those first."
        )
    return _TORCH[name]


def is_string_dtype(dtype) -> bool:
    """Whether `dtype` names strings: "string"/"str", `str`, or a NumPy dtype of
    kind U, S or O (object arrays hold Python strings, as Keras treats them)."""
    if dtype is str or (isinstance(dtype, str) and dtype in (STRING, "str")):
        return True
    if isinstance(dtype, str) and dtype not in _TORCH and dtype[:1] in "<>|=OUS":
        try:
            dtype = np.dtype(dtype)  # "<U5", "|S3", "O": NumPy's spellings
        except TypeError:
            return False
    if isinstance(dtype, np.dtype):
        return dtype.kind in "OUS"
    return False


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype) in FLOAT_TYPES


def is_int_dtype(dtype) -> bool:
    return standardize_dtype(dtype) in INT_TYPES


def dtype_of(x) -> str:
    """Keras's dtype name of a tensor, array, KerasTensor or Python scalar."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return standardize_dtype(dtype)
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int32"
    if isinstance(x, float):
        return config.floatx()
    return standardize_dtype(np.asarray(x).dtype)
