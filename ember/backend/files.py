"""Writing files so that a crash never leaves a truncated one behind.

Every file ember writes (models, weights, checkpoints, exports, downloads) goes to a
temporary file in the target's folder, is flushed to disk, and is renamed over the
target: readers see the old file or the new one, never a part of one.
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(filepath):
    """Yields a temporary path in `filepath`'s folder to write to; on success the
    file is flushed to disk and renamed over `filepath`, on failure removed."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(filepath)}.", suffix=".tmp", dir=folder
    )
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
        fsync_folder(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def fsync_folder(folder):
    """Makes a rename in `folder` durable, where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
