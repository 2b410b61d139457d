"""Reading and writing Keras 3's HDF5 weights layout, safely.

The layout: one group per saveable at its path (`layers/dense`,
`optimizer`, the root for the model itself), holding a `vars` group whose
datasets `"0"`, `"1"`, ... are the saveable's variables in order. `vars`
carries the saveable's `name` as an attribute. bfloat16 values are stored
as 2-byte opaque data with the attribute `dtype="bfloat16"`, as Keras does.

Reading refuses what a genuine weights file never holds: links (soft or
external), external or virtual datasets, non-numeric data, and "shape
bombs" (datasets declaring far more bytes than the file stores).
"""

import contextlib
import math

import h5py
import numpy as np
import torch

from ember.backend import sharding

# A dataset is refused when its declared size exceeds both this floor and
# this multiple of what the file actually stores for it.
H5_BOMB_FLOOR_BYTES = 1 << 32  # 4 GiB
H5_MAX_EXPANSION = 1000


class WeightsFormatError(ValueError):
    """A weights file (or part of one) that ember will not read."""


class H5Writer:
    """Writes saveables' variables into an HDF5 file (a path or a file object)."""

    def __init__(self, target):
        self.file = h5py.File(target, "w")

    def make(self, path, name=None) -> "_WriteEntry":
        """The store for the saveable at `path`; its group is created now when
        the saveable has a `name` (Keras records it), else on first write."""
        entry = _WriteEntry(self.file, path)
        if name is not None:
            entry.group().attrs["name"] = name
        return entry

    def close(self) -> None:
        self.file.close()


class _WriteEntry:
    """The dict-like store `save_own_variables(store)` writes into."""

    def __init__(self, h5_file, path):
        self._file = h5_file
        self._path = path
        self._group = None

    def group(self):
        if self._group is None:
            parent = self._file.require_group(self._path) if self._path else self._file
            self._group = parent.create_group("vars")
        return self._group

    def __setitem__(self, key, value):
        array, is_bfloat16 = to_numpy(value)
        dataset = self.group().create_dataset(str(key), data=array)
        if is_bfloat16:
            dataset.attrs["dtype"] = "bfloat16"

    def __getitem__(self, key):
        return from_dataset(self.group()[str(key)])

    def __contains__(self, key):
        return self._group is not None and str(key) in self._group

    def keys(self):
        return [] if self._group is None else list(self._group.keys())

    def __len__(self):
        return len(self.keys())


def to_numpy(value):
    """`(numpy array, is_bfloat16)` of a tensor, variable or array."""
    if isinstance(value, torch.Tensor):
        value = sharding.full_value(value).cpu()
        if value.dtype == torch.bfloat16:
            raw = value.contiguous().view(torch.int16).numpy().view(np.uint16)
            return raw.view("V2"), True
        return value.numpy(), False
    return np.asarray(value), False


def from_dataset(dataset):
    """A dataset's values: a numpy array, or a bfloat16 torch tensor."""
    if dataset.attrs.get("dtype") in ("bfloat16", b"bfloat16"):
        raw = np.asarray(dataset[()])
        if raw.dtype.kind == "f":
            return torch.as_tensor(raw).to(torch.bfloat16)
        bits = raw.view(np.uint16).astype(np.int16, copy=False)
        return torch.from_numpy(np.ascontiguousarray(bits)).view(torch.bfloat16)
    return np.asarray(dataset[()])


