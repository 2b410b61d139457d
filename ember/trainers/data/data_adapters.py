"""Turning what users pass to `fit`/`evaluate`/`predict` into batches of tensors.

In-memory arrays (numpy or torch, in lists/tuples/dicts) are batched by slicing
with one index tensor per batch: no per-sample Python work. Python generators,
`torch.utils.data.Dataset`/`DataLoader` and `PyDataset`s are iterated as given.
Every adapter yields batches as tuples `(x,)`, `(x, y)` or `(x, y, sample_weight)`;
`iter_from(step)` starts an epoch part-way through (a resumed `fit`).
"""

import concurrent.futures
import itertools
import math

import numpy as np
import torch

from ember.backend import config, tree
from ember.trainers.data.data_adapter_utils import (
    class_weight_to_sample_weight,
    num_samples,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from ember.trainers.data.py_dataset import PyDataset


def _to_tensor(x):
    if x is None or isinstance(x, torch.Tensor):
        return x
    array = np.asarray(x)
    if array.dtype == np.float64:
        array = array.astype(config.floatx())
    if array.dtype.kind in "US":
        return array  # text stays NumPy, for the layers that read it
    if array.dtype.kind == "O":
        if all(isinstance(v, (str, bytes)) for v in array.flat):
            return array
        raise TypeError(
            f"Data of dtype {array.dtype} cannot be fed to a model: pass numeric "
            "arrays, or arrays of strings for text layers (not other objects)."
        )
    return torch.from_numpy(np.ascontiguousarray(array))


def _take(data, rows):
    """`data[rows]` for a tensor (rows on its device) or a NumPy text array."""
    if isinstance(data, np.ndarray):
        return data[rows.numpy()]
    return data[rows.to(data.device)]


def is_array_like(x) -> bool:
    flat = tree.flatten(x)
    return (
        bool(flat)
        and all(
            v is None or isinstance(v, (np.ndarray, torch.Tensor, list, float, int))
            for v in flat
        )
        and not isinstance(x, (PyDataset, torch.utils.data.Dataset))
    )


class ArrayAdapter:
    """Batches in-memory arrays by slicing."""

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=None,
        shuffle=False,
        class_weight=None,
        steps=None,
        shard=None,
    ):
        x, y, sample_weight = (
            tree.map_structure(_to_tensor, part) for part in (x, y, sample_weight)
        )
        if class_weight is not None:
            if y is None:
                raise ValueError("`class_weight` needs targets `y`.")
            weights = class_weight_to_sample_weight(y, class_weight)
            sample_weight = (
                weights if sample_weight is None else sample_weight * weights
            )
        self._data = pack_x_y_sample_weight(x, y, sample_weight)
        self._size = num_samples(self._data)
        self._batch_size = int(batch_size or 32)
        self._shuffle = shuffle
        self._steps = steps
        self._shard = shard
        if shard is not None:
            self._global_batch_size = self._batch_size
            self._batch_size = shard.batch_size(self._batch_size)

    @property
    def num_batches(self) -> int:
        size = self._size if self._shard is None else self._shard.size(self._size)
        full = math.ceil(size / self._batch_size)
        return min(full, self._steps) if self._steps else full

    def __iter__(self):
        return self.iter_from(0)

    def iter_from(self, first_step, ready=None):
        """The epoch's batches from `first_step` on. The order is drawn as for a
        whole epoch (the same random draws), earlier batches are not sliced;
        `ready()` is called once the order is drawn, before any batch."""
        size, batch = self._size, self._batch_size
        if self._shuffle == "batch":
            # Whole batches (of the global size) change places.
            block = batch if self._shard is None else self._global_batch_size
            order = torch.randperm(math.ceil(size / block)).tolist()
            index = (
                torch.cat(
                    [torch.arange(b * block, min((b + 1) * block, size)) for b in order]
                )
                if size
                else torch.arange(0)
            )
        elif self._shuffle:
            index = torch.randperm(size)
        else:
            index = None
        if self._shard is not None:
            # Every process draws the order as one process would, then all
            # take rank 0's, so their shares never overlap.
            if index is not None:
                index = self._shard.agree(index)
            index = self._shard.take(torch.arange(size) if index is None else index)
            size = index.shape[0]
        if ready is not None:
            ready()
        for step in range(first_step, self.num_batches):
            start, stop = step * batch, min((step + 1) * batch, size)
            if index is None:
                yield tree.map_structure(
                    lambda t, a=start, b=stop: None if t is None else t[a:b], self._data
                )
            else:
                rows = index[start:stop]
                yield tree.map_structure(
                    lambda t, r=rows: None if t is None else _take(t, r),
                    self._data,
                )

    def on_epoch_end(self):
        pass


