"""`BackupAndRestore`: an interrupted `fit` goes on exactly where it stopped.

A backup is one folder, `backup-<n>`, holding the weights with the optimizer
state (`model.weights.h5`) and the rest of the training state
(`training_state.json`: epoch and step, random states, the running metrics of
a part-done epoch). `checkpoint.json`, replaced atomically, names the folder to
restore; a folder is named there only once it is complete, so a process killed
at any moment, during a save included, leaves the previous backup or the new
one to restore, never a part of one.

Resuming inside an epoch replays the epoch's data order: the random states at
the epoch's start are kept with the backup, the data adapter draws its order
again from them (`iter_from(step)` skips the batches already trained on), and
the random states of the moment of the save are restored before the next batch
is loaded (so a PyDataset's random augmentation draws as it did).
"""

import base64
import itertools
import json
import os
import random
import re
import shutil

import numpy as np
import torch

from ember.backend.files import atomic_write, fsync_folder
from ember.callbacks.callback import Callback, batches_due
from ember.distribution.runtime import is_chief
from ember.random import seed_generator as seed_module
from ember.saving import saving_api

_POINTER = "checkpoint.json"
_WEIGHTS = "model.weights.h5"
_STATE = "training_state.json"
_FORMAT = "ember.BackupAndRestore"
_VERSION = 1
_BACKUP_NAME = re.compile(r"backup-(\d+)")


