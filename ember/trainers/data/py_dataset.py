"""`PyDataset`: Keras's base class for Python datasets that yield whole batches."""


class PyDataset:
    """Base class for a dataset of batches, indexed like a list.

    Subclass it and define `__len__` (the number of batches) and
    `__getitem__(index)` (one batch: `x`, `(x, y)` or `(x, y, sample_weight)`);
    optionally `on_epoch_end`. `fit()` loads batches in parallel when `workers > 1`:
    with threads, or with processes when `use_multiprocessing=True`.

    Args:
        workers: Number of workers loading batches. Defaults to `1`.
        use_multiprocessing: Whether the workers are processes (the dataset must
            then be picklable). Defaults to `False`.
        max_queue_size: Most batches loaded ahead of the training step.
            Defaults to `10`.

    Example:

    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, index):
    ...         x = np.full((8, 1), index, "float32")
    ...         return x, x**2
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = int(workers)
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = int(max_queue_size)

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = int(value)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = bool(value)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = int(value)

    @property
    def num_batches(self):
        return len(self) if hasattr(self, "__len__") else None

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle)."""
