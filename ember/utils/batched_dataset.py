"""`Dataset`: what the directory and array loaders return.

Keras's loaders return `tf.data.Dataset`s; ember's return a `Dataset`: a
`PyDataset` of batches (so `fit()` takes it directly and loads batches with
several worker processes through torch's `DataLoader` when
`workers > 1, use_multiprocessing=True`) with the `tf.data` methods Keras code
calls on them: `map`, `batch`, `unbatch`, `shuffle`, `take`, `skip`, `cache`,
`prefetch`, `cardinality`, `as_numpy_iterator`.

A dataset is a chain of views. Each view is indexed like a list (`len`, `[i]`)
and yields "items": tensors or tuples/dicts of tensors (strings stay Python `str`
elements, numpy string arrays once batched). A batching view gathers items with
one vectorised `gather` where the source supports it (arrays, time series) and
one `__getitem__` per sample otherwise (files). A shuffling view draws a new order
each time an iteration starts (`on_epoch_begin`, which `fit()` and `iter()` call,
also through datasets derived from it) from `(seed, count)`, so the same seed
gives the same sequence of orders, as a seeded `tf.data` shuffle does.
"""

import concurrent.futures

import numpy as np
import torch

from ember.backend import tree
from ember.trainers.data.py_dataset import PyDataset

AUTOTUNE = -1


class Dataset(PyDataset):
    """A list of batches (or of samples when unbatched) that `fit()` accepts.

    Returned by `image_dataset_from_directory`, `text_dataset_from_directory`,
    `audio_dataset_from_directory`, `timeseries_dataset_from_array` and
    `split_dataset`. Iterating it gives batches of torch tensors (strings as
    numpy arrays of `str`).

    Args:
        view: The chain of views that produces the items.
        batch_size: The batch size, when the items are batches (`None` when
            unbatched). Defaults to `None`.
        workers: Number of workers loading batches (see `PyDataset`).
            Defaults to `1`.
        use_multiprocessing: Whether the workers are processes (torch's
            `DataLoader`) rather than threads. Defaults to `False`.
        max_queue_size: Batches loaded ahead. Defaults to `10`.

    Example:

    >>> ds = timeseries_dataset_from_array(np.arange(10), None, 3, batch_size=4)
    >>> [tuple(batch.shape) for batch in ds]
    [(4, 3), (4, 3)]
    """

    def __init__(
        self,
        view,
        batch_size=None,
        workers=1,
        use_multiprocessing=False,
        max_queue_size=10,
    ):
        super().__init__(workers, use_multiprocessing, max_queue_size)
        self._view = view
        self._batch_size = batch_size

    def __len__(self):
        return len(self._view)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Index {index} out of range for {len(self)} batches.")
        return self._view[index % len(self)]

    def on_epoch_begin(self):
        self._view.new_epoch()

    def __iter__(self):
        self.on_epoch_begin()
        count = len(self)
        if self.workers > 1 and self.use_multiprocessing:
            loader = torch.utils.data.DataLoader(
                _ItemsOf(self._view),
                batch_size=None,
                num_workers=self.workers,
                prefetch_factor=max(1, self.max_queue_size // self.workers),
            )
            yield from loader
        elif self.workers > 1:
            with concurrent.futures.ThreadPoolExecutor(self.workers) as pool:
                ahead = max(1, self.max_queue_size)
                load = self._view.__getitem__
                futures = [pool.submit(load, i) for i in range(min(ahead, count))]
                for position in range(count):
                    if position + ahead < count:
                        futures.append(pool.submit(load, position + ahead))
                    yield futures[position].result()
        else:
            for index in range(count):
                yield self._view[index]

    def __repr__(self):
        kind = "batches" if self._batch_size else "items"
        return f"<Dataset: {len(self)} {kind}>"

    # tf.data-style transformations; each returns a new dataset.

    def map(self, map_func, num_parallel_calls=None, deterministic=None):
        """Applies `map_func` to every item (a tuple item is unpacked)."""
        return self._derive(Mapped(self._view, map_func))

    def batch(self, batch_size, drop_remainder=False, **kwargs):
        """Groups consecutive items into batches of `batch_size`."""
        return self._derive(
            Batched(self._view, int(batch_size), drop_remainder), batch_size
        )

    def unbatch(self):
        """Splits batches back into samples."""
        if isinstance(self._view, Batched):
            return self._derive(self._view.inner, None)
        return self._derive(Unbatched(self._view), None)

    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=True):
        """Shuffles the items, with a new order each epoch.

        The whole dataset is shuffled (as an infinite `buffer_size` would).
        """
        return self._derive(Shuffled(self._view, seed, reshuffle_each_iteration))

    def take(self, count):
        """The first `count` items (all for `count=-1`)."""
        stop = len(self) if count is None or count < 0 else min(count, len(self))
        return self._derive(Sliced(self._view, 0, stop))

    def skip(self, count):
        """All items but the first `count`."""
        return self._derive(Sliced(self._view, min(count, len(self)), len(self)))

    def cache(self, filename=""):
        """Keeps the items in memory once loaded (in the loading process)."""
        return self._derive(Cached(self._view))

    def prefetch(self, buffer_size=AUTOTUNE):
        """Loads up to `buffer_size` items ahead with the dataset's workers."""
        derived = self._derive(self._view)
        if buffer_size is not None and buffer_size > 0:
            derived.max_queue_size = buffer_size
        return derived

    def cardinality(self):
        """The number of items."""
        return len(self)

    def as_numpy_iterator(self):
        """Iterates the items as numpy arrays."""
        for item in self:
            yield tree.map_structure(_to_numpy, item)

    def _derive(self, view, batch_size="same"):
        derived = Dataset(
            view,
            self._batch_size if batch_size == "same" else batch_size,
            self.workers,
            self.use_multiprocessing,
            self.max_queue_size,
        )
        for name in ("class_names", "file_paths"):
            if hasattr(self, name):
                setattr(derived, name, getattr(self, name))
        return derived


