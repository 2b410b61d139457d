"""The current distribution: `distribution()`, `set_distribution()`, and the base
`Distribution` that `DataParallel` extends."""

import contextlib

from ember.distribution import runtime

_STATE = {"distribution": None}


def distribution():
    """Returns the distribution set by `set_distribution` (or `None`)."""
    return _STATE["distribution"]


def set_distribution(value):
    """Sets the distribution `fit()`, `evaluate()` and `predict()` follow.

    Without one, a run under `torchrun` uses `DataParallel()` over all its
    processes.

    Variables created while a distribution that splits them is set
    (`ModelParallel`, `DataParallel(fully_shard=True)`) are split across
    processes.

    Args:
        value: A distribution (`DataParallel`, `ModelParallel`), or `None` to
            go back to the default.
    """
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(
            "Invalid value for argument `value` of `set_distribution`: expected a "
            "distribution such as `ember.distribution.DataParallel()` or None. "
            f"Received: value={value!r}."
        )
    from ember.distribution import layouts

    _STATE["distribution"] = value
    layouts.install(value)


class Distribution:
    """What `DataParallel` shares with other distributions: a device mesh, the
    name of its batch axis, and whether datasets are sharded per process.

    Args:
        device_mesh: The `DeviceMesh`.
        batch_dim_name: Name of the mesh axis the batch is split along.
            Defaults to `None`.
        auto_shard_dataset: Whether `fit()`/`evaluate()`/`predict()` give each
            process its share of the data. Set `False` when the data is
            already split per process. Defaults to `True`.
    """

    # Whether variables created under it are split across processes.
    _splits_variables = False

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = bool(auto_shard_dataset)
        self._num_processes = runtime.num_processes()
        self._process_id = runtime.process_id()

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def num_processes(self) -> int:
        """The number of processes of the run."""
        return self._num_processes

    @property
    def auto_shard_dataset(self) -> bool:
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, value):
        self._auto_shard_dataset = bool(value)

    @contextlib.contextmanager
    def scope(self):
        """Makes this distribution the current one inside a `with` block."""
        previous = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(previous)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} device_mesh={self.device_mesh}>"
