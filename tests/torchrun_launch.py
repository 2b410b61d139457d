"""Launching test scripts as several processes with `torchrun` (gloo, CPU)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
_LAUNCH = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def environment(**extra) -> dict:
    """This process's environment without a launcher's variables, with ember
    importable and one thread per process."""
    env = dict(os.environ, OMP_NUM_THREADS="1", **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    for name in _LAUNCH:
        env.pop(name, None)
    return env


def command(script, *args, processes=2) -> list:
    """The `torchrun` command line that runs `script args...` as `processes`."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        f"--nproc_per_node={processes}",
        # torchrun picks a free port itself: no race with other programs
        # between choosing a port and binding it.
        "--standalone",
        str(script),
        *map(str, args),
    ]


def run(script, *args, timeout=240, **extra):
    """Runs `script` under torchrun as 2 processes; fails with its output if
    it fails."""
    done = subprocess.run(
        command(script, *args),
        env=environment(**extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def load_module(path):
    """The Python file `path` imported as a module (to run it in-process)."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
