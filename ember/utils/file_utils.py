"""`get_file`: fetch a file into Keras's cache, as `keras.utils.get_file` does.

The cache is Keras's own (`$KERAS_HOME`, else `~/.keras`), with the same folder and
file names, so ember and Keras share downloads both ways. On top of Keras's
behaviour:

- a download goes to a temporary file in the cache folder, is hashed while it
  streams, flushed and fsynced, and only then renamed over the target
  (`os.replace`), so an interrupted or corrupted download never leaves a file
  that later calls would trust;
- a cached file whose hash is wrong is replaced by a fresh download, and when
  that download fails the error says so and names the cached file;
- when the origin cannot be reached the error names the URL and the full path
  where a copy fetched by hand should go;
- an archive is extracted into a temporary folder that is renamed into place,
  and only when the extracted folder is missing or the archive was just
  downloaded (Keras extracts again on every call).
"""

import hashlib
import http.client
import os
import secrets
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from ember.backend.errors import ArgumentError
from ember.backend.files import fsync_folder
from ember.utils.progbar import Progbar, print_msg

_CHUNK_BYTES = 1 << 20
_TIMEOUT_S = 60
# Errors of reading from a URL: urllib's (URLError, an OSError, covers HTTP
# errors), the socket's (timeouts, resets) and http.client's (truncated bodies).
_FETCH_ERRORS = (OSError, http.client.HTTPException)


def get_file(
    fname: str | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str | list[str] | None = "auto",
    cache_dir: str | None = None,
    force_download: bool = False,
) -> str:
    """Downloads a file from a URL unless it is already in the cache.

    The file at `origin` goes to `cache_dir/cache_subdir/fname`; by default
    `~/.keras/datasets/fname` (or `$KERAS_HOME/datasets/fname` when the
    `KERAS_HOME` environment variable is set), the very place Keras uses, so a
    file either library downloaded serves both. When `file_hash` is given, a
    cached file is checked against it and fetched again when it does not match,
    and a download is checked before it replaces anything. Downloads are atomic:
    the file appears complete or not at all. `.tar`, `.tar.gz`, `.tar.bz2` and
    `.zip` archives can be extracted.

    Args:
        fname: Name of the file in the cache. When `None`, the last part of
            `origin`'s path. With `extract=True`, a name without an extension
            names the folder the archive is extracted into (the archive is kept
            as `fname + "_archive"`); a name with one is the archive's, and the
            contents go to `<name up to the first dot>_extracted`. It cannot
            contain a path separator: to choose the folder use `cache_dir`.
            Defaults to `None`.
        origin: URL of the file. Required.
        untar: Deprecated; same as `extract=True` with `archive_format="tar"`.
            Defaults to `False`.
        md5_hash: Deprecated; an MD5 `file_hash`. Defaults to `None`.
        file_hash: Expected SHA-256 or MD5 hex digest of the file. When `None`,
            files are not checked. Defaults to `None`.
        cache_subdir: Folder under `cache_dir` that holds the file, or an
            absolute path to use as is. Defaults to `"datasets"`.
        hash_algorithm: `"sha256"`, `"md5"` or `"auto"` (SHA-256 for a
            64-character `file_hash`, MD5 otherwise). Defaults to `"auto"`.
        extract: Whether to extract the file as an archive and return the
            folder of its contents. Defaults to `False`.
        archive_format: Archive kinds to try: `"tar"`, `"zip"`, a list of them,
            `"auto"` (both) or `None` (none). Defaults to `"auto"`.
        cache_dir: Base folder of the cache. When `None`, `$KERAS_HOME` if set,
            else `~/.keras` (`/tmp/.keras` when the home folder is read-only).
            Defaults to `None`.
        force_download: Whether to download even when the file is cached.
            Defaults to `False`.

    Returns:
        The path of the file, or of the extracted folder when `extract=True`.

    Raises:
        OSError: When the file must be downloaded and `origin` cannot be
            reached. The message names the path where a copy fetched by hand
            should be put.
        ValueError: When a downloaded file does not match `file_hash` (nothing
            is written), or for invalid arguments.

    Example:

    ```python
    path = ember.utils.get_file(
        origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    )
    print(path)  # ~/.keras/datasets/mnist.npz
    ```
    """
    if origin is None:
        raise ValueError(
            "`get_file` needs the `origin` argument: the URL of the file to "
            "download. Received: origin=None."
        )
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ArgumentError(
            "hash_algorithm",
            "one of 'auto', 'sha256', 'md5'",
            hash_algorithm,
            "get_file",
        )
    if untar:
        extract, archive_format = True, "tar"
    formats = _archive_formats(archive_format) if extract else ()

    # 1. Names: the downloaded file and, when extracting, the folder. Keras's.
    name = os.fspath(fname) if fname else ""
    if not name:
        name = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not name:
            raise ValueError(
                "`get_file` could not take a file name from the URL "
                f"'{origin}'. Pass the `fname` argument."
            )
    elif os.sep in name or (os.altsep and os.altsep in name):
        raise ValueError(
            "The `fname` argument of `get_file` is a file name, not a path; to "
            f"choose the folder use `cache_dir`. Received: fname={name!r}."
        )
    if extract and fname and "." in name:
        download_name, folder_name = name, name[: name.find(".")] + "_extracted"
    elif extract:
        download_name, folder_name = f"{name}_archive", name
    else:
        download_name, folder_name = name, None
    datadir = _cache_folder(cache_dir, cache_subdir, download_name)
    target = os.path.join(datadir, download_name)

    # 2. Use the cached file when it is there and sound; otherwise download.
    downloaded = False
    if force_download or not os.path.exists(target):
        _download(origin, target, file_hash, hash_algorithm)
        downloaded = True
    elif file_hash is not None:
        actual = _hash_file(target, _hasher(hash_algorithm, file_hash))
        if actual != file_hash:
            kind = _algorithm_name(hash_algorithm, file_hash)
            print_msg(
                f"The cached file {target} has {kind} hash {actual}, not the "
                f"expected {file_hash}: it is incomplete or outdated, so it will "
                "be downloaded again."
            )
            _download(origin, target, file_hash, hash_algorithm, stale_hash=actual)
            downloaded = True

    if not extract:
        return target
    # 3. Extract the archive into its folder.
    folder = os.path.join(datadir, folder_name)
    if downloaded or not os.path.isdir(folder):
        if not _extract(target, folder, formats):
            warnings.warn(
                f"`get_file` could not extract {target}: it is not an archive of "
                f"the kinds {list(formats)}.",
                stacklevel=2,
            )
    return folder