class GeneratorAdapter:
    """Iterates a Python generator (or any iterator) of batches.

    The generator is consumed across epochs: with `steps_per_epoch`, each epoch
    takes that many batches; without it, an epoch ends when the generator does.
    """

    def __init__(self, generator, steps=None):
        self._iterator = iter(generator)
        self._steps = steps
        self.exhausted = False

    @property
    def num_batches(self):
        return self._steps

    def __iter__(self):
        return self.iter_from(0)

    def iter_from(self, first_step, ready=None):
        """The rest of an epoch begun elsewhere: a generator cannot be rewound,
        so it goes on from where it is, for the epoch's remaining steps
        (`ready()` is called before the first)."""
        if ready is not None:
            ready()
        wanted = self._steps - first_step if self._steps else None
        if wanted is not None and wanted <= 0:
            return
        source = (
            itertools.islice(self._iterator, wanted)
            if wanted is not None
            else self._iterator
        )
        produced = 0
        for batch in source:
            produced += 1
            yield _as_tuple(batch)
        if produced == 0 or (wanted is not None and produced < wanted):
            self.exhausted = True

    def on_epoch_end(self):
        pass


class TorchDataAdapter:
    """Iterates a `torch.utils.data.DataLoader`, or batches a `Dataset` with one.

    Split across processes (`shard`), a map-style dataset is sampled by a
    `_ShardSampler`; a DataLoader is rebuilt around one (its `batch_size` is the
    global batch), unless its sampler is already a `DistributedSampler`.
    """

    def __init__(self, data, batch_size=None, shuffle=False, steps=None, shard=None):
        self._epoch = 0
        if shard is not None:
            self._loader = _sharded_loader(data, batch_size, shuffle, shard)
        elif isinstance(data, torch.utils.data.DataLoader):
            self._loader = data
        else:
            iterable = isinstance(data, torch.utils.data.IterableDataset)
            self._loader = torch.utils.data.DataLoader(
                data,
                batch_size=batch_size or 32,
                shuffle=bool(shuffle) and not iterable,
            )
        self._steps = steps
        self.exhausted = False

    @property
    def num_batches(self):
        if self._steps:
            return self._steps
        try:
            return len(self._loader)
        except TypeError:
            return None

    def iter_from(self, first_step, ready=None):
        """The epoch's batches from `first_step` on: the loader draws its order
        as for a whole epoch, and the batches before `first_step` are loaded
        and dropped (a DataLoader cannot start in the middle); `ready()` is
        called after those, before the first batch kept is loaded."""
        batches = iter(self)
        for _ in itertools.islice(batches, first_step):
            pass
        if ready is not None:
            ready()
        yield from batches

    def __iter__(self):
        source = self._loader
        sampler = getattr(source, "sampler", None)
        if isinstance(sampler, torch.utils.data.DistributedSampler):
            sampler.set_epoch(self._epoch)
        if self._steps:
            source = itertools.islice(source, self._steps)
        for batch in source:
            yield _as_tuple(batch)

    def on_epoch_end(self):
        self._epoch += 1


class _ShardSampler(torch.utils.data.Sampler):
    """This process's indices of a map-style dataset (see `Shard`), redrawn at
    each epoch when shuffling."""

    def __init__(self, size, shuffle, shard):
        self._size, self._shuffle, self._shard = size, shuffle, shard

    def __len__(self):
        return self._shard.size(self._size)

    def __iter__(self):
        order = torch.arange(self._size)
        if self._shuffle:
            order = self._shard.agree(torch.randperm(self._size))
        return iter(self._shard.take(order).tolist())


def _sharded_loader(data, batch_size, shuffle, shard):
    loader = data if isinstance(data, torch.utils.data.DataLoader) else None
    dataset = data if loader is None else loader.dataset
    if loader is not None and isinstance(
        loader.sampler, torch.utils.data.DistributedSampler
    ):
        return loader
    simple = loader is None or (
        isinstance(
            loader.sampler,
            (torch.utils.data.SequentialSampler, torch.utils.data.RandomSampler),
        )
        and loader.batch_size is not None
    )
    if isinstance(dataset, torch.utils.data.IterableDataset) or not simple:
        what = "an iterable dataset" if simple else "its own sampler"
        raise ValueError(
            f"A {type(data).__name__} with {what} "
            "cannot be split across processes: shard it per process yourself (e.g. "
            "with a DistributedSampler) and call ember.distribution.set_distribution("
            "ember.distribution.DataParallel(auto_shard_dataset=False))."
        )
    if loader is None:
        return torch.utils.data.DataLoader(
            dataset,
            batch_size=shard.batch_size(batch_size or 32),
            sampler=_ShardSampler(len(dataset), bool(shuffle), shard),
        )
    extra = (
        {
            "prefetch_factor": loader.prefetch_factor,
            "persistent_workers": loader.persistent_workers,
        }
        if loader.num_workers
        else {}
    )
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=shard.batch_size(loader.batch_size),
        sampler=_ShardSampler(
            len(dataset),
            isinstance(loader.sampler, torch.utils.data.RandomSampler),
            shard,
        ),
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        drop_last=loader.drop_last,
        timeout=loader.timeout,
        worker_init_fn=loader.worker_init_fn,
        multiprocessing_context=loader.multiprocessing_context,
        **extra,
    )


