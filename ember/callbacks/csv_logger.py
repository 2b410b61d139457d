"""`CSVLogger`: write each epoch's logs as a row of a CSV file."""

import collections.abc
import csv
import os

import numpy as np

from ember.callbacks.callback import Callback, numeric_logs
from ember.distribution.runtime import is_chief


def _cell(value):
    """A log value as a CSV cell: sequences become a quoted `"[a, b]"`."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Streams the logs of each epoch to a CSV file.

    Under several processes (`torchrun`) only rank 0 writes the file.

    The columns are `epoch` then the log names in sorted order, fixed by the
    first epoch (with `val_` columns added when the first epoch had no
    validation, so later validation fits). A missing value is written `NA`.

    Args:
        filename: Path of the CSV file.
        separator: The column separator. Defaults to `","`.
        append: Whether to append to an existing file (its header is kept)
            rather than overwrite it. Defaults to `False`.

    Example:

    ```python
    csv_logger = keras.callbacks.CSVLogger("training.log")
    model.fit(x, y, epochs=5, callbacks=[csv_logger])
    ```
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        # Under several processes (torchrun) the logs are global on every
        # process; only rank 0 writes them.
        self._writes = is_chief()
        if not self._writes:
            return
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not f.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        if not getattr(self, "_writes", True):
            return
        logs = numeric_logs(logs)
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(
                self.csv_file,
                fieldnames=["epoch"] + self.keys,
                delimiter=self.sep,
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
