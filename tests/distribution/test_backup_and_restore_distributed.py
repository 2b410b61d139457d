"""BackupAndRestore under 2 processes (torchrun, gloo, CPU): the whole run is
SIGKILLed mid-epoch and inside a save; rerunning finishes with weights
bit-identical to an uninterrupted 2-process run."""

import json
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import torchrun_launch

HERE = Path(__file__).parent

SCRIPT = HERE.parent / "callbacks" / "resume_script.py"


def _start(backup_dir, out, kill_at_replace=0):
    # 60 samples a process and epoch, 10 a step: 6 steps an epoch; a backup
    # every 4 steps.
    return subprocess.Popen(
        torchrun_launch.command(SCRIPT, backup_dir, out, 20, 4),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=torchrun_launch.environment(KILL_AT_REPLACE=str(kill_at_replace)),
    )


def _kill_tree(pid):
    """SIGKILLs `pid` and its descendants (torchrun starts its workers in
    sessions of their own, so killing its process group does not reach them)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        children = []
    for child in children:
        _kill_tree(child)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _finish(process, kill_after_steps=None):
    """Waits for the run (SIGKILLing all its processes after
    `kill_after_steps` batches); returns the batches trained, None if killed."""
    steps = 0
    for line in process.stdout:
        steps += line.startswith("step")
        if kill_after_steps is not None and steps == kill_after_steps:
            _kill_tree(process.pid)
            break
    _, stderr = process.communicate(timeout=180)
    if kill_after_steps is not None and steps == kill_after_steps:
        return None
    if process.returncode != 0:
        assert "exitcode  : -9" in stderr, stderr[-3000:]  # the hook's SIGKILL
        return None
    return steps


def _result(out, rank):
    with np.load(f"{out}-{rank}.npz") as arrays:
        weights = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    with open(f"{out}-{rank}.json") as f:
        return weights, json.load(f)


def test_two_processes_killed_mid_epoch_and_in_a_save_resume_bit_exact(tmp_path):
    # 18 steps in all, a backup every 4. Killed after 9 steps (mid-epoch 1,
    # after the backup at step 8), then inside the next run's first save;
    # the third run finishes from the last whole backup.
    reference = _start("-", tmp_path / "reference")
    assert _finish(reference) == 18
    backup_dir = tmp_path / "backup"
    assert _finish(_start(backup_dir, tmp_path / "resumed"), 9) is None
    assert backup_dir.is_dir()
    killed = _start(backup_dir, tmp_path / "resumed", kill_at_replace=3)
    assert _finish(killed) is None
    steps = _finish(_start(backup_dir, tmp_path / "resumed"))
    assert steps < 18  # it went on from a backup
    for rank in (0, 1):
        expected, reference_logs = _result(tmp_path / "reference", rank)
        got, logs = _result(tmp_path / "resumed", rank)
        for a, b in zip(expected, got, strict=True):
            assert np.array_equal(a, b)
        epochs = logs["epoch"]
        assert epochs and epochs == list(range(3 - len(epochs), 3))
        for key, values in reference_logs["history"].items():
            assert logs["history"][key] == values[3 - len(epochs) :], key
    assert not backup_dir.exists()
