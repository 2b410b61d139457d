"""`Iterator`: the base of `ImageDataGenerator`'s batch iterators."""

import threading

import numpy as np

from ember.trainers.data.py_dataset import PyDataset


class Iterator(PyDataset):
    """Indexes `n` samples in batches, as Keras's image iterators do.

    `it[i]` is batch `i` of the current order; iterating (`next(it)`) cycles
    through the batches forever, reshuffling at each pass. With a `seed`, the
    global numpy RNG is seeded with `seed + total_batches_seen` before each batch,
    so the order and the random transformations repeat from run to run.
    `fit()` takes an iterator directly (it is a `PyDataset` with a length).

    Args:
        n: Number of samples.
        batch_size: Batch size.
        shuffle: Whether to shuffle the samples at each epoch.
        seed: Random seed.
        **kwargs: `PyDataset` arguments (`workers`, `use_multiprocessing`,
            `max_queue_size`).
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed, **kwargs):
        super().__init__(**kwargs)
        if batch_size is None or int(batch_size) < 1:
            raise ValueError(
                "Invalid value for argument `batch_size`: expected a positive "
                f"integer. Received: batch_size={batch_size}."
            )
        self.n = n
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self) or idx < -len(self):
            raise IndexError(
                f"Asked to retrieve batch {idx}, but the iterator has {len(self)} "
                "batches."
            )
        idx %= len(self)
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        rows = self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(rows)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = (self.batch_index * self.batch_size) % self.n if self.n else 0
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current : current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            rows = next(self.index_generator)
        return self._get_batches_of_transformed_samples(rows)

    def _get_batches_of_transformed_samples(self, index_array):
        """Builds the batch of the samples at `index_array` (subclasses)."""
        raise TypeError(
            f"{type(self).__name__} must define `_get_batches_of_transformed_samples`."
        )
