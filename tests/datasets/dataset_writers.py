"""Tiny files in the exact formats of Keras's datasets, for tests that never
download: IDX (gzipped), CIFAR batches pickled as Python 2 did, `.tar.gz`
archives and `.npz` files with ragged object arrays."""

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
import urllib.error

import numpy as np
import pytest

_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def idx_bytes(array):
    """`array` in the IDX format: magic, big-endian dims, big-endian data."""
    array = np.asarray(array)
    header = bytes([0, 0, _IDX_CODES[array.dtype], array.ndim])
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    return header + dims + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, compress=True):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def mnist_like(rng, n_train, n_test):
    """`(x_train, y_train), (x_test, y_test)` of uint8 images and labels."""
    return tuple(
        (
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, (n,), dtype=np.uint8),
        )
        for n in (n_train, n_test)
    )


def write_idx_folder(folder, splits, compress=True):
    (x_train, y_train), (x_test, y_test) = splits
    suffix = ".gz" if compress else ""
    for name, array in (
        ("train-images-idx3-ubyte", x_train),
        ("train-labels-idx1-ubyte", y_train),
        ("t10k-images-idx3-ubyte", x_test),
        ("t10k-labels-idx1-ubyte", y_test),
    ):
        write_idx(folder / f"{name}{suffix}", array, compress)
    return folder


class _Python2Pickler(pickle._Pickler):
    """Writes `str` and `bytes` as Python 2's `str` (BINSTRING opcodes), as the
    CIFAR batches were written; they load back as bytes under
    `encoding="bytes"`."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_python2_str(self, obj):
        data = obj if isinstance(obj, bytes) else obj.encode("latin1")
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = _save_python2_str
    dispatch[str] = _save_python2_str


def python2_pickle(obj):
    """`obj` pickled as Python 2 with NumPy 1 would have (protocol 2, `str`
    opcodes, `numpy.core.multiarray`)."""
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue().replace(
        b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n"
    )


def cifar_batch(rng, n, label_keys=("labels",), num_classes=10):
    batch = {
        b"batch_label": b"training batch 1 of 5",
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    for key in label_keys:
        batch[key.encode()] = [int(v) for v in rng.integers(0, num_classes, n)]
    return batch


def write_tar_gz(path, members, compresslevel=6):
    """A `.tar.gz` of `{member name: bytes}`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz", compresslevel=compresslevel) as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return path


def ragged(rng, n, vocabulary=40, lengths=(1, 12)):
    """An object array of `n` lists of word indices of varied lengths."""
    array = np.empty(n, dtype=object)
    for i in range(n):
        length = int(rng.integers(*lengths))
        array[i] = [int(w) for w in rng.integers(1, vocabulary, length)]
    return array


def write_npz(path, **arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def isolate_cache(tmp_path, monkeypatch):
    """Points `KERAS_HOME` at a fresh folder and cuts ember off the network
    (`file://` URLs still open). Returns the `datasets` folder of the cache."""
    from ember.utils import file_utils

    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    real_open_url = file_utils._open_url

    def offline_open_url(origin):
        if not origin.startswith("file:"):
            raise urllib.error.URLError("network access is disabled in the tests")
        return real_open_url(origin)

    monkeypatch.setattr(file_utils, "_open_url", offline_open_url)
    return home / "datasets"


def keras_sharing_cache(monkeypatch, datasets_folder):
    """Real Keras (the oracle), reading the same cache without hash checks (the
    tiny files cannot match Keras's hashes) and without network."""
    keras = pytest.importorskip("keras")
    from keras.src.backend import config
    from keras.src.utils import file_utils

    def no_download(origin, *args, **kwargs):
        raise AssertionError(f"Keras tried to download {origin}")

    monkeypatch.setattr(config, "_KERAS_DIR", str(datasets_folder.parent))
    monkeypatch.setattr(file_utils, "validate_file", lambda *a, **k: True)
    monkeypatch.setattr(file_utils, "urlretrieve", no_download)
    return keras