def _keras_home():
    """Keras's cache base: `$KERAS_HOME`, else `~/.keras` (or `/tmp/.keras`)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def _cache_folder(cache_dir, cache_subdir, name):
    """The folder for `name`: the cache's, or Keras's `/tmp` fallback when it is
    read-only (a read-only cache still serves the files it holds)."""
    base = os.path.expanduser(cache_dir if cache_dir is not None else _keras_home())
    folder = os.path.join(base, cache_subdir)
    if os.path.exists(os.path.join(folder, name)):
        return folder
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        pass
    if os.access(folder, os.W_OK):
        return folder
    folder = os.path.join(tempfile.gettempdir(), ".keras", cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _archive_formats(archive_format):
    if archive_format is None:
        return ()
    if archive_format == "auto":
        return ("tar", "zip")
    formats = (archive_format,) if isinstance(archive_format, str) else archive_format
    formats = tuple(formats)
    if any(kind not in ("tar", "zip") for kind in formats):
        raise ArgumentError(
            "archive_format",
            "'auto', 'tar', 'zip', a list of 'tar' and 'zip', or None",
            archive_format,
            "get_file",
        )
    return formats


def _algorithm_name(algorithm, file_hash):
    if algorithm == "auto":
        return "sha256" if len(file_hash) == 64 else "md5"
    return algorithm


def _hasher(algorithm, file_hash):
    return hashlib.new(_algorithm_name(algorithm, file_hash or ""))


def _hash_file(path, hasher):
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_BYTES), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _open_url(origin):
    """The response for `origin` (any scheme urllib knows, `file://` included)."""
    return urllib.request.urlopen(origin, timeout=_TIMEOUT_S)


def _download(origin, target, file_hash, algorithm, stale_hash=None):
    """Streams `origin` into a temporary file beside `target`, checks its hash,
    makes it durable and renames it over `target`."""
    folder = os.path.dirname(target)
    print_msg(f"Downloading data from {origin}")
    partial = _partial_name(target)
    hasher = _hasher(algorithm, file_hash)
    try:
        # "x": a new file, with the permissions the umask gives (mkstemp's are 0600).
        with open(partial, "xb") as out:
            try:
                _copy_url(origin, out, hasher)
            except _FETCH_ERRORS as error:
                raise _fetch_error(
                    origin, target, error, file_hash, algorithm, stale_hash
                ) from error
            out.flush()
            os.fsync(out.fileno())
        if file_hash is not None and hasher.hexdigest() != file_hash:
            raise ValueError(
                f"Incomplete or corrupted file downloaded from {origin}: its "
                f"{_algorithm_name(algorithm, file_hash)} hash is "
                f"{hasher.hexdigest()}, not the expected {file_hash}. Nothing "
                f"was written to {target}."
            )
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    fsync_folder(folder)


def _copy_url(origin, out, hasher):
    """Writes the body at `origin` to `out`, feeding `hasher` and a progress bar.
    A body shorter than its announced length is an error."""
    with _open_url(origin) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = Progbar(total)
        received = 0
        while chunk := response.read(_CHUNK_BYTES):
            out.write(chunk)
            hasher.update(chunk)
            received += len(chunk)
            bar.update(received, finalize=received == total)
    if total is None:
        bar.update(received, finalize=True)
    elif received != total:
        raise OSError(f"the connection closed after {received} of {total} bytes")


def _partial_name(path):
    """A fresh name beside `path` for the file or folder that will replace it."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.{secrets.token_hex(8)}.part")


