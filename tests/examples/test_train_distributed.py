"""`examples/train_distributed.py` runs unchanged in one process and under torchrun."""

from pathlib import Path

import torchrun_launch

import ember

EXAMPLE = Path(__file__).parents[2] / "examples" / "train_distributed.py"


def test_one_process(tmp_path, capsys):
    module = torchrun_launch.load_module(EXAMPLE)
    out = tmp_path / "model.keras"
    args = ["--epochs", "1", "--samples", "512", "--out", str(out)]
    module.main([*args, "--backup-dir", str(tmp_path / "backup")])
    assert "1 process(es): test accuracy" in capsys.readouterr().out
    assert out.is_file() and not (tmp_path / "backup").exists()  # backup removed


def test_two_processes_with_torchrun(tmp_path):
    out = tmp_path / "model.keras"
    done = torchrun_launch.run(
        EXAMPLE,
        "--epochs=1",
        "--samples=512",
        f"--out={out}",
        f"--backup-dir={tmp_path / 'backup'}",
        timeout=180,
    )
    # Rank 0 alone prints the summary, with every test sample predicted.
    assert done.stdout.count("2 process(es): test accuracy") == 1
    assert "2000 predictions" in done.stdout
    assert ember.models.load_model(out).count_params() > 0


def test_two_processes_with_split_variables(tmp_path):
    out = tmp_path / "model.keras"
    done = torchrun_launch.run(
        EXAMPLE,
        "--epochs=1",
        "--samples=256",
        "--split=model",
        f"--out={out}",
        f"--backup-dir={tmp_path / 'backup'}",
        timeout=180,
    )
    assert done.stdout.count("2 process(es): test accuracy") == 1
    loaded = ember.models.load_model(out)  # whole variables, in one process
    assert [tuple(w.shape) for w in loaded.weights] == [
        (3, 3, 1, 16),
        (16,),
        (2704, 10),
        (10,),
    ]
