"""The processes and devices of a run: `list_devices`, `initialize` and friends.

ember scales out the way PyTorch does: one process per device, started by
`torchrun` (or any launcher that sets `MASTER_ADDR`, `MASTER_PORT`, `RANK`,
`WORLD_SIZE` and `LOCAL_RANK`), joined by `torch.distributed`. Devices are named
as Keras names them, `"gpu:0"`, `"cpu:0"`; under several processes the list is
the global one, one device per process, numbered by rank.
"""

import atexit
import datetime
import os

import torch
import torch.distributed as dist

_TORCHRUN_VARIABLES = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE")


def list_devices(device_type=None) -> list:
    """Returns the devices available for distributed computation.

    Under several processes (`torchrun`) these are the global devices, one per
    process: `["gpu:0", "gpu:1", ...]` numbered by rank. In a single process they
    are the local devices: every CUDA device, else `["cpu:0"]`.

    Args:
        device_type: `"cpu"` or `"gpu"`. Defaults to `None`, meaning `"gpu"`
            when CUDA is available, else `"cpu"`.

    Returns:
        A list of strings such as `"gpu:0"` or `"cpu:0"`.

    Example:

    >>> ember.distribution.list_devices("cpu")
    ['cpu:0']
    """
    kind = _device_type(device_type)
    processes = num_processes()
    if processes > 1:
        return [f"{kind}:{rank}" for rank in range(processes)]
    if kind == "gpu":
        return [f"gpu:{i}" for i in range(torch.cuda.device_count())]
    return ["cpu:0"]


def get_device_count(device_type=None) -> int:
    """Returns the number of devices `list_devices(device_type)` lists."""
    return len(list_devices(device_type))


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Joins this process to the others of the run (`torch.distributed`).

    Under `torchrun` no argument is needed: the launcher's environment
    (`MASTER_ADDR`, `MASTER_PORT`, `RANK`, `WORLD_SIZE`, `LOCAL_RANK`) says
    everything; `fit()` even calls this itself. Elsewhere give the arguments
    or Keras's variables `KERAS_DISTRIBUTION_JOB_ADDRESSES`,
    `KERAS_DISTRIBUTION_NUM_PROCESSES` and `KERAS_DISTRIBUTION_PROCESS_ID`. The
    process group uses NCCL when CUDA is available (each process on
    `cuda:LOCAL_RANK`), gloo on the CPU otherwise. Calling it again once
    joined only checks that the arguments agree with the running group.

    Args:
        job_addresses: Comma-separated `host:port` addresses of the jobs; the
            first one (process 0) is the rendezvous point. Defaults to `None`,
            meaning `MASTER_ADDR:MASTER_PORT`.
        num_processes: The number of processes of the run. Defaults to `None`,
            meaning `WORLD_SIZE`.
        process_id: This process's index, from `0` to `num_processes - 1`.
            Defaults to `None`, meaning `RANK`.

    Example:

    ```python
    # torchrun --nproc_per_node=2 train.py
    ember.distribution.initialize()
    ```
    """
    job_addresses = job_addresses or os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    num_processes = _int_or_none(
        num_processes, "KERAS_DISTRIBUTION_NUM_PROCESSES", "num_processes"
    )
    process_id = _int_or_none(process_id, "KERAS_DISTRIBUTION_PROCESS_ID", "process_id")
    if dist.is_available() and dist.is_initialized():
        _check_agrees(num_processes, process_id)
        return
    if job_addresses:
        addresses = [a.strip() for a in str(job_addresses).split(",") if a.strip()]
        if num_processes is not None and len(addresses) > 1:
            if len(addresses) != num_processes:
                raise ValueError(
                    f"`job_addresses` lists {len(addresses)} jobs but "
                    f"num_processes={num_processes}: give one address per process."
                )
        host, _, port = addresses[0].rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(
                "Invalid value for argument `job_addresses` of `initialize`: expected "
                f"'host:port' entries. Received: job_addresses={job_addresses!r}."
            )
        os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = host, port
    world_size = env_int("WORLD_SIZE")
    if num_processes is not None and world_size is not None:
        if world_size != num_processes:
            raise ValueError(
                f"Mismatched world sizes: num_processes={num_processes} but "
                f"WORLD_SIZE={world_size}; set both to the number of processes "
                "you launch."
            )
    world_size = num_processes if num_processes is not None else world_size
    rank = process_id if process_id is not None else env_int("RANK")
    missing = [
        name
        for name, value in (
            ("MASTER_ADDR", os.environ.get("MASTER_ADDR")),
            ("MASTER_PORT", os.environ.get("MASTER_PORT")),
            ("RANK", rank),
            ("WORLD_SIZE", world_size),
        )
        if value is None
    ]
    if missing:
        raise RuntimeError(
            f"ember.distribution.initialize(): {', '.join(missing)} not set. Launch "
            "with `torchrun --nproc_per_node=N script.py`, or set MASTER_ADDR, "
            "MASTER_PORT, RANK and WORLD_SIZE (or pass job_addresses, "
            "num_processes and process_id)."
        )
    if not 0 <= rank < world_size:
        raise ValueError(
            f"This process's rank is {rank} but the world size is {world_size}: "
            f"set RANK (process_id) between 0 and {world_size - 1}."
        )
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        local_processes = env_int("LOCAL_WORLD_SIZE") or 1
        if local_processes > torch.cuda.device_count():
            raise RuntimeError(
                f"{local_processes} processes on this machine but "
                f"{torch.cuda.device_count()} GPU(s): launch one process per GPU "
                f"(--nproc_per_node={torch.cuda.device_count()}), or set "
                "CUDA_VISIBLE_DEVICES='' to train on the CPU with gloo."
            )
        local = env_int("LOCAL_RANK")
        torch.cuda.set_device(rank if local is None else local)
    dist.init_process_group(
        backend,
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(minutes=30),
    )
    atexit.register(_leave_process_group)


def _leave_process_group():
    """Leaves the process group ember joined when the program ends: exiting with
    gloo's threads still running aborts the process ("terminate called without an
    active exception"), which torchrun reports as a failure."""
    if dist.is_available() and dist.is_initialized():
        # No barrier first: a process leaving on an error must not wait for
        # the others (torchrun then stops them at once).
        dist.destroy_process_group()


