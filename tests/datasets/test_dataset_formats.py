"""The format readers: IDX of every element type, and the array-only unpickler."""

import gzip
import io
import pickle

import numpy as np
import pytest
from dataset_writers import idx_bytes, python2_pickle

from ember.datasets import _formats


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.uint8).reshape(3, 4),
        np.array([-5, 0, 7, 2**30], dtype=np.int32),
    ],
    ids=["uint8-2d", "int32-1d"],
)
@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_read_idx_round_trip(tmp_path, array, compress):
    data = idx_bytes(array)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    loaded = _formats.read_idx(path)
    assert loaded.dtype == array.dtype and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_read_idx_hand_written_header(tmp_path):
    # Magic 0x00000801 (uint8, 1 dim), size 3, then the bytes.
    path = tmp_path / "labels"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x03\x05\x00\x04")
    np.testing.assert_array_equal(_formats.read_idx(path), [5, 0, 4])


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "ends after 2 of 5"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", "beyond the"),
        (b"\x01\x02\x08\x01", "bad magic number"),
    ],
    ids=["short", "trailing", "magic"],
)
def test_read_idx_malformed(tmp_path, payload, match):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(payload))
    with pytest.raises(ValueError, match=match):
        _formats.read_idx(path)


def test_read_idx_bad_gzip(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(100, np.uint8)))[:-8])
    with pytest.raises(ValueError, match="not a valid IDX file"):
        _formats.read_idx(path)


@pytest.mark.parametrize(
    "value",
    [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.asfortranarray(np.arange(6, dtype=">i8").reshape(2, 3)),
        np.array([True, False]),
    ],
    ids=["float32", "fortran-big-endian", "bool"],
)
@pytest.mark.parametrize("writer", ["python2", "protocol4"])
def test_unpickler_rebuilds_plain_arrays(value, writer):
    payload = (
        python2_pickle({"v": value})
        if writer == "python2"
        else pickle.dumps({"v": value}, protocol=4)
    )
    loaded = _formats.restricted_unpickle(io.BytesIO(payload), "test", "bytes")
    (result,) = loaded.values()
    # NumPy itself turns a Python 2 pickle's big-endian data into native order.
    assert type(result) is np.ndarray
    assert result.dtype in (value.dtype, value.dtype.newbyteorder("="))
    np.testing.assert_array_equal(result, value)


@pytest.mark.parametrize(
    "value",
    [np.ma.array([1, 2]), np.array([b"ab"]), np.zeros(2, dtype="u1,u1")],
    ids=["subclass", "bytes-dtype", "structured"],
)
def test_unpickler_refuses_other_arrays(value):
    with pytest.raises(ValueError, match="could not be read safely"):
        _formats.restricted_unpickle(io.BytesIO(pickle.dumps(value)), "test")


def test_unpickled_dtypes_are_copies():
    # The pickle's BUILD step sets the byte order on the dtype it is handed;
    # NumPy's shared dtype singletons must never be that object.
    value = np.arange(3, dtype=">i4")
    _formats.restricted_unpickle(io.BytesIO(pickle.dumps(value)), "test")
    assert np.dtype("i4").byteorder == "="
