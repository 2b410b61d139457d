"""`BackupAndRestore`: exact resume after an interruption, mid-epoch included.

The reference is always the same training without the callback; a resumed run
must end with its weights bit for bit and log its epochs' values exactly.
Interruptions are exceptions raised by a callback (in process, fast) and
SIGKILLs of a subprocess at random steps and inside a save.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from ember.callbacks import BackupAndRestore

EPOCHS = 3


class _Interrupted(Exception):
    pass


class _InterruptAfter(ember.callbacks.Callback):
    """Raises after `count` training batches (counted across epochs)."""

    def __init__(self, count):
        super().__init__()
        self.count = count
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.count:
            raise _Interrupted


def _data(samples=70):
    rs = np.random.RandomState(0)
    return rs.rand(samples, 6).astype("float32"), rs.rand(samples, 1).astype("float32")


def _model():
    ember.utils.set_random_seed(1)
    model = ember.Sequential(
        [
            ember.Input((6,)),
            ember.layers.Dense(16, activation="relu"),
            ember.layers.Dropout(0.3, seed=3),  # its own SeedGenerator
            ember.layers.Dropout(0.2),  # the global SeedGenerator
            ember.layers.Dense(1),
        ]
    )
    model.compile(ember.optimizers.Adam(1e-2), "mse", metrics=["mae"])
    return model


def _fit(model, data, callbacks=(), **kwargs):
    kwargs = {"batch_size": 8, "epochs": EPOCHS, "verbose": 0, **kwargs}
    return model.fit(*data, callbacks=list(callbacks), **kwargs)


def _interrupted_then_resumed(data, backup_dir, interrupt_after, **kwargs):
    save_freq = kwargs.pop("save_freq", 3)
    with pytest.raises(_Interrupted):
        _fit(
            _model(),
            data,
            [
                BackupAndRestore(backup_dir, save_freq=save_freq),
                _InterruptAfter(interrupt_after),
            ],
            **kwargs,
        )
    assert os.path.isdir(backup_dir)
    model = _model()
    history = _fit(model, data, [BackupAndRestore(backup_dir, save_freq)], **kwargs)
    return model, history


@pytest.fixture(scope="module")
def reference():
    torch.manual_seed(0)
    data = _data()
    model = _model()
    history = _fit(model, data)
    return data, model.get_weights(), history.history


def _assert_same_run(reference_weights, reference_history, model, history):
    for expected, got in zip(reference_weights, model.get_weights(), strict=True):
        assert np.array_equal(expected, got)
    epochs = history.epoch
    assert epochs == list(range(EPOCHS - len(epochs), EPOCHS))
    for key, values in reference_history.items():
        assert history.history[key] == values[EPOCHS - len(epochs) :], key


# 9 batches per epoch (70 samples, batch 8), a backup every 3 batches.
@pytest.mark.parametrize(
    "interrupt_after, resumed_epochs",
    [
        (2, [0, 1, 2]),  # before the first backup: starts over
        (5, [0, 1, 2]),  # mid-epoch 0 (backup at step 3)
        (9, [0, 1, 2]),  # after the epoch's last batch, before its end
        (13, [1, 2]),  # mid-epoch 1
        (26, [2]),  # mid-epoch 2, the last one
    ],
    ids=["before-first-backup", "mid-epoch-0", "end-of-epoch-0", "mid-1", "mid-2"],
)
def test_resume_mid_epoch_is_exact(
    reference, tmp_path, interrupt_after, resumed_epochs
):
    data, weights, history = reference
    backup_dir = str(tmp_path / "backup")
    model, resumed = _interrupted_then_resumed(data, backup_dir, interrupt_after)
    assert resumed.epoch == resumed_epochs
    _assert_same_run(weights, history, model, resumed)
    assert not os.path.exists(backup_dir)  # delete_checkpoint=True


def test_resume_at_epoch_boundary_with_epoch_saves(reference, tmp_path):
    data, weights, history = reference
    backup_dir = str(tmp_path / "backup")
    # Interrupted in epoch 1: epoch 0's end was backed up, epoch 1 is redone.
    model, resumed = _interrupted_then_resumed(data, backup_dir, 13, save_freq="epoch")
    assert resumed.epoch == [1, 2]
    _assert_same_run(weights, history, model, resumed)


def test_backup_after_the_last_epoch_trains_nothing_more(reference, tmp_path):
    data, weights, _ = reference
    backup_dir = str(tmp_path / "backup")
    _fit(_model(), data, [BackupAndRestore(backup_dir, delete_checkpoint=False)])
    with open(os.path.join(backup_dir, "checkpoint.json")) as f:
        assert json.load(f)["backups"] == ["backup-3"]
    assert sorted(os.listdir(backup_dir)) == ["backup-3", "checkpoint.json"]
    model = _model()
    history = _fit(model, data, [BackupAndRestore(backup_dir)])
    assert history.epoch == []
    for expected, got in zip(weights, model.get_weights(), strict=True):
        assert np.array_equal(expected, got)
    assert not os.path.exists(backup_dir)


def test_resume_with_validation_and_steps_per_execution(tmp_path):
    data = _data()
    kwargs = {"validation_split": 0.2, "shuffle": "batch"}
    reference_model = _model()
    reference_model.compile(
        ember.optimizers.Adam(1e-2), "mse", metrics=["mae"], steps_per_execution=2
    )
    reference_history = _fit(reference_model, data, **kwargs)

    backup_dir = str(tmp_path / "backup")
    interrupted = _model()
    interrupted.compile(
        ember.optimizers.Adam(1e-2), "mse", metrics=["mae"], steps_per_execution=2
    )
    with pytest.raises(_Interrupted):
        # Hooks run every 2 steps: the 5th call is after step 10 (epoch 1).
        _fit(
            interrupted,
            data,
            [BackupAndRestore(backup_dir, save_freq=4), _InterruptAfter(5)],
            **kwargs,
        )
    model = _model()
    model.compile(
        ember.optimizers.Adam(1e-2), "mse", metrics=["mae"], steps_per_execution=2
    )
    history = _fit(model, data, [BackupAndRestore(backup_dir, save_freq=4)], **kwargs)
    assert history.epoch == [1, 2]
    assert "val_loss" in history.history
    _assert_same_run(
        reference_model.get_weights(), reference_history.history, model, history
    )


class _Batches(ember.utils.PyDataset):
    def __init__(self, x, y, batch_size, augment=False):
        super().__init__()
        self.x, self.y, self.batch_size, self.augment = x, y, batch_size, augment

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        x = self.x[rows]
        if self.augment:  # draws as each batch is loaded, between steps
            x = x + np.random.normal(scale=0.1, size=x.shape).astype("float32")
        return x, self.y[rows]


@pytest.mark.parametrize("kind", ["py_dataset", "augmenting_py_dataset", "data_loader"])
def test_resume_mid_epoch_from_datasets(tmp_path, kind):
    x, y = _data()
    if kind.endswith("py_dataset"):
        source = _Batches(x, y, 8, augment=kind.startswith("augmenting"))
    else:
        source = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
            batch_size=8,
            shuffle=True,  # RandomSampler: draws from torch's global generator
        )

    def fit(model, callbacks=()):
        return model.fit(
            source, epochs=EPOCHS, verbose=0, shuffle=True, callbacks=list(callbacks)
        )

    reference_model = _model()
    reference_history = fit(reference_model)
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(_Interrupted):
        fit(_model(), [BackupAndRestore(backup_dir, save_freq=2), _InterruptAfter(14)])
    model = _model()
    history = fit(model, [BackupAndRestore(backup_dir, save_freq=2)])
    assert history.epoch == [1, 2]
    _assert_same_run(
        reference_model.get_weights(), reference_history.history, model, history
    )


def _same_batches(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        for u, v in zip(a, b, strict=True):
            assert torch.equal(torch.as_tensor(u), torch.as_tensor(v))


@pytest.mark.parametrize(
    "kind", ["arrays", "arrays_batch_shuffle", "py_dataset", "data_loader"]
)
def test_iter_from_is_the_tail_of_the_same_epoch(kind):
    from ember.trainers.data.data_adapters import get_data_adapter

    x, y = _data(50)
    if kind.startswith("arrays"):
        shuffle = "batch" if kind == "arrays_batch_shuffle" else True
        adapter = get_data_adapter(x, y, batch_size=8, shuffle=shuffle)
    elif kind == "py_dataset":
        adapter = get_data_adapter(_Batches(x, y, 8), shuffle=True)
    else:
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
            batch_size=8,
            shuffle=True,
        )
        adapter = get_data_adapter(loader)
    torch.manual_seed(5)
    whole = list(adapter)
    after_whole = torch.get_rng_state()
    torch.manual_seed(5)
    tail = list(adapter.iter_from(3))
    _same_batches(whole[3:], tail)
    assert torch.equal(after_whole, torch.get_rng_state())  # the same draws
    assert list(adapter.iter_from(len(whole))) == []


def test_iter_from_of_a_generator_takes_the_remaining_steps():
    from ember.trainers.data.data_adapters import get_data_adapter

    batches = ((np.full((2, 1), i, "float32"),) for i in range(100))
    adapter = get_data_adapter(batches, steps_per_epoch=5)
    assert [int(b[0][0, 0]) for b in adapter.iter_from(3)] == [0, 1]
    assert [int(b[0][0, 0]) for b in adapter] == [2, 3, 4, 5, 6]
    assert list(adapter.iter_from(5)) == [] and not adapter.exhausted


class _TorchBatchNormNet(ember.Model):
    """A model with a plain torch module whose buffers move in training."""

    def __init__(self):
        super().__init__()
        self.dense = ember.layers.Dense(8)
        self.norm = torch.nn.BatchNorm1d(8)
        self.out = ember.layers.Dense(1)

    def call(self, x):
        return self.out(self.norm(self.dense(x)))


def test_resume_with_plain_torch_batch_norm(tmp_path):
    def make():
        ember.utils.set_random_seed(1)
        model = _TorchBatchNormNet()
        model(np.zeros((2, 6), "float32"))
        model.compile("adam", "mse", metrics=["mae"])
        return model

    data = _data()
    reference_model = make()
    reference_history = _fit(reference_model, data)
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(_Interrupted):
        _fit(make(), data, [BackupAndRestore(backup_dir, 3), _InterruptAfter(13)])
    model = make()  # fresh: the compiled metrics are built before restoring
    history = _fit(model, data, [BackupAndRestore(backup_dir, 3)])
    _assert_same_run(
        reference_model.get_weights(), reference_history.history, model, history
    )
    assert torch.equal(reference_model.norm.running_mean, model.norm.running_mean)


def test_double_checkpoint_falls_back_to_previous_backup(reference, tmp_path):
    data, weights, history = reference
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(_Interrupted):
        _fit(
            _model(),
            data,
            [
                BackupAndRestore(backup_dir, save_freq=3, double_checkpoint=True),
                _InterruptAfter(17),
            ],
        )
    with open(os.path.join(backup_dir, "checkpoint.json")) as f:
        newest, previous = json.load(f)["backups"]
    assert sorted(os.listdir(backup_dir)) == sorted(
        [newest, previous, "checkpoint.json"]
    )
    # The newest backup is damaged: the previous one (a step earlier) is used.
    with open(os.path.join(backup_dir, newest, "model.weights.h5"), "wb") as f:
        f.write(b"not an HDF5 file")
    model = _model()
    resumed = _fit(
        model, data, [BackupAndRestore(backup_dir, save_freq=3, double_checkpoint=True)]
    )
    assert resumed.epoch == [1, 2]
    _assert_same_run(weights, history, model, resumed)


def test_damaged_backup_without_double_checkpoint_fails_clearly(reference, tmp_path):
    data, _, _ = reference
    backup_dir = str(tmp_path / "backup")
    _fit(_model(), data, [BackupAndRestore(backup_dir, delete_checkpoint=False)])
    with open(os.path.join(backup_dir, "backup-3", "model.weights.h5"), "wb") as f:
        f.write(b"damaged")
    with pytest.raises(ValueError, match="could not restore the backup.*delete"):
        _fit(_model(), data, [BackupAndRestore(backup_dir)])


def test_backup_of_another_model_fails_clearly(reference, tmp_path):
    data, _, _ = reference
    backup_dir = str(tmp_path / "backup")
    _fit(_model(), data, [BackupAndRestore(backup_dir, delete_checkpoint=False)])
    other = ember.Sequential([ember.Input((6,)), ember.layers.Dense(1)])
    other.compile("adam", "mse")
    with pytest.raises(ValueError, match="different model"):
        _fit(other, data, [BackupAndRestore(backup_dir)])


def test_delete_checkpoint_false_keeps_the_backup(reference, tmp_path):
    data, _, _ = reference
    backup_dir = str(tmp_path / "backup")
    _fit(
        _model(),
        data,
        [BackupAndRestore(backup_dir, save_freq=4, delete_checkpoint=False)],
    )
    assert os.path.isfile(os.path.join(backup_dir, "checkpoint.json"))


# Errors ------------------------------------------------------------------------


@pytest.mark.parametrize("save_freq", ["batch", 0, -3, 2.5, True, None])
def test_bad_save_freq(tmp_path, save_freq):
    with pytest.raises(ValueError, match=r"Invalid value for argument `save_freq`"):
        BackupAndRestore(str(tmp_path), save_freq=save_freq)


@pytest.mark.parametrize("backup_dir", ["", None])
def test_missing_backup_dir(backup_dir):
    with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
        BackupAndRestore(backup_dir)


def test_backup_dir_that_cannot_be_created(reference, tmp_path):
    data, _, _ = reference
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    callback = BackupAndRestore(str(blocker / "backup"))
    with pytest.raises(OSError, match="cannot write its backup to.*a_file.*Not a"):
        _fit(_model(), data, [callback])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_backup_dir(reference, tmp_path):
    data, _, _ = reference
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="cannot write its backup"):
            _fit(_model(), data, [BackupAndRestore(str(folder))])
    finally:
        folder.chmod(0o700)


def test_unbuilt_model(tmp_path):
    model = ember.Sequential([ember.layers.Dense(1)])
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match="must be built before you call `fit"):
        model.fit(*_data(), verbose=0, callbacks=[BackupAndRestore(str(tmp_path))])


def test_folder_of_other_files_is_refused(reference, tmp_path):
    data, _, _ = reference
    (tmp_path / "checkpoint.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a backup written by BackupAndRestore"):
        _fit(_model(), data, [BackupAndRestore(str(tmp_path))])


# Killed processes --------------------------------------------------------------

SCRIPT = os.path.join(os.path.dirname(__file__), "resume_script.py")


def _start_child(script, backup_dir, out, kill_at_replace=0):
    env = dict(os.environ, KILL_AT_REPLACE=str(kill_at_replace))
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(ember.__file__)), env.get("PYTHONPATH", "")]
    )
    return subprocess.Popen(
        [sys.executable, str(script), backup_dir, str(out), "10", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish_child(process, kill_after_steps=None):
    """Waits for the script (SIGKILLing it after `kill_after_steps` batches);
    returns the number of batches it trained, or None if it was killed."""
    steps = 0
    for line in process.stdout:
        steps += line.startswith("step")
        if kill_after_steps is not None and steps == kill_after_steps:
            process.send_signal(signal.SIGKILL)
            break
    _, stderr = process.communicate(timeout=120)
    if process.returncode == -signal.SIGKILL:
        return None
    assert process.returncode == 0, stderr
    return steps


def _run_child(script, backup_dir, out, kill_after_steps=None, kill_at_replace=0):
    process = _start_child(script, backup_dir, out, kill_at_replace)
    return _finish_child(process, kill_after_steps)


def _child_result(out):
    with np.load(f"{out}.npz") as arrays:
        weights = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    with open(f"{out}.json") as f:
        return weights, json.load(f)


def _killed_until_done(tmp_path, kills):
    script = SCRIPT
    # The uninterrupted run (without the callback) runs alongside.
    reference_run = _start_child(script, "-", tmp_path / "reference")
    backup_dir = str(tmp_path / "backup")
    for kill in kills:
        steps = _run_child(script, backup_dir, tmp_path / "resumed", **kill)
        assert steps is None, f"the run was not killed ({kill})"
        assert os.path.isdir(backup_dir)
    steps = _run_child(script, backup_dir, tmp_path / "resumed")
    assert steps < 36  # it went on from a backup
    assert _finish_child(reference_run) == 36
    reference_weights, reference = _child_result(tmp_path / "reference")
    weights, resumed = _child_result(tmp_path / "resumed")
    for expected, got in zip(reference_weights, weights, strict=True):
        assert np.array_equal(expected, got)
    epochs = resumed["epoch"]
    assert epochs and epochs == list(range(3 - len(epochs), 3))
    for key, values in reference["history"].items():
        assert resumed["history"][key] == values[3 - len(epochs) :], key
    assert not os.path.exists(backup_dir)
    return epochs


def test_sigkill_mid_epoch_and_during_saves_resumes_bit_exact(tmp_path):
    # 12 batches per epoch, a backup every 5. Killed at a seeded random step
    # of epoch 0 (after the first backup), then inside the next run's first
    # save: its folder complete, checkpoint.json not yet pointing at it. The
    # last run resumes mid-epoch 0 and logs epoch 0 as an uninterrupted run.
    rng = random.Random(1234)
    kills = [{"kill_after_steps": rng.randint(6, 11)}, {"kill_at_replace": 3}]
    assert _killed_until_done(tmp_path, kills) == [0, 1, 2]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigkill_at_many_random_moments(tmp_path, seed):
    rng = random.Random(seed)
    kills = []
    for _ in range(6):
        if rng.random() < 0.5:
            kills.append({"kill_after_steps": rng.randint(1, 8)})
        else:
            kills.append({"kill_at_replace": rng.randint(1, 6)})
    _killed_until_done(tmp_path, kills)


def test_interrupted_save_leaves_previous_backup(reference, tmp_path, monkeypatch):
    """An in-process stand-in for a kill inside a save: the write fails half
    way, the previous backup stays the one restored, and the next save cleans
    up what the failed one left."""
    data, weights, history = reference
    backup_dir = str(tmp_path / "backup")
    real_replace, calls = os.replace, [0]

    def failing_replace(source, target):
        calls[0] += 1
        if calls[0] == 5:  # the second save's state file
            raise _Interrupted
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(_Interrupted):
        _fit(_model(), data, [BackupAndRestore(backup_dir, save_freq=3)])
    monkeypatch.setattr(os, "replace", real_replace)
    with open(os.path.join(backup_dir, "checkpoint.json")) as f:
        assert json.load(f)["backups"] == ["backup-1"]
    assert "backup-2" in os.listdir(backup_dir)  # the part-written one
    model = _model()
    resumed = _fit(model, data, [BackupAndRestore(backup_dir, save_freq=3)])
    assert resumed.epoch == [0, 1, 2]
    _assert_same_run(weights, history, model, resumed)
    shutil.rmtree(backup_dir, ignore_errors=True)
