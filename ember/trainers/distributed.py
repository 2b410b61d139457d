"""Data-parallel `fit`/`evaluate`/`predict`: one process per device, joined by
`torch.distributed` (launched by `torchrun`).

`current_run()` answers `None` in a single process, and the trainer then does
nothing more per step than before. Under several processes it returns a
`DistributedRun`, which

1. places the model on this process's device (`cuda:LOCAL_RANK` with NCCL, the
   CPU with gloo) and wraps it in `DistributedDataParallel` at the first
   training step. The user keeps the plain model: DDP's pre- and post-forward
   work runs in forward hooks on it, so any `train_step` that calls
   `self(x, training=True)` has its gradients averaged across processes;
2. gives each process its share of the data (`Shard`): in training padded
   so that every process runs the same number of steps, in evaluation and
   prediction split without repeats;
3. reduces the metrics' state across processes (each variable by its
   `aggregation`) before logs are read, and gathers `predict`'s outputs back
   into the full, ordered result on every process.

Under a distribution that splits variables (`ModelParallel`, fully sharded
`DataParallel`) there is no DDP: the split variables average their own
gradients (`ember.backend.sharded_variable`), and 2. and 3. run over the
mesh's batch axis only, since processes along the other axes read the same
data.
"""

import contextlib
import math

import numpy as np
import torch
import torch.distributed as dist

from ember.backend import tree
from ember.distribution import layouts, runtime
from ember.distribution.distribution import distribution as current_distribution
from ember.trainers.data.data_adapter_utils import unpack_x_y_sample_weight


def current_run():
    """The data-parallel run this process belongs to, or `None` (one process).

    Joins the process group first when launched by `torchrun` and not joined
    yet. A distribution whose mesh does not match the number of processes is
    an error.
    """
    if not dist.is_available():
        return None
    if not dist.is_initialized() and (runtime.env_int("WORLD_SIZE") or 1) > 1:
        # Launched as one of several processes: join them (or say what is
        # missing to, e.g. MASTER_ADDR, rather than train alone).
        runtime.initialize()
    world_size = dist.get_world_size() if dist.is_initialized() else 1
    chosen = current_distribution()
    devices = chosen.device_mesh.devices.size if chosen is not None else world_size
    if devices != world_size:
        raise ValueError(
            f"Mismatched world sizes: the distribution's DeviceMesh has "
            f"{devices} devices but {world_size} process(es) run; "
            f"launch `torchrun --nproc_per_node={devices}` or build "
            "the mesh from `ember.distribution.list_devices()`."
        )
    if world_size == 1:
        return None
    return DistributedRun(chosen)


