"""`examples/train_distributed.py` runs unchanged in one process and under torchrun."""

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import ember

EXAMPLE = Path(__file__).parents[2] / "examples" / "train_distributed.py"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_process(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("train_distributed", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "model.keras"
    args = ["--epochs", "1", "--samples", "512", "--out", str(out)]
    module.main([*args, "--backup-dir", str(tmp_path / "backup")])
    assert "1 process(es): test accuracy" in capsys.readouterr().out
    assert out.is_file() and not (tmp_path / "backup").exists()  # backup removed


def test_two_processes_with_torchrun(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    out = tmp_path / "model.keras"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--master-addr=127.0.0.1",
            f"--master-port={_free_port()}",
            str(EXAMPLE),
            "--epochs=1",
            "--samples=512",
            f"--out={out}",
            f"--backup-dir={tmp_path / 'backup'}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # Rank 0 alone prints the summary, with every test sample predicted.
    assert done.stdout.count("2 process(es): test accuracy") == 1
    assert "2000 predictions" in done.stdout
    assert ember.models.load_model(out).count_params() > 0
