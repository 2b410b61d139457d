"""`get_file`: Keras's cache layout, hash checks, atomic downloads, offline errors."""

import hashlib
import io
import os
import tarfile
import urllib.error
import zipfile

import pytest
from conftest import keras_or_skip
from dataset_writers import isolate_cache, write_tar_gz

from ember.utils import file_utils
from ember.utils.file_utils import get_file

PAYLOAD = b"ember dataset payload\n" * 1000
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()


@pytest.fixture(autouse=True)
def datasets(tmp_path, monkeypatch):
    return isolate_cache(tmp_path, monkeypatch)


@pytest.fixture
def origin(tmp_path):
    """A reachable origin: a `file://` URL."""
    source = tmp_path / "server" / "payload.bin"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    return source.as_uri()


def leftovers(folder):
    """Temporary files a download or extraction left behind."""
    return [name for name in os.listdir(folder) if name.endswith(".part")]


class FakeResponse(io.BytesIO):
    """A response that announces `length` bytes and fails after `fail_after`."""

    def __init__(self, payload, length=None, fail_after=None):
        super().__init__(payload)
        self.headers = {"Content-Length": str(length or len(payload))}
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        size = size if self.fail_after is None else min(size, self.fail_after)
        return super().read(size)


def test_downloads_into_keras_home_and_then_uses_the_cache(
    datasets, origin, monkeypatch
):
    path = get_file("payload.bin", origin=origin, file_hash=PAYLOAD_SHA256)
    assert path == str(datasets / "payload.bin")
    assert open(path, "rb").read() == PAYLOAD
    assert leftovers(datasets) == []

    def no_download(origin):
        raise AssertionError("a valid cached file was downloaded again")

    monkeypatch.setattr(file_utils, "_open_url", no_download)
    assert get_file("payload.bin", origin=origin, file_hash=PAYLOAD_SHA256) == path


def test_fname_defaults_to_the_url_basename(datasets, origin):
    assert get_file(origin=origin) == str(datasets / "payload.bin")


def test_cache_dir_and_absolute_cache_subdir(tmp_path, origin):
    path = get_file("a.bin", origin=origin, cache_dir=tmp_path / "c", cache_subdir="s")
    assert path == str(tmp_path / "c" / "s" / "a.bin")
    absolute = tmp_path / "elsewhere"
    path = get_file("b.bin", origin=origin, cache_subdir=str(absolute))
    assert path == str(absolute / "b.bin")


@pytest.mark.parametrize(
    "file_hash, algorithm",
    [
        (PAYLOAD_SHA256, "auto"),
        (PAYLOAD_MD5, "auto"),
        (PAYLOAD_SHA256, "sha256"),
        (PAYLOAD_MD5, "md5"),
    ],
    ids=["auto-sha256", "auto-md5", "sha256", "md5"],
)
def test_hash_algorithms(origin, file_hash, algorithm):
    path = get_file(
        "payload.bin", origin=origin, file_hash=file_hash, hash_algorithm=algorithm
    )
    assert open(path, "rb").read() == PAYLOAD


def test_md5_hash_is_the_legacy_spelling_of_file_hash(datasets, origin):
    (datasets / "payload.bin").parent.mkdir(parents=True)
    (datasets / "payload.bin").write_bytes(b"corrupted")
    get_file("payload.bin", origin=origin, md5_hash=PAYLOAD_MD5)
    assert (datasets / "payload.bin").read_bytes() == PAYLOAD


def test_a_corrupted_cached_file_is_downloaded_again(datasets, origin, capsys):
    datasets.mkdir(parents=True)
    (datasets / "payload.bin").write_bytes(PAYLOAD[:100])
    path = get_file("payload.bin", origin=origin, file_hash=PAYLOAD_SHA256)
    assert open(path, "rb").read() == PAYLOAD
    assert "downloaded again" in capsys.readouterr().out
    assert leftovers(datasets) == []


