"""Readers for the file formats of Keras's datasets, with the stdlib and NumPy.

- IDX (MNIST, Fashion-MNIST), gzipped or not: a big-endian header, then the raw
  array.
- CIFAR batches and the ragged `.npz` arrays of IMDB and Reuters, which are
  pickles. Pickle cannot be avoided: a CIFAR batch's `data` and the IMDB/Reuters
  sequences are NumPy arrays inside the pickle stream, so the unpickler must
  rebuild arrays. It is restricted: of all globals a pickle may name, it resolves
  only the three that describe an array, and maps them to guarded stand-ins (a
  plain `ndarray` of a numeric or object dtype, never a subclass or a structured
  dtype). Anything else (`os.system`, `builtins.eval`, ...) is refused, so a
  tampered file cannot run code. The dataset files are also checked against
  Keras's known hashes before they are read.
"""

import gzip
import io
import math
import os
import pickle
import struct
import zipfile
import zlib

import numpy as np

# IDX type codes and their big-endian NumPy dtypes.
_IDX_DTYPES = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
_IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx(path, origin=None):
    """The array in the IDX file at `path` (gzip-compressed or not), writable and
    in native byte order. A malformed file raises a ValueError naming it."""
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        with (gzip.open if compressed else open)(path, "rb") as f:
            return _parse_idx(f)
    except (gzip.BadGzipFile, EOFError, zlib.error, ValueError) as error:
        hint = f" or replace it with the original from {origin}" if origin else ""
        raise ValueError(
            f"{path} is not a valid IDX file ({error}). It may be truncated or "
            f"corrupted: delete it to download it again{hint}."
        ) from error


def _parse_idx(f):
    header = f.read(4)
    if len(header) != 4 or header[:2] != b"\0\0" or header[2] not in _IDX_DTYPES:
        raise ValueError(f"bad magic number {header.hex()}")
    ndim = header[3]
    dims = struct.unpack(f">{ndim}I", _read_exactly(f, 4 * ndim))
    dtype = np.dtype(_IDX_DTYPES[header[2]])
    data = _read_exactly(f, math.prod(dims) * dtype.itemsize)
    if f.read(1):
        raise ValueError(f"data beyond the {dims} array the header announces")
    array = np.frombuffer(data, dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _read_exactly(f, size):
    """`size` bytes of `f` in a writable buffer (so arrays over it are writable)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        count = f.readinto(view[done:])
        if not count:
            raise ValueError(f"the file ends after {done} of {size} expected bytes")
        done += count
    return buffer


def load_idx_folder(folder):
    """`(x_train, y_train), (x_test, y_test)` from the four MNIST-style IDX files
    in `folder`, each `<name>.gz` or uncompressed `<name>`."""
    arrays = {}
    for key, name in _IDX_NAMES.items():
        candidates = [os.path.join(folder, name + suffix) for suffix in (".gz", "")]
        path = next((p for p in candidates if os.path.isfile(p)), None)
        if path is None:
            expected = ", ".join(f"{n}.gz" for n in _IDX_NAMES.values())
            raise FileNotFoundError(
                f"The folder {folder} has no {name}.gz (nor {name}). A folder of "
                f"IDX files holds the four files {expected} (gzipped or not)."
            )
        arrays[key] = read_idx(path)
    splits = []
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"The {split} IDX files in {folder} do not match: expected images "
                "of shape (n, rows, cols) and n labels. Received: images of shape "
                f"{images.shape} and labels of shape {labels.shape}."
            )
        splits.append((images, labels))
    return tuple(splits)


class _NDArrayToken:
    """What the unpickler hands out for `numpy.ndarray`: usable only as the
    class argument of the array stand-in, not callable like the real class."""


def _empty_array(subtype, shape, typecode):
    # Stands in for numpy's `_reconstruct`; the pickle's BUILD step then fills
    # the array with numpy's own `ndarray.__setstate__`.
    if subtype is not _NDArrayToken:
        raise pickle.UnpicklingError("an array of a class other than numpy.ndarray")
    return np.ndarray((0,), np.int8)


def _plain_dtype(spec, align=False, copy=False):
    # Stands in for `numpy.dtype`: a named numeric, boolean or object dtype,
    # always a fresh copy (the pickle's BUILD step mutates it in place).
    if isinstance(spec, bytes):
        spec = spec.decode("latin1")
    dtype = np.dtype(spec) if isinstance(spec, str) else None
    if dtype is None or dtype.kind not in "biufO" or dtype.fields or dtype.subdtype:
        raise pickle.UnpicklingError(f"a dtype other than a plain one: {spec!r}")
    return np.dtype(spec, align=False, copy=True)


# Both spellings of `multiarray`: files pickled under NumPy < 2 and >= 2.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _empty_array,
    ("numpy._core.multiarray", "_reconstruct"): _empty_array,
    ("numpy", "ndarray"): _NDArrayToken,
    ("numpy", "dtype"): _plain_dtype,
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        found = _ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(
                f"refusing to load `{module}.{name}`: dataset files hold only "
                "numbers, strings, lists, dicts and NumPy arrays"
            )
        return found


def restricted_unpickle(stream, source, encoding="ASCII"):
    """Unpickles `stream` allowing only plain NumPy arrays besides Python's
    built-in values; any failure is a ValueError naming `source`."""
    try:
        return _ArrayUnpickler(stream, encoding=encoding).load()
    except Exception as error:
        raise ValueError(
            f"{source} could not be read safely ({error}). It is corrupted or was "
            "tampered with: delete it to download it again."
        ) from error


def load_npz(path):
    """A dict of the arrays in the `.npz` at `path`; object arrays are read with
    the restricted unpickler, numeric ones with pickling disabled."""
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    stream = io.BytesIO(archive.read(member))
                    arrays[member[:-4]] = _read_npy(stream, f"{path}:{member}")
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ValueError(
            f"{path} is not a valid .npz file ({error}). Delete it to download "
            "it again."
        ) from error
    return arrays


def _read_npy(stream, source):
    version = np.lib.format.read_magic(stream)
    # Format 3.0 differs from 2.0 only in the header's text encoding.
    read_header = (
        np.lib.format.read_array_header_1_0
        if version[0] == 1
        else np.lib.format.read_array_header_2_0
    )
    shape, _, dtype = read_header(stream)
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    array = restricted_unpickle(stream, source)
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise ValueError(
            f"{source} does not hold the array of shape {shape} its header "
            "announces. Delete it to download it again."
        )
    return array