def _to_numpy(value):
    return value.numpy() if isinstance(value, torch.Tensor) else value


class _ItemsOf(torch.utils.data.Dataset):
    def __init__(self, view):
        self.view = view

    def __len__(self):
        return len(self.view)

    def __getitem__(self, index):
        return self.view[index]


# Views. Each has __len__, __getitem__, new_epoch; sources may add gather(indices).


class View:
    inner = None

    def new_epoch(self):
        """Called as an iteration starts: shuffling views draw their next order."""
        if self.inner is not None:
            self.inner.new_epoch()


class ArraySource(View):
    """Samples of in-memory arrays (any structure), gathered by index tensors."""

    def __init__(self, data):
        self.data = tree.map_structure(_as_tensor, data)
        sizes = {len(x) for x in tree.flatten(self.data)}
        if len(sizes) != 1:
            raise ValueError(
                "All arrays of a dataset must have the same number of samples. "
                f"Received lengths {sorted(sizes)}."
            )
        self.size = sizes.pop()

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return tree.map_structure(lambda x: _element(x, index), self.data)

    def gather(self, indices):
        return tree.map_structure(lambda x: _take(x, indices), self.data)


def _as_tensor(x):
    if isinstance(x, torch.Tensor):
        return x
    array = np.asarray(x)
    if array.dtype.kind in "USO":
        return array
    return torch.from_numpy(np.ascontiguousarray(array))


def _element(x, index):
    value = x[index]
    return value.item() if isinstance(value, np.generic) else value


def _take(x, indices):
    if isinstance(x, torch.Tensor):
        return x[torch.as_tensor(indices, dtype=torch.long)]
    return x[np.asarray(indices, dtype=np.int64)]