def test_a_corrupted_cached_file_is_refused_when_offline(datasets):
    datasets.mkdir(parents=True)
    target = datasets / "payload.bin"
    target.write_bytes(b"truncated")
    origin = "https://example.invalid/payload.bin"
    with pytest.raises(OSError) as info:
        get_file("payload.bin", origin=origin, file_hash=PAYLOAD_SHA256)
    message = str(info.value)
    assert origin in message
    assert str(target) in message
    assert hashlib.sha256(b"truncated").hexdigest() in message
    assert PAYLOAD_SHA256 in message
    # The cached file is the user's: it stays as it was.
    assert target.read_bytes() == b"truncated"
    assert leftovers(datasets) == []


def test_offline_error_names_the_url_and_the_full_path(datasets):
    origin = "https://example.invalid/data/payload.bin"
    with pytest.raises(OSError) as info:
        get_file("payload.bin", origin=origin, file_hash=PAYLOAD_SHA256)
    message = str(info.value)
    assert f"URL fetch failure on {origin}" in message
    assert "network access is disabled" in message
    assert f"put it at:\n    {datasets / 'payload.bin'}" in message
    assert f"Its sha256 hash must be {PAYLOAD_SHA256}." in message
    assert not (datasets / "payload.bin").exists()
    assert leftovers(datasets) == []


def test_unreachable_file_url_is_an_offline_error(datasets, tmp_path):
    origin = (tmp_path / "missing.bin").as_uri()
    with pytest.raises(OSError, match="URL fetch failure on file://"):
        get_file("missing.bin", origin=origin)
    assert os.listdir(datasets) == []


def test_a_download_with_the_wrong_hash_writes_nothing(datasets, origin):
    wrong = "0" * 64
    with pytest.raises(ValueError, match="Incomplete or corrupted file") as info:
        get_file("payload.bin", origin=origin, file_hash=wrong)
    assert PAYLOAD_SHA256 in str(info.value)
    assert os.listdir(datasets) == []


def test_a_download_failing_midway_leaves_no_partial_file(datasets, monkeypatch):
    datasets.mkdir(parents=True)
    target = datasets / "payload.bin"
    target.write_bytes(b"previous version")
    monkeypatch.setattr(
        file_utils, "_open_url", lambda origin: FakeResponse(PAYLOAD, fail_after=5000)
    )
    with pytest.raises(OSError, match="connection reset by peer"):
        get_file("payload.bin", origin="https://x.invalid/p", force_download=True)
    assert target.read_bytes() == b"previous version"
    assert leftovers(datasets) == []


def test_a_body_shorter_than_announced_is_refused(datasets, monkeypatch):
    monkeypatch.setattr(
        file_utils, "_open_url", lambda origin: FakeResponse(PAYLOAD, length=10**6)
    )
    with pytest.raises(OSError, match=f"closed after {len(PAYLOAD)} of 1000000"):
        get_file("payload.bin", origin="https://x.invalid/payload.bin")
    assert os.listdir(datasets) == []


def test_an_interrupted_download_leaves_no_partial_file(datasets, monkeypatch):
    class Interrupting(FakeResponse):
        def read(self, size=-1):
            if self.tell():
                raise KeyboardInterrupt
            return super().read(100)

    monkeypatch.setattr(file_utils, "_open_url", lambda origin: Interrupting(PAYLOAD))
    with pytest.raises(KeyboardInterrupt):
        get_file("payload.bin", origin="https://x.invalid/payload.bin")
    assert os.listdir(datasets) == []


def test_force_download_replaces_a_valid_file(datasets, origin, monkeypatch):
    get_file("payload.bin", origin=origin)
    calls = []
    real_open_url = file_utils._open_url
    monkeypatch.setattr(
        file_utils, "_open_url", lambda url: calls.append(url) or real_open_url(url)
    )
    get_file("payload.bin", origin=origin, force_download=True)
    assert calls == [origin]


def test_keras_home_is_read_at_call_time(tmp_path, origin, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "other_home"))
    path = get_file("payload.bin", origin=origin)
    assert path == str(tmp_path / "other_home" / "datasets" / "payload.bin")


@pytest.fixture
def tar_origin(tmp_path):
    archive = write_tar_gz(
        tmp_path / "server" / "bundle.tar.gz",
        {"bundle/a.txt": b"alpha", "bundle/b/c.txt": b"gamma"},
    )
    return archive.as_uri()