def num_processes() -> int:
    """The number of processes of the run (1 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    if launched_by_torchrun():
        return env_int("WORLD_SIZE")
    return 1


def process_id() -> int:
    """This process's rank (0 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    if launched_by_torchrun():
        return env_int("RANK")
    return 0


def local_rank() -> int:
    """This process's index on its machine (`LOCAL_RANK`, else the rank)."""
    value = env_int("LOCAL_RANK")
    return process_id() if value is None else value


def is_chief() -> bool:
    """Whether this process is rank 0, the one that prints and writes files."""
    return process_id() == 0


def launched_by_torchrun() -> bool:
    """Whether a launcher set the variables a process group is joined with."""
    return all(name in os.environ for name in _TORCHRUN_VARIABLES)


def rank_device() -> torch.device:
    """The device this process trains on: `cuda:LOCAL_RANK` when the process
    group runs on CUDA (NCCL), else the CPU."""
    if dist.is_available() and dist.is_initialized():
        backend = dist.get_backend()
        if "nccl" in str(backend):
            if not torch.cuda.is_available():
                raise RuntimeError(
                    "The process group uses NCCL, which needs CUDA, but this process "
                    "sees no GPU: set CUDA_VISIBLE_DEVICES or init_process_group("
                    "backend='gloo') to train on the CPU."
                )
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _device_type(device_type):
    if device_type is None:
        return "gpu" if torch.cuda.is_available() else "cpu"
    kind = str(device_type).lower()
    if kind == "cuda":
        kind = "gpu"
    if kind not in ("cpu", "gpu"):
        raise ValueError(
            "Invalid value for argument `device_type` of `list_devices`: expected "
            "'cpu' or 'gpu' (PyTorch has no TPUs). Received: "
            f"device_type={device_type!r}."
        )
    return kind


def _check_agrees(num_processes, process_id):
    world_size, rank = dist.get_world_size(), dist.get_rank()
    if num_processes is not None and num_processes != world_size:
        raise ValueError(
            f"Mismatched world sizes: num_processes={num_processes} but the running "
            f"process group has {world_size} processes; pass num_processes="
            f"{world_size} or relaunch with {num_processes} processes."
        )
    if process_id is not None and process_id != rank:
        raise ValueError(
            f"process_id={process_id} but this process is rank {rank} of the running "
            f"process group; pass process_id={rank}."
        )


def env_int(name):
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"The environment variable {name}={value!r} must be an integer."
        ) from None


def _int_or_none(value, variable, argument):
    if value is None:
        value = env_int(variable)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"Invalid value for argument `{argument}` of `initialize`: expected a "
            f"non-negative integer. Received: {argument}={value!r}."
        )
    return value