class BackupAndRestore(Callback):
    """Backs up the training state during `fit` and restores it after a crash.

    Run the same script again after an interruption (a crash, a preemption, a
    killed process): `fit` starts from the last backup instead of from
    scratch. Restored are the weights, the optimizer state, the epoch and the
    step within it, the random states (Python's `random`, NumPy's global
    generator, torch's CPU and CUDA generators, ember's `SeedGenerator`s) and,
    mid-epoch, the epoch's data order and its metrics so far. On the CPU with
    deterministic settings the resumed run ends with the weights an
    uninterrupted run ends with, bit for bit, and logs the same epoch values.
    Data that `fit` cannot replay (a Python generator, a `PyDataset` that
    reshuffles itself) resumes at the right epoch and step with the batches
    the new run's data gives.

    The model restored must be the model backed up: the same architecture,
    compiled the same way, and built before `fit` (use `keras.Input`, or call
    it on a batch). At the end of `fit` the backup is deleted (see
    `delete_checkpoint`); an interrupted `fit` keeps it.

    Args:
        backup_dir: Path of the folder to keep the backup in, created if
            needed. Use it for nothing else: no other run's backups, no
            `ModelCheckpoint` files.
        save_freq: `"epoch"` to back up at the end of each epoch, or an
            integer `n` to back up every `n` batches (a resumed run then goes
            on inside the epoch). `False` never backs up (restoring only).
            Defaults to `"epoch"`.
        double_checkpoint: Keep the previous backup too, and restore it when
            the latest one cannot be read (a damaged disk). Takes twice the
            space. Defaults to `False`.
        delete_checkpoint: Delete `backup_dir` when `fit` ends. Use `False` to
            keep the last backup. Defaults to `True`.

    Example:

    ```python
    backup = keras.callbacks.BackupAndRestore("/tmp/backup", save_freq=100)
    model.fit(x, y, epochs=10, callbacks=[backup])
    # Killed in epoch 4? Running the script again trains from the last
    # backup (epoch 4, its 100th/200th/... batch) to the end of epoch 10;
    # `history.history["loss"]` then holds epochs 4 to 10.
    ```
    """

    def __init__(
        self,
        backup_dir,
        save_freq="epoch",
        double_checkpoint=False,
        delete_checkpoint=True,
    ):
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not os.fspath(backup_dir):
            raise ValueError(
                "Empty `backup_dir` argument passed: `BackupAndRestore` needs a "
                "folder to keep its backup in, e.g. backup_dir='/tmp/backup'. "
                f"Received: backup_dir={backup_dir!r}"
            )
        if save_freq is not False and (
            save_freq != "epoch"
            and (
                not isinstance(save_freq, int)
                or isinstance(save_freq, bool)
                or save_freq < 1
            )
        ):
            raise ValueError(
                "Invalid value for argument `save_freq`. "
                f"Received: save_freq={save_freq!r}. Expected either 'epoch' or "
                "a positive integer value (back up every `save_freq` batches)."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1  # the last batch index seen in this epoch
        self._current_epoch = 0
        self._epoch_rng = None
        self._backups = []  # folder names in `checkpoint.json`, newest first

    # Hooks ------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        model = self.model
        if not model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built "
                f"before you call `fit()`. Model {model.name!r} is unbuilt. Build "
                "it with `keras.Input` as its first layer, or by calling it on a "
                "batch of data."
            )
        if is_chief():
            self._check_folder()
        self._current_epoch = 0
        self._last_batch_seen = -1
        self._batches_seen_since_last_saving = 0
        self._backups = self._read_pointer()
        state = self._restore()
        if state is None:
            return
        epoch, step = state["epoch"], state["step"]
        state.update(_own_part(state))
        self._current_epoch = epoch
        self._last_batch_seen = step - 1
        rng = _decode(state["rng"])
        _set_rng_state(model, rng)
        # The trainer reads this once, after `on_train_begin`.
        model.__dict__["_resume"] = _Resume(
            self,
            epoch,
            step,
            _decode(state["epoch_rng"]),
            rng,
            _decode(state["metrics"]),
        )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        # The data order is drawn next: keep what it is drawn from.
        self._epoch_rng = _host_rng_state()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save(self._current_epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._last_batch_seen = -1
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and is_chief() and os.path.isdir(self.backup_dir):
            # The pointer first: a kill during the removal leaves no backup
            # named, rather than a named one with files missing.
            pointer = os.path.join(self.backup_dir, _POINTER)
            if os.path.exists(pointer):
                os.remove(pointer)
                fsync_folder(self.backup_dir)
            shutil.rmtree(self.backup_dir)

    def _should_save_on_batch(self, batch):
        if self.save_freq in ("epoch", False):
            return False
        return batches_due(self, batch, self.save_freq)

    # Saving -----------------------------------------------------------------

    def _save(self, epoch, step):
        """Writes backup `epoch`/`step` (the next batch to train) in a new
        folder, then points `checkpoint.json` at it."""
        mid_epoch = step > 0
        # Each process's own random states and running metrics (under
        # torchrun they differ by process), gathered for rank 0 to write.
        parts = _gather_objects(
            {
                "rng": _encode(_rng_state(self.model)),
                "epoch_rng": _encode(self._epoch_rng if mid_epoch else None),
                "metrics": _encode(
                    [v.detach().cpu() for v in _metric_variables(self.model)]
                    if mid_epoch
                    else None
                ),
            }
        )
        with saving_api.gathered(self.model):  # every process, if split
            if is_chief():  # under torchrun, rank 0 writes
                self._write(epoch, step, parts)

    def _write(self, epoch, step, parts):
        state = {
            "format": _FORMAT,
            "version": _VERSION,
            "epoch": epoch,
            "step": step,
            **parts[0],
        }
        if len(parts) > 1:
            state["processes"] = parts
        name = f"backup-{self._newest_number() + 1}"
        folder = os.path.join(self.backup_dir, name)
        if os.path.exists(folder):  # left by a save that was cut short
            shutil.rmtree(folder)
        os.makedirs(folder)
        fsync_folder(self.backup_dir)
        self.model.save_weights(os.path.join(folder, _WEIGHTS), overwrite=True)
        with atomic_write(os.path.join(folder, _STATE)) as temporary:
            with open(temporary, "w") as f:
                json.dump(state, f)
        keep = [name] + (self._backups[:1] if self.double_checkpoint else [])
        with atomic_write(os.path.join(self.backup_dir, _POINTER)) as temporary:
            with open(temporary, "w") as f:
                json.dump({"format": _FORMAT, "backups": keep}, f)
        self._backups = keep
        self._remove_unused()

    def _newest_number(self):
        numbers = [int(_BACKUP_NAME.fullmatch(n).group(1)) for n in self._backups]
        return max(numbers, default=0)

    def _remove_unused(self):
        """Removes backups no longer named, and what cut-short saves left."""
        for entry in os.listdir(self.backup_dir):
            path = os.path.join(self.backup_dir, entry)
            if _BACKUP_NAME.fullmatch(entry) and entry not in self._backups:
                shutil.rmtree(path, ignore_errors=True)
            elif entry.startswith(f".{_POINTER}.") and entry.endswith(".tmp"):
                os.remove(path)

    def _check_folder(self):
        error_type = PermissionError
        try:
            os.makedirs(self.backup_dir, exist_ok=True)
            writable = os.access(self.backup_dir, os.W_OK | os.X_OK)
        except OSError as error:
            error_type = type(error)
            reason = error.strerror or str(error)
        else:
            if writable:
                return
            reason = "permission denied"
        raise error_type(
            f"`BackupAndRestore` cannot write its backup to "
            f"backup_dir={self.backup_dir!r} ({reason}). Pass a folder this "
            "process can create and write to."
        )

    # Restoring --------------------------------------------------------------

    def _read_pointer(self):
        path = os.path.join(self.backup_dir, _POINTER)
        if not os.path.exists(path):
            return []
        try:
            with open(path) as f:
                pointer = json.load(f)
            backups = [str(name) for name in pointer["backups"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"`BackupAndRestore` cannot read {path!r} ({error}). It is not a "
                "backup written by BackupAndRestore: give `backup_dir` a folder "
                "of its own, or delete this one to start training from scratch."
            ) from error
        if not backups or not all(_BACKUP_NAME.fullmatch(n) for n in backups):
            raise ValueError(
                f"`BackupAndRestore` found no backup named in {path!r}: delete "
                "the folder to start training from scratch."
            )
        return backups

    def _restore(self):
        """Loads the newest readable backup into the model; returns its state."""
        candidates = self._backups[: 2 if self.double_checkpoint else 1]
        first_error = None
        for name in candidates:
            try:
                return self._restore_from(os.path.join(self.backup_dir, name))
            except (OSError, ValueError, KeyError, TypeError) as error:
                first_error = first_error or error
        if first_error is None:
            return None
        raise ValueError(
            "`BackupAndRestore` could not restore the backup in "
            f"{self.backup_dir!r}: {first_error} The backup is damaged or was "
            "made by a different model (or compile settings); delete the folder "
            "to start training from scratch."
        ) from first_error

    def _restore_from(self, folder):
        # Read and check everything before the model is changed.
        with open(os.path.join(folder, _STATE)) as f:
            state = json.load(f)
        if state.get("format") != _FORMAT or state.get("version") != _VERSION:
            raise ValueError(f"{folder!r} does not hold a known backup format.")
        model = self.model
        optimizer = model.optimizer
        if optimizer is not None and not optimizer.built:
            # The optimizer's slots must exist for its state to load into.
            optimizer.build(model.trainable_weights)
        model.load_weights(os.path.join(folder, _WEIGHTS))
        return state


class _Resume:
    """What the trainer needs to go on inside the backed-up epoch."""

    def __init__(self, callback, epoch, step, epoch_rng, rng, metrics):
        self.callback = callback
        self.epoch, self.step = epoch, step
        self._epoch_rng, self._rng, self._metrics = epoch_rng, rng, metrics

    def enter_epoch(self, model, adapter):
        """Returns `(first_step, batches)` for the resumed epoch, with the
        metrics and random states as they were when the backup was made."""
        if self.step == 0:
            return 0, adapter
        # 1. The epoch's order, drawn from the epoch's starting states; then
        # the states of the moment of the backup, before the next batch is
        # loaded (loading may draw too: augmentation in a PyDataset).
        restored = []

        def ready():
            _set_rng_state(model, self._rng)
            restored.append(True)

        _set_host_rng_state(self._epoch_rng)
        batches = adapter.iter_from(self.step, ready)
        first = next(batches, None)
        if not restored:
            ready()
        # 2. The metrics of the batches done, built first as a step would (a
        # forward pass in inference, whose random draws, if any, are undone).
        states = _rng_state(model)
        model._build_compiled(lambda: next(iter(adapter)) if first is None else first)
        _set_rng_state(model, states)
        variables = _metric_variables(model)
        if len(variables) != len(self._metrics) or any(
            tuple(v.shape) != tuple(s.shape) for v, s in zip(variables, self._metrics)
        ):
            raise ValueError(
                "`BackupAndRestore`: the backup holds the state of "
                f"{len(self._metrics)} metric variables but the model's metrics "
                f"have {len(variables)}. Compile the model as it was compiled "
                "when backed up, or delete the backup folder to start over."
            )
        with torch.no_grad():
            for variable, value in zip(variables, self._metrics):
                variable.copy_(value)
        self.callback._epoch_rng = self._epoch_rng
        if first is None:
            return self.step, iter(())
        return self.step, itertools.chain([first], batches)


# Random states ---------------------------------------------------------------


def _host_rng_state():
    """The global generators' states: Python, NumPy, torch (CPU and CUDA)."""
    cuda = None
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        cuda = torch.cuda.get_rng_state_all()
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
        "cuda": cuda,
    }


def _set_host_rng_state(state):
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    np.random.set_state(tuple(state["numpy"]))
    torch.set_rng_state(state["torch"])
    cuda = state["cuda"]
    if cuda is not None and torch.cuda.is_available():
        if len(cuda) != torch.cuda.device_count():
            raise ValueError(
                f"The backup holds the random states of {len(cuda)} CUDA devices "
                f"but {torch.cuda.device_count()} are visible: resume with the "
                "same devices."
            )
        torch.cuda.set_rng_state_all(cuda)


def _rng_state(model):
    """The host generators plus ember's: the global `SeedGenerator` (behind
    `seed=None`) and every `SeedGenerator` of the model's layers."""
    ember_global = seed_module._global_generator
    return {
        **_host_rng_state(),
        "ember_global": None
        if ember_global is None
        else ember_global.state.detach().clone(),
        "seed_generators": [g.state.detach().clone() for g in _seed_generators(model)],
    }


def _set_rng_state(model, state):
    # ember's first: recreating the global generator draws from Python's.
    if state["ember_global"] is None:
        seed_module.reset_global_seed_generator()
    else:
        _copy_into(seed_module.global_seed_generator().state, state["ember_global"])
    generators = _seed_generators(model)
    if len(generators) != len(state["seed_generators"]):
        raise ValueError(
            f"The backup holds {len(state['seed_generators'])} seed generator "
            f"states but the model has {len(generators)} `SeedGenerator`s: restore "
            "into the model that was backed up."
        )
    for generator, value in zip(generators, state["seed_generators"]):
        _copy_into(generator.state, value)
    _set_host_rng_state(state)


def _seed_generators(model):
    """The `SeedGenerator`s held by the model's layers, in module order."""
    found, seen = [], set()
    for module in model.modules():
        for value in vars(module).values():
            items = value if isinstance(value, (list, tuple)) else (value,)
            for item in items:
                if isinstance(item, seed_module.SeedGenerator) and id(item) not in seen:
                    seen.add(id(item))
                    found.append(item)
    return found


def _copy_into(variable, value):
    with torch.no_grad():
        variable.copy_(torch.as_tensor(value))


def _gather_objects(value):
    """`[value of process 0, value of process 1, ...]` (`[value]` alone)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return [value]
    values = [None] * dist.get_world_size()
    dist.all_gather_object(values, value)
    return values


def _own_part(state):
    """This process's random states and metrics from a backup's `state`."""
    import torch.distributed as dist

    parts = state.get("processes")
    count = dist.get_world_size() if dist.is_initialized() else 1
    if parts is None:
        return {}
    if len(parts) != count:
        raise ValueError(
            f"The backup was made by {len(parts)} processes and {count} now run: "
            f"resume with `torchrun --nproc_per_node={len(parts)}` (the same "
            "number of processes), or delete the backup folder to start over."
        )
    return parts[dist.get_rank() if count > 1 else 0]


def _metric_variables(model):
    return [v for metric in model.metrics for v in metric.variables]


# JSON encoding of states (arrays as base64, exact) -----------------------------


def _encode(value):
    if isinstance(value, torch.Tensor):
        return {"__tensor__": _array(value.detach().cpu().numpy())}
    if isinstance(value, np.ndarray):
        return {"__array__": _array(value)}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value):
    if isinstance(value, dict):
        if "__tensor__" in value:
            return torch.from_numpy(_from_array(value["__tensor__"]))
        if "__array__" in value:
            return _from_array(value["__array__"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _array(array):
    array = np.array(array, order="C")  # keeps 0-d arrays 0-d
    return {
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "data": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def _from_array(record):
    data = base64.b64decode(record["data"])
    array = np.frombuffer(data, dtype=np.dtype(record["dtype"]))
    return array.reshape(record["shape"]).copy()