class DistributedRun:
    """This process's part in a data-parallel run (see the module docstring).

    `data_count` processes read different data (all of them, unless the
    distribution splits variables along other mesh axes); this one reads
    share `data_index`, and `data_group` joins the processes whose data
    differ (`None`: all of them).
    """

    def __init__(self, chosen=None):
        self.world_size = dist.get_world_size()
        self.rank = dist.get_rank()
        self.device = runtime.rank_device()
        self.auto_shard = chosen.auto_shard_dataset if chosen is not None else True
        self.splits_variables = chosen is not None and chosen._splits_variables
        self.data_count, self.data_index, self.data_group = (
            self.world_size,
            self.rank,
            None,
        )
        if self.splits_variables:
            self.data_count, self.data_index = layouts.data_coordinates(chosen)
            self.data_group = layouts.data_group(chosen)
        self._ddp = None
        self._hooks = []

    def shard(self, training):
        """The `Shard` the data adapters split the data with (`None` when the
        distribution says the data is already split per process)."""
        return Shard(self, training) if self.auto_shard else None

    # ------------------------------------------------------------ the model
    def check_model_device(self, device):
        """Raises when the user put the model on another accelerator than this
        process's; weights on the CPU are simply moved."""
        if device.type != "cpu" and device != self.device:
            raise RuntimeError(
                f"The model's weights are on {device} but process {self.rank} trains "
                f"on {self.device}: call torch.cuda.set_device(int(os.environ["
                "'LOCAL_RANK'])) before building the model, or leave it on the CPU "
                "for fit() to place."
            )

    def check_batch_device(self, batch):
        """Raises when the data lies on another device than the model."""
        for value in tree.flatten(batch):
            if isinstance(value, torch.Tensor) and value.device.type != "cpu":
                if value.device != self.device:
                    raise RuntimeError(
                        f"The data is on {value.device} but process {self.rank}'s "
                        f"model is on {self.device}: feed CPU data (fit() moves each "
                        f"batch) or data on {self.device}."
                    )

    def wrap_train_step(self, model, step_fn):
        """`step_fn`, preceded at its first call by the DDP set-up (the model
        must be built, so the first batch may build it)."""
        state = {"ready": False}

        def run(data):
            if not state["ready"]:
                self.check_batch_device(data)
                if not model.built:
                    x, _, _ = unpack_x_y_sample_weight(data)
                    with torch.no_grad():
                        model(x, training=False)
                self.attach(model)
                state["ready"] = True
            return step_fn(data)

        return run

    def attach(self, model):
        """Wraps `model` in DDP (which broadcasts rank 0's weights) and routes
        the model's own calls through DDP's forward bookkeeping. Under a
        distribution that splits variables, checks they all are instead
        (their gradients are averaged by the backward pass itself)."""
        if self.splits_variables:
            _check_all_split(model)
            return
        if not any(w.requires_grad for w in model.parameters()):
            return
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)

        def before(module, args, kwargs):
            if torch.is_grad_enabled():
                return ddp._pre_forward(*args, **kwargs)
            return None

        def after(module, args, kwargs, output):
            if torch.is_grad_enabled():
                return ddp._post_forward(output)
            return None

        self._ddp = ddp
        self._hooks = [
            model.register_forward_pre_hook(before, with_kwargs=True),
            model.register_forward_hook(after, with_kwargs=True),
        ]

    def detach(self):
        for handle in self._hooks:
            handle.remove()
        self._hooks = []
        self._ddp = None

    # ---------------------------------------------------------- collectives
    def broadcast(self, tensor):
        """`tensor` as rank 0 has it."""
        moved = tensor.to(self.device)
        dist.broadcast(moved, 0)
        return moved.to(tensor.device)

    def any(self, flag) -> bool:
        """Whether `flag` is true on any process (e.g. `stop_training`)."""
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def reduce_metrics(self, metrics):
        """Combines every metric variable across processes, in place, by its
        `aggregation`: `"sum"` adds, `"mean"` averages, `"only_first_replica"`
        takes rank 0's value, `"none"` keeps each process's own."""
        groups = {}
        for metric in metrics:
            for variable in getattr(metric, "variables", []):
                aggregation = _aggregation(variable)
                if aggregation not in (None, "none"):
                    key = (aggregation, variable.dtype)
                    groups.setdefault(key, []).append(variable)
        signature = [
            (k[0], str(k[1]), sum(v.numel() for v in vs)) for k, vs in groups.items()
        ]
        seen = [None] * self.world_size
        dist.all_gather_object(seen, signature)
        if any(s != signature for s in seen):
            raise RuntimeError(
                "The metrics differ between processes (a process that saw no batch "
                "has not built its metrics): give every process at least one batch."
            )
        if self.data_count == 1:
            return  # every process saw all the data
        group = self.data_group
        with torch.no_grad():
            for (aggregation, _), variables in groups.items():
                flat = torch.cat(
                    [v.detach().reshape(-1).to(self.device) for v in variables]
                )
                if aggregation == "only_first_replica":
                    dist.broadcast(flat, group=group, group_src=0)
                else:
                    dist.all_reduce(flat, group=group)
                    if aggregation == "mean":
                        flat = (
                            flat / self.data_count
                            if flat.is_floating_point()
                            else flat // self.data_count
                        )
                offset = 0
                for v in variables:
                    part = flat[offset : offset + v.numel()].view(v.shape)
                    v.copy_(part.to(v.device))
                    offset += v.numel()

    @contextlib.contextmanager
    def global_metrics(self, metrics):
        """Inside: the metrics hold their values over all processes; after,
        each process's own values again."""
        variables = [v for m in metrics for v in getattr(m, "variables", [])]
        saved = [v.detach().clone() for v in variables]
        self.reduce_metrics(metrics)
        try:
            yield
        finally:
            with torch.no_grad():
                for variable, value in zip(variables, saved):
                    variable.copy_(value)

    def gather_predictions(self, outputs):
        """The full, ordered outputs of `predict` from each process's ordered
        part (a list of per-batch structures of NumPy arrays, maybe empty)."""
        local = (
            tree.map_structure(lambda *parts: np.concatenate(parts), *outputs)
            if outputs
            else None
        )
        if self.data_count == 1:  # every process predicted everything
            if local is None:
                raise ValueError("`predict` received no data: the input is empty.")
            return local
        spec = None if local is None else _map(local, _LeafSpec.of)
        leaves = None if local is None else _leaves(local)
        infos = [None] * self.data_count
        dist.all_gather_object(
            infos, (leaves[0].shape[0] if leaves else 0, spec), group=self.data_group
        )
        spec = next((s for _, s in infos if s is not None), None)
        if spec is None:
            raise ValueError("`predict` received no data: the input is empty.")
        if leaves is None:
            leaves = [leaf.empty() for leaf in _leaves(spec)]
        counts = [count for count, _ in infos]
        gathered = [self._gather_rows(leaf, counts, max(counts)) for leaf in leaves]
        iterator = iter(gathered)
        return _map(spec, lambda _: next(iterator))

    def _gather_rows(self, array, counts, most):
        dtype = array.dtype
        carrier = array.astype(np.uint8) if dtype == np.bool_ else array
        tensor = torch.from_numpy(np.ascontiguousarray(carrier))
        padded = torch.zeros((most, *tensor.shape[1:]), dtype=tensor.dtype)
        padded[: tensor.shape[0]] = tensor
        padded = padded.to(self.device)
        parts = [torch.empty_like(padded) for _ in range(self.data_count)]
        dist.all_gather(parts, padded, group=self.data_group)
        full = torch.cat([p[:n] for p, n in zip(parts, counts)]).cpu().numpy()
        return full.astype(dtype) if dtype == np.bool_ else full


