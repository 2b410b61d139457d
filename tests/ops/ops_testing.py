"""Shared helpers for the ops tests: the Keras oracle and comparisons.

A plain module, not a `conftest.py`: a second conftest would shadow the root
one for the `from conftest import ...` of other test packages.
"""

import numpy as np
import torch

from ember import ops


def to_numpy(x):
    """Nested outputs (tensors, tuples, lists) as NumPy, for comparison."""
    if isinstance(x, (tuple, list)):
        return [to_numpy(v) for v in x]
    if isinstance(x, torch.Tensor):
        return ops.convert_to_numpy(x)
    return np.asarray(x)


def dtype_name(x):
    if isinstance(x, (tuple, list)):
        return [dtype_name(v) for v in x]
    return ops.dtype(x) if hasattr(x, "dtype") else type(x).__name__


def assert_same(ours, theirs, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Asserts equal structure, values (within tolerance) and dtypes."""
    if check_dtype:
        assert dtype_name(ours) == dtype_name(theirs)
    ours, theirs = to_numpy(ours), to_numpy(theirs)
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    else:
        assert np.shape(ours) == np.shape(theirs)
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True)