@pytest.mark.parametrize(
    "fname, archive_name, folder_name",
    [
        ("bundle", "bundle_archive", "bundle"),
        ("bundle.tar.gz", "bundle.tar.gz", "bundle_extracted"),
        (None, "bundle.tar.gz_archive", "bundle.tar.gz"),
    ],
    ids=["plain-name", "name-with-extension", "no-name"],
)
def test_extract_uses_keras_names(
    datasets, tar_origin, fname, archive_name, folder_name
):
    folder = get_file(fname, origin=tar_origin, extract=True)
    assert folder == str(datasets / folder_name)
    assert (datasets / archive_name).is_file()
    assert (datasets / folder_name / "bundle" / "b" / "c.txt").read_bytes() == b"gamma"
    assert leftovers(datasets) == []


@pytest.mark.parametrize("fname", ["bundle", "bundle.tar.gz", None], ids=str)
def test_paths_match_keras_get_file(datasets, tar_origin, fname):
    keras = keras_or_skip()
    expected = get_file(fname, origin=tar_origin, extract=True)
    # Keras falls back to /tmp/.keras for a cache_dir that does not exist yet.
    keras_home = datasets.parent.parent / "keras_only"
    keras_home.mkdir()
    actual = keras.utils.get_file(
        fname, origin=tar_origin, extract=True, cache_dir=str(keras_home)
    )
    assert os.path.relpath(actual, keras_home) == os.path.relpath(
        expected, datasets.parent
    )


def test_untar_and_zip(datasets, tmp_path):
    folder = get_file(
        "t", origin=write_tar_gz(tmp_path / "t.tgz", {"x": b"1"}).as_uri(), untar=True
    )
    assert open(os.path.join(folder, "x"), "rb").read() == b"1"
    zipped = tmp_path / "z.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("inner/y.txt", "2")
    folder = get_file("z", origin=zipped.as_uri(), extract=True, archive_format="zip")
    assert open(os.path.join(folder, "inner", "y.txt")).read() == "2"


def test_extraction_is_skipped_when_the_folder_exists(datasets, tar_origin):
    folder = get_file("bundle", origin=tar_origin, extract=True)
    marker = os.path.join(folder, "marker")
    open(marker, "w").close()
    get_file("bundle", origin=tar_origin, extract=True)
    assert os.path.exists(marker)
    get_file("bundle", origin=tar_origin, extract=True, force_download=True)
    assert not os.path.exists(marker)


def test_a_non_archive_warns(datasets, origin):
    with pytest.warns(UserWarning, match="could not extract"):
        get_file("payload", origin=origin, extract=True)


def test_archive_members_outside_the_folder_are_refused(datasets, tmp_path):
    archive = write_tar_gz(tmp_path / "evil.tar.gz", {"../escaped.txt": b"x"})
    with pytest.raises(tarfile.TarError):
        get_file("evil", origin=archive.as_uri(), extract=True)
    assert not (datasets / "escaped.txt").exists()
    assert not (datasets / "evil").exists()
    assert leftovers(datasets) == []


def test_argument_errors(origin):
    with pytest.raises(ValueError, match="needs the `origin` argument"):
        get_file("x")
    with pytest.raises(ValueError, match="file name, not a path"):
        get_file(os.path.join("sub", "x"), origin=origin)
    with pytest.raises(ValueError, match="argument `hash_algorithm` of `get_file`"):
        get_file("x", origin=origin, file_hash="0", hash_algorithm="sha1")
    with pytest.raises(ValueError, match="argument `archive_format` of `get_file`"):
        get_file("x", origin=origin, extract=True, archive_format="rar")
    with pytest.raises(ValueError, match="could not take a file name"):
        get_file(origin="https://example.invalid/")


def test_url_errors_are_os_errors():
    # The offline message wraps urllib's errors, whose base class is OSError.
    assert issubclass(urllib.error.URLError, OSError)


def test_files_and_folders_get_the_umask_permissions(datasets, tar_origin):
    umask = os.umask(0o022)
    try:
        folder = get_file("bundle", origin=tar_origin, extract=True)
    finally:
        os.umask(umask)
    assert os.stat(datasets / "bundle_archive").st_mode & 0o777 == 0o644
    assert os.stat(folder).st_mode & 0o777 == 0o755
