"""The `.keras` zip and `.weights.h5` files: writing atomically, reading safely.

A `.keras` file is a zip holding `config.json` (the model's config, see
`serialization_lib`), `metadata.json` and `model.weights.h5` (see
`_weights_store`), plus `assets/` where a layer saves assets. Every file is
written to a temporary file in the target's folder, flushed to disk and
renamed over the target, so a crash leaves the old file or the new one.

Reading never unpickles and never imports a module named by the file. Zip
members with absolute or `..` paths, oversized or missing members, malformed
JSON and weights that do not fit the model raise `SavedModelError` (a
`ValueError`) naming the file and the part; nothing is half-loaded into an
existing model. Whatever fails while a config is rebuilt is reported the
same way (`SavedModelTypeError`, also a `TypeError`, where Keras raises one:
an unknown class or function). `tests/saving/test_fuzz.py` holds the readers
to this with thousands of mutated files.
"""

import contextlib
import datetime
import io
import json
import os
import shutil
import struct
import tempfile
import zipfile
import zlib

from ember.backend.files import atomic_write
from ember.saving import _state, serialization_lib
from ember.saving._weights_store import H5Reader, H5Writer, WeightsFormatError

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
ASSETS_DIRNAME = "assets"
# The Keras release whose `.keras` format ember writes (Keras reads the
# version only as information).
KERAS_FORMAT_VERSION = "3.15.1"
# Members larger than these are refused (JSON is parsed in memory).
MAX_JSON_BYTES = 256 << 20
MAX_MEMBER_BYTES = 64 << 30
# A member expanding more than this ratio past 1 GiB is a zip bomb.
MAX_COMPRESSION_RATIO = 1000
_IN_MEMORY_WEIGHTS_BYTES = 256 << 20
# What `zipfile` raises on a corrupted archive or member: bad headers, CRC and
# deflate errors, an unknown compression method, an "encrypted" flag, ...
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


class SavedModelError(WeightsFormatError):
    """A `.keras` or weights file ember refuses to read (a `ValueError`)."""


class SavedModelTypeError(SavedModelError, TypeError):
    """A `.keras` config naming a class or function ember will not build (a
    `SavedModelError` that is also the `TypeError` Keras raises there)."""


# ------------------------------------------------------------------- saving
def serialize_model_as_json(model):
    """`(config_json, metadata_json)` as written into a `.keras` file."""
    import ember

    with serialization_lib.ObjectSharingScope():
        config = serialization_lib.serialize_keras_object(model)
    config_json = json.dumps(config)
    metadata_json = json.dumps(
        {
            "keras_version": KERAS_FORMAT_VERSION,
            "ember_version": ember.__version__,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
    )
    return config_json, metadata_json


def save_model(model, filepath):
    """Writes `model` to the `.keras` zip at `filepath`, atomically."""
    config_json, metadata_json = serialize_model_as_json(model)
    # The weights and assets are staged next to the target (as hidden `.tmp`
    # entries, like `atomic_write`'s file), not in the system temp folder: that
    # may be a small in-memory filesystem, and what a killed save leaves behind
    # stays in one place, named after the file.
    filepath = os.fspath(filepath)
    with (
        atomic_write(filepath) as temporary,
        tempfile.TemporaryDirectory(
            prefix=f".{os.path.basename(filepath)}.",
            suffix=".tmp",
            dir=os.path.dirname(temporary),
        ) as work,
    ):
        weights_path = os.path.join(work, WEIGHTS_FILENAME)
        assets_dir = os.path.join(work, ASSETS_DIRNAME)
        writer = H5Writer(weights_path)
        try:
            _state.save_state(model, writer, assets_dir=assets_dir)
        finally:
            writer.close()
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA_FILENAME, metadata_json)
            zf.writestr(CONFIG_FILENAME, config_json)
            zf.write(weights_path, WEIGHTS_FILENAME)
            for root, _, files in sorted(os.walk(assets_dir)):
                for name in sorted(files):
                    path = os.path.join(root, name)
                    arcname = os.path.relpath(path, work).replace(os.sep, "/")
                    zf.write(path, arcname)