class PyDatasetAdapter:
    """Iterates a `PyDataset`, loading batches ahead with its workers."""

    def __init__(self, dataset, shuffle=False, steps=None, shard=None):
        self._dataset = dataset
        self._shuffle = shuffle
        self._steps = steps
        self._shard = shard
        self.exhausted = False

    @property
    def num_batches(self):
        total = len(self._dataset)
        if self._shard is not None:
            total = self._shard.size(total)
        return min(total, self._steps) if self._steps else total

    def __iter__(self):
        return self.iter_from(0)

    def iter_from(self, first_step, ready=None):
        """The epoch's batches from `first_step` on, in the order drawn for the
        whole epoch; earlier batches are not loaded. `ready()` is called once
        the order is drawn, before any batch is loaded."""
        dataset = self._dataset
        dataset.on_epoch_begin()
        if self._shard is not None:
            # Whole batches are dealt out: each one is one process's batch.
            order = torch.arange(len(dataset))
            if self._shuffle:
                order = self._shard.agree(torch.randperm(len(dataset)))
            order = self._shard.take(order).tolist()[: self.num_batches]
        else:
            order = list(range(self.num_batches))
        if self._shuffle and self._shard is None:
            order = [order[i] for i in torch.randperm(len(order)).tolist()]
        order = order[first_step:]
        if ready is not None:
            ready()
        if dataset.workers > 1 and dataset.use_multiprocessing:
            loader = torch.utils.data.DataLoader(
                _Indexed(dataset, order),
                batch_size=None,
                num_workers=dataset.workers,
                prefetch_factor=max(1, dataset.max_queue_size // dataset.workers),
            )
            for batch in loader:
                yield _as_tuple(batch)
        elif dataset.workers > 1:
            with concurrent.futures.ThreadPoolExecutor(dataset.workers) as pool:
                ahead = dataset.max_queue_size
                futures = [pool.submit(dataset.__getitem__, i) for i in order[:ahead]]
                for position in range(len(order)):
                    batch = futures[position].result()
                    if position + ahead < len(order):
                        futures.append(
                            pool.submit(dataset.__getitem__, order[position + ahead])
                        )
                    yield _as_tuple(batch)
        else:
            for index in order:
                yield _as_tuple(dataset[index])

    def on_epoch_end(self):
        self._dataset.on_epoch_end()


class _Indexed(torch.utils.data.Dataset):
    def __init__(self, dataset, order):
        self.dataset, self.order = dataset, order

    def __len__(self):
        return len(self.order)

    def __getitem__(self, position):
        return self.dataset[self.order[position]]


def _as_tuple(batch):
    x, y, sample_weight = unpack_x_y_sample_weight(batch)
    return pack_x_y_sample_weight(
        *(tree.map_structure(_to_tensor, part) for part in (x, y, sample_weight))
    )


def get_data_adapter(
    x,
    y=None,
    sample_weight=None,
    batch_size=None,
    steps_per_epoch=None,
    shuffle=False,
    class_weight=None,
    shard=None,
):
    """Picks the adapter for `x` and checks the arguments that do not apply to it.

    `shard` (from `ember.trainers.distributed`) splits the data across the
    processes of a data-parallel run; `None` in a single process.
    """
    if isinstance(
        x, (PyDataset, torch.utils.data.Dataset, torch.utils.data.DataLoader)
    ) or (
        hasattr(x, "__next__")
        or (
            hasattr(x, "__iter__")
            and not is_array_like(x)
            and not isinstance(x, (dict, list, tuple))
        )
    ):
        kind = type(x).__name__
        if y is not None:
            raise ValueError(
                f"When `x` is a {kind}, it must yield the targets too: pass `y=None` "
                "and have each batch be `(x, y)` or `(x, y, sample_weight)`."
            )
        if sample_weight is not None:
            raise ValueError(
                f"`sample_weight` cannot be passed when `x` is a {kind}: yield "
                "`(x, y, sample_weight)` batches instead."
            )
        if class_weight is not None:
            raise ValueError(
                f"`class_weight` is not supported when `x` is a {kind}; yield "
                "`(x, y, sample_weight)` batches instead."
            )
        if isinstance(x, PyDataset):
            return PyDatasetAdapter(x, shuffle, steps_per_epoch, shard)
        if isinstance(x, (torch.utils.data.Dataset, torch.utils.data.DataLoader)):
            return TorchDataAdapter(x, batch_size, shuffle, steps_per_epoch, shard)
        if shard is not None:
            raise ValueError(
                f"A {kind} cannot be split across processes: make it yield this "
                "process's batches and call ember.distribution.set_distribution("
                "ember.distribution.DataParallel(auto_shard_dataset=False)), or pass "
                "arrays, a PyDataset or a torch Dataset."
            )
        return GeneratorAdapter(x, steps=steps_per_epoch)
    if x is None:
        raise ValueError(
            "No data was passed: give `x` (arrays, a generator, a PyDataset or a "
            "torch Dataset/DataLoader)."
        )
    return ArrayAdapter(
        x,
        y,
        sample_weight,
        batch_size=batch_size,
        shuffle=shuffle,
        class_weight=class_weight,
        steps=steps_per_epoch,
        shard=shard,
    )