class H5Reader:
    """Reads saveables' variables from an HDF5 file, refusing unsafe content.

    Args:
        source: A path or a binary file object.
        label: How errors name the file (e.g. `"model.keras/model.weights.h5"`).
    """

    def __init__(self, source, label):
        self.label = label
        try:
            self.file = h5py.File(source, "r")
        except (OSError, ValueError, RuntimeError) as error:
            raise WeightsFormatError(
                f"Cannot read the weights file {label}: it is not a valid HDF5 file "
                f"({error})."
            ) from None
        # Files from tf.keras 2.13 name the layers' group differently.
        try:
            with self._corruption(""):
                self._legacy = "_layer_checkpoint_dependencies" in self.file
        except WeightsFormatError:
            self.close()
            raise

    def get(self, path) -> dict:
        """The variables stored for `path` (`{"0": array, ...}`); empty if none."""
        with self._corruption(path):
            group = self._vars_group(path)
            if group is None:
                return {}
            values = {}
            for key in group.keys():
                values[key] = from_dataset(self._dataset(group, key, path))
            return values

    def has_path(self, path) -> bool:
        with self._corruption(path):
            return bool(path) and self._group(path) is not None

    @contextlib.contextmanager
    def _corruption(self, path):
        """Turns h5py's errors on a damaged file into a `WeightsFormatError`."""
        try:
            yield
        except WeightsFormatError:
            raise
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as error:
            raise WeightsFormatError(
                f"Cannot read '{path or '/'}' in the weights file {self.label}: the "
                f"file is damaged ({type(error).__name__}: {error})."
            ) from None

    def close(self) -> None:
        # The file is only read: a damaged one failing to close loses nothing,
        # and must not hide the error that is being raised.
        with contextlib.suppress(Exception):
            self.file.close()

    # -------------------------------------------------------------- internals
    def _vars_group(self, path):
        base = self._group(path) if path else self.file
        if base is None and self._legacy and path:
            base = self._group(path.replace("layers", "_layer_checkpoint_dependencies"))
        if base is None or "vars" not in base:
            return None
        return self._child(base, "vars", path, want=h5py.Group)

    def _group(self, path):
        current = self.file
        for part in path.split("/"):
            if not part:
                raise WeightsFormatError(
                    f"Invalid path '{path}' in the weights file {self.label}."
                )
            if part not in current:
                return None
            current = self._child(current, part, path, want=h5py.Group)
        return current

    def _child(self, parent, name, path, want):
        link = parent.get(name, getclass=True, getlink=True)
        if link in (h5py.SoftLink, h5py.ExternalLink):
            raise WeightsFormatError(
                f"Not allowed: the weights file {self.label} holds a "
                f"{link.__name__} at '{path}' ('{name}'). Genuine weights files "
                "have no links."
            )
        child = parent[name]
        if not isinstance(child, want):
            raise WeightsFormatError(
                f"Invalid weights file {self.label}: expected a "
                f"{want.__name__.lower()} at '{path}' ('{name}'), found a "
                f"{type(child).__name__}."
            )
        return child

    def _dataset(self, group, key, path):
        where = f"{path}/vars/{key}" if path else f"vars/{key}"
        dataset = self._child(group, key, where, want=h5py.Dataset)
        if dataset.external:
            raise WeightsFormatError(
                f"Not allowed: dataset '{where}' of the weights file {self.label} "
                "reads its data from an external file."
            )
        if dataset.is_virtual:
            raise WeightsFormatError(
                f"Not allowed: dataset '{where}' of the weights file {self.label} "
                "is a virtual dataset."
            )
        kind = dataset.dtype.kind
        bfloat16 = dataset.attrs.get("dtype") in ("bfloat16", b"bfloat16")
        if kind not in "biuf" and not (bfloat16 and dataset.dtype.itemsize in (2, 4)):
            raise WeightsFormatError(
                f"Dataset '{where}' of the weights file {self.label} has dtype "
                f"{dataset.dtype}, which is not a numeric weight."
            )
        declared = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
        stored = dataset.id.get_storage_size()
        if declared > H5_BOMB_FLOOR_BYTES and declared > H5_MAX_EXPANSION * stored:
            raise WeightsFormatError(
                f"Not allowed: dataset '{where}' of the weights file {self.label} "
                f"declares {declared} bytes but stores only {stored}; refusing a "
                "potential decompression (shape) bomb."
            )
        return dataset
