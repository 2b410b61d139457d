"""Reading CIFAR's python batches straight out of the downloaded `.tar.gz`.

Keras extracts the archive (again on every call) and reads the extracted files;
reading the members from the archive gives the same arrays without writing
170 MB to disk. The cache file is Keras's own (`<name>_archive`, checked
against Keras's hash), so both libraries share it.
"""

import io
import tarfile
import zlib

import numpy as np

from ember.backend import config
from ember.datasets._formats import restricted_unpickle
from ember.utils.file_utils import get_file


def load_archive(name, origin, file_hash, members, label_key):
    """`(images, labels)` for each member of the CIFAR archive, in order.

    Images are `uint8` of shape `(n, 3, 32, 32)`; labels an integer array of
    shape `(n,)` (NumPy's default integer, as Keras builds it from a list).
    """
    path = get_file(fname=f"{name}_archive", origin=origin, file_hash=file_hash)
    found = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            # One pass in stored order: a gzip stream cannot seek back cheaply.
            for member in archive:
                if member.isfile() and member.name in members:
                    payload = archive.extractfile(member).read()
                    source = f"{path}:{member.name}"
                    found[member.name] = _parse_batch(payload, source, label_key)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path} is not a valid .tar.gz archive ({error}). Delete it to "
            f"download it again, or replace it with the original from {origin}."
        ) from error
    missing = [m for m in members if m not in found]
    if missing:
        raise ValueError(
            f"The archive {path} lacks {missing}: it is not the CIFAR archive from "
            f"{origin}. Delete it to download it again."
        )
    return [found[m] for m in members]


def to_image_data_format(images):
    """`(n, 3, 32, 32)` images in the layout of `ember.config.image_data_format()`."""
    if config.image_data_format() == "channels_last":
        return np.ascontiguousarray(images.transpose(0, 2, 3, 1))
    return images


def _parse_batch(payload, source, label_key):
    # The batches were pickled by Python 2: its `str` keys and values come back
    # as bytes under encoding="bytes".
    batch = restricted_unpickle(io.BytesIO(payload), source, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{source} is not a CIFAR batch: it holds no dict.")
    batch = {_text(key): value for key, value in batch.items()}
    data, labels = batch.get("data"), batch.get(label_key)
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != 3 * 32 * 32
        or labels is None
        or len(labels) != len(data)
    ):
        raise ValueError(
            f"{source} is not a CIFAR batch: expected `data` of uint8 and shape "
            f"(n, 3072) and n `{label_key}`. Delete the archive to download it "
            "again."
        )
    return data.reshape(len(data), 3, 32, 32), np.asarray(labels)


def _text(key):
    return key.decode("utf8") if isinstance(key, bytes) else key