class FileSource(View):
    """Samples loaded from files by `load(path)`, with optional label tensors."""

    def __init__(self, paths, load, labels=None):
        self.paths, self.load, self.labels = list(paths), load, labels

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        value = self.load(self.paths[index])
        return value if self.labels is None else (value, self.labels[index])


class Shuffled(View):
    def __init__(self, inner, seed, reshuffle_each_iteration=True):
        self.inner = inner
        self.seed = int(np.random.randint(2**31 - 1)) if seed is None else int(seed)
        self.reshuffle = reshuffle_each_iteration
        self.epoch = -1
        self._draw(0)

    def new_epoch(self):
        self.inner.new_epoch()
        self.epoch += 1
        self._draw(self.epoch if self.reshuffle else 0)

    def _draw(self, epoch):
        rng = np.random.default_rng([self.seed, epoch])
        self.order = rng.permutation(len(self.inner))

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, index):
        return self.inner[int(self.order[index])]

    @property
    def gather(self):
        if not hasattr(self.inner, "gather"):
            raise AttributeError("gather")
        return lambda indices: self.inner.gather(self.order[np.asarray(indices)])


class Sliced(View):
    def __init__(self, inner, start, stop):
        self.inner, self.start, self.stop = inner, start, max(start, stop)

    def __len__(self):
        return self.stop - self.start

    def __getitem__(self, index):
        return self.inner[self.start + index]


class Mapped(View):
    def __init__(self, inner, function):
        self.inner, self.function = inner, function

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, index):
        item = self.inner[index]
        return self.function(*item) if isinstance(item, tuple) else self.function(item)


class Cached(View):
    def __init__(self, inner):
        self.inner, self.items = inner, {}

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, index):
        if index not in self.items:
            self.items[index] = self.inner[index]
        return self.items[index]


class Batched(View):
    def __init__(self, inner, batch_size, drop_remainder=False, collate=None):
        if batch_size < 1:
            raise ValueError(
                "Invalid value for argument `batch_size`: expected a positive "
                f"integer. Received: batch_size={batch_size}."
            )
        self.inner, self.batch_size = inner, batch_size
        self.drop_remainder, self.collate = drop_remainder, collate or collate_items

    def __len__(self):
        size = len(self.inner)
        if self.drop_remainder:
            return size // self.batch_size
        return -(-size // self.batch_size)

    def __getitem__(self, index):
        start = index * self.batch_size
        stop = min(start + self.batch_size, len(self.inner))
        if hasattr(self.inner, "gather") and self.collate is collate_items:
            return self.inner.gather(np.arange(start, stop))
        return self.collate([self.inner[i] for i in range(start, stop)])


class Unbatched(View):
    def __init__(self, inner):
        self.inner, self.offsets = inner, None

    def _index(self):
        if self.offsets is None:
            sizes = [
                len(tree.flatten(self.inner[i])[0]) for i in range(len(self.inner))
            ]
            self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return self.offsets

    def __len__(self):
        return int(self._index()[-1])

    def __getitem__(self, index):
        offsets = self._index()
        batch = int(np.searchsorted(offsets, index, side="right")) - 1
        row = index - int(offsets[batch])
        return tree.map_structure(lambda x: _element(x, row), self.inner[batch])


def collate_items(items):
    """Stacks samples into a batch: tensors with `torch.stack`, strings into a
    numpy array, structures element-wise."""
    first = items[0]
    if isinstance(first, tuple):
        return tuple(
            collate_items([item[k] for item in items]) for k in range(len(first))
        )
    if isinstance(first, dict):
        return {key: collate_items([item[key] for item in items]) for key in first}
    if isinstance(first, torch.Tensor):
        return torch.stack(items)
    if isinstance(first, (str, bytes)):
        return np.array(items)
    if isinstance(first, np.ndarray) and first.dtype.kind in "USO":
        return np.stack(items)
    return torch.as_tensor(np.asarray(items))