def _fetch_error(origin, target, error, file_hash, algorithm, stale_hash):
    reason = getattr(error, "reason", None) or error
    lines = [f"URL fetch failure on {origin}: {reason}."]
    if stale_hash is not None:
        lines.append(
            f"The cached copy {target} is no good either: its hash is "
            f"{stale_hash}, not the expected {file_hash}."
        )
    lines.append(
        "If this machine is offline, download the file on another one and put "
        f"it at:\n    {target}"
    )
    if file_hash is not None:
        name = _algorithm_name(algorithm, file_hash)
        lines.append(f"Its {name} hash must be {file_hash}.")
    return OSError("\n".join(lines))


def _extract(archive, folder, formats):
    """Extracts `archive` into a fresh folder renamed to `folder`. False when
    it is none of `formats`."""
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(archive):
            opener, unpack = tarfile.open, _extract_tar
        elif kind == "zip" and zipfile.is_zipfile(archive):
            opener, unpack = zipfile.ZipFile, _extract_zip
        else:
            continue
        partial = _partial_name(folder)
        os.mkdir(partial)
        try:
            with opener(archive) as opened:
                unpack(opened, partial)
            if os.path.isdir(folder):
                shutil.rmtree(folder)
            os.replace(partial, folder)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return True
    return False


def _extract_tar(archive, folder):
    # The "data" filter refuses absolute paths, `..`, links leaving the folder
    # and special files (Python >= 3.10.12 / 3.11.4).
    if hasattr(tarfile, "data_filter"):
        archive.extractall(folder, filter="data")
        return
    root = os.path.realpath(folder)
    for member in archive.getmembers():
        resolved = os.path.realpath(os.path.join(root, member.name))
        if not (member.isfile() or member.isdir()) or (
            os.path.commonpath([resolved, root]) != root
        ):
            raise ValueError(
                f"Refusing to extract {member.name!r} from the archive: only "
                f"files and folders inside {folder} are extracted."
            )
    archive.extractall(folder)


def _extract_zip(archive, folder):
    # zipfile drops leading slashes and `..` from member names itself.
    archive.extractall(folder)