def save_weights_only(model, filepath):
    """Writes `model`'s weights (and optimizer state) to a `.weights.h5` file."""
    with atomic_write(filepath) as temporary:
        writer = H5Writer(temporary)
        try:
            _state.save_state(model, writer)
        finally:
            writer.close()


# ------------------------------------------------------------------ loading
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Reads the `.keras` zip at `filepath` into a new model."""
    label = os.path.basename(os.fspath(filepath))
    with _open_archive(filepath, label) as archive:
        config = read_json_member(archive, CONFIG_FILENAME, label)
        if METADATA_FILENAME in archive.names:
            read_json_member(archive, METADATA_FILENAME, label)
        if not isinstance(config, dict) or "class_name" not in config:
            raise SavedModelError(
                f"Invalid {label}/{CONFIG_FILENAME}: expected a model config (a "
                "JSON object with 'class_name' and 'config'). Received: "
                f"{_short(config)}."
            )
        if not compile:
            config = {k: v for k, v in config.items() if k != "compile_config"}
        with (
            serialization_lib.SafeModeScope(safe_mode),
            serialization_lib.ObjectSharingScope(),
        ):
            try:
                model = serialization_lib.deserialize_keras_object(
                    config, custom_objects=custom_objects, safe_mode=safe_mode
                )
            except WeightsFormatError:
                raise
            except Exception as error:
                # Every failure to rebuild the config is the file's: name it,
                # keeping the message (unknown class, lambda, bad argument)
                # and, for a `TypeError` or `ValueError`, its type.
                raise _config_error(error, label) from error
        if not _state.is_saveable(model):
            raise SavedModelError(
                f"{label}/{CONFIG_FILENAME} describes a "
                f"{type(model).__name__}, not a model or layer."
            )
        with archive.weights(WEIGHTS_FILENAME) as source:
            reader = H5Reader(source, f"{label}/{WEIGHTS_FILENAME}")
            try:
                with _state.TemporaryAssets() as assets:
                    has_assets = archive.extract_assets(assets)
                    _state.load_state(
                        model,
                        reader,
                        f"{label}/{WEIGHTS_FILENAME}",
                        assets_dir=assets if has_assets else None,
                    )
            finally:
                reader.close()
    return model


def load_weights_only(model, filepath, skip_mismatch=False):
    """Loads a `.weights.h5` file, or the weights inside a `.keras` zip."""
    filepath = os.fspath(filepath)
    label = os.path.basename(filepath)
    if filepath.endswith(".keras"):
        with (
            _open_archive(filepath, label) as archive,
            archive.weights(WEIGHTS_FILENAME) as source,
        ):
            _load_weights_from(
                model, source, f"{label}/{WEIGHTS_FILENAME}", skip_mismatch
            )
        return
    _load_weights_from(model, filepath, label, skip_mismatch)


def _load_weights_from(model, source, label, skip_mismatch):
    reader = H5Reader(source, label)
    try:
        _state.load_state(model, reader, label, skip_mismatch=skip_mismatch)
    finally:
        reader.close()


# ------------------------------------------------------------------ archive
class _Archive:
    """A checked view of a `.keras` zip: member names validated up front."""

    def __init__(self, zf, label):
        self.zf, self.label = zf, label
        self.names = {}
        for info in zf.infolist():
            name = info.filename
            _check_member_name(name, label)
            if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > (1 << 30)
                and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
            ):
                raise SavedModelError(
                    f"Not allowed: member '{name}' of {label} declares "
                    f"{info.file_size} bytes ({info.compress_size} compressed); "
                    "refusing an oversized or zip-bomb member."
                )
            if name in self.names:
                raise SavedModelError(
                    f"Invalid {label}: the member '{name}' appears twice."
                )
            self.names[name] = info

    def member(self, name):
        info = self.names.get(name)
        if info is None:
            present = sorted(n for n in self.names if not n.endswith("/"))
            raise SavedModelError(
                f"Invalid {self.label}: it has no '{name}' member (it holds "
                f"{present}). A `.keras` file holds {CONFIG_FILENAME}, "
                f"{METADATA_FILENAME} and {WEIGHTS_FILENAME}; the file is "
                "truncated, was not written by Keras or ember, or is not a model."
            )
        return info

    def read(self, name, limit):
        info = self.member(name)
        if info.file_size > limit:
            raise SavedModelError(
                f"Not allowed: {self.label}/{name} is {info.file_size} bytes, more "
                f"than the {limit} allowed for it."
            )
        try:
            with self.zf.open(info) as f:
                data = f.read(limit + 1)
        except _ZIP_ERRORS as error:
            raise SavedModelError(
                f"Cannot read {self.label}/{name}: the zip member is corrupted "
                f"({error})."
            ) from None
        if len(data) > limit:
            raise SavedModelError(
                f"Not allowed: {self.label}/{name} expands past {limit} bytes."
            )
        return data

    @contextlib.contextmanager
    def weights(self, name):
        """The weights member as a seekable file (in memory, or a temp file)."""
        info = self.member(name)
        if info.file_size <= _IN_MEMORY_WEIGHTS_BYTES:
            yield io.BytesIO(self.read(name, _IN_MEMORY_WEIGHTS_BYTES))
            return
        with tempfile.TemporaryDirectory(prefix="ember_load_") as work:
            path = os.path.join(work, "weights.h5")
            try:
                with self.zf.open(info) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except _ZIP_ERRORS as error:
                raise SavedModelError(
                    f"Cannot read {self.label}/{name}: the zip member is corrupted "
                    f"({error})."
                ) from None
            yield path

    def extract_assets(self, target) -> bool:
        """Copies `assets/...` members under `target`; whether there were any."""
        found = False
        prefix = ASSETS_DIRNAME + "/"
        for name, info in self.names.items():
            if not name.startswith(prefix) or name.endswith("/"):
                continue
            found = True
            parts = name[len(prefix) :].split("/")
            path = os.path.join(target, *parts)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                with self.zf.open(info) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except _ZIP_ERRORS as error:
                raise SavedModelError(
                    f"Cannot read {self.label}/{name}: the zip member is corrupted "
                    f"({error})."
                ) from None
        return found


def _check_member_name(name, label):
    parts = name.replace("\\", "/").split("/")
    if (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or any(part == ".." for part in parts)
        or "\x00" in name
    ):
        raise SavedModelError(
            f"Not allowed: {label} holds a member with an absolute or parent "
            f"path ('{name}'). Genuine `.keras` files only hold relative names."
        )


@contextlib.contextmanager
def _open_archive(filepath, label):
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}.")
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except _ZIP_ERRORS as error:
        raise SavedModelError(
            f"Cannot read {label}: it is not a valid `.keras` file (a zip archive): "
            f"{error}."
        ) from None
    with zf:
        yield _Archive(zf, label)


def _config_error(error, label):
    where = f"{label}/{CONFIG_FILENAME}"
    if isinstance(error, (TypeError, ValueError)):
        cls = SavedModelTypeError if isinstance(error, TypeError) else SavedModelError
        return cls(f"Cannot load the model config {where}: {error}")
    if isinstance(error, RecursionError):
        return SavedModelError(f"Invalid {where}: the model config nests too deeply.")
    return SavedModelError(
        f"Invalid {where}: the model config is malformed "
        f"({type(error).__name__}: {_short(str(error), 500)})."
    )


def read_json_member(archive, name, label):
    data = archive.read(name, MAX_JSON_BYTES)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise SavedModelError(
            f"Invalid {label}/{name}: malformed JSON ({error})."
        ) from None


def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