class Shard:
    """How one process takes its share of a dataset of `size` items.

    Training pads the order by repeating its head (as `DistributedSampler`
    does) so every process has `ceil(size / world_size)` items, and deals them
    out round-robin: step `s` of all processes together covers exactly the
    items of step `s` of a single process with the same global batch.
    Evaluation and prediction split the order into contiguous, nearly equal
    parts with no repeats, so metrics and outputs count every item once.
    """

    def __init__(self, run, training):
        self.run = run
        self.training = training
        self.count = run.data_count
        self.index = run.data_index

    def batch_size(self, global_batch_size):
        """This process's batch: `batch_size` is the global batch, as in Keras."""
        if not self.training:
            return max(1, math.ceil(global_batch_size / self.count))
        if global_batch_size % self.count:
            fit = global_batch_size - global_batch_size % self.count + self.count
            raise ValueError(
                f"batch_size={global_batch_size} is the global batch and must be "
                f"divisible by the number of processes ({self.count}): pass "
                f"batch_size={fit}."
            )
        return global_batch_size // self.count

    def size(self, size):
        """How many of `size` items this process gets."""
        if self.training:
            return math.ceil(size / self.count) if size else 0
        return (self.index + 1) * size // self.count - self.index * size // self.count

    def take(self, order):
        """This process's items of `order` (a 1-D index tensor, the same on
        every process)."""
        size = order.shape[0]
        if self.training:
            total = self.size(size) * self.count
            if total > size:
                repeats = math.ceil(total / size)
                order = order.repeat(repeats)[:total]
            return order[self.index :: self.count]
        start = self.index * size // self.count
        return order[start : (self.index + 1) * size // self.count]

    def agree(self, order):
        """`order` as rank 0 drew it (shuffles must match across processes)."""
        return self.run.broadcast(order)


def _check_all_split(model):
    """Under a distribution that splits variables, every trainable variable
    must have been created under it (so its gradient is averaged)."""
    from ember.backend import sharding

    for variable in model.trainable_weights:
        if not sharding.is_sharded(variable):
            raise ValueError(
                f"Variable '{getattr(variable, 'path', variable)}' was created "
                "before the distribution that splits variables was set: call "
                "`ember.distribution.set_distribution(...)` (or enter "
                "`distribution.scope()`) before building the model."
            )


def _aggregation(variable):
    value = getattr(variable, "aggregation", None)
    if value is None:
        value = variable.__dict__.get("_ember_aggregation", "sum")
    return value


class _LeafSpec:
    """The shape (past the batch axis) and dtype of one output of `predict`."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype

    @classmethod
    def of(cls, array):
        return cls(tuple(array.shape[1:]), array.dtype.str)

    def empty(self):
        return np.zeros((0, *self.shape), np.dtype(self.dtype))


def _is_leaf(node):
    return not isinstance(node, (dict, list, tuple))


def _leaves(node):
    if _is_leaf(node):
        return [node]
    values = list(node.values()) if isinstance(node, dict) else node
    return [leaf for value in values for leaf in _leaves(value)]


def _map(node, fn):
    """`node` with each leaf replaced by `fn(leaf)`, leaves visited in the order
    `_leaves` lists them."""
    if _is_leaf(node):
        return fn(node)
    if isinstance(node, dict):
        return {k: _map(v, fn) for k, v in node.items()}
    return type(node)(_map(value, fn) for value in node)
