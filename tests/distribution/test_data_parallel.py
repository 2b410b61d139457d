"""Data-parallel fit/evaluate/predict: 2 processes (torchrun, gloo, CPU) against 1."""

import csv
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
SCENARIO = HERE / "distributed_scenario.py"


def _scenario():
    spec = importlib.util.spec_from_file_location("distributed_scenario", SCENARIO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The scenario run by `torchrun` as 2 processes, and in this process as 1."""
    two = tmp_path_factory.mktemp("two")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(HERE.parents[1]))
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--master-addr=127.0.0.1",
            f"--master-port={_free_port()}",
            str(SCENARIO),
            str(two),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    one = tmp_path_factory.mktemp("one")
    _scenario().main(str(one))
    return one, two


def _load(directory, tag):
    arrays = np.load(directory / f"{tag}.npz")
    with open(directory / f"{tag}.json") as f:
        return arrays, json.load(f)


def test_final_weights_match_one_process(runs):
    one, two = runs
    single, _ = _load(one, "single")
    for rank in (0, 1):
        arrays, _ = _load(two, f"rank{rank}")
        weights = [k for k in single.files if k.startswith("arr_")]
        assert len(weights) == 4
        for key in weights:
            np.testing.assert_allclose(arrays[key], single[key], atol=1e-5, rtol=0)
        np.testing.assert_allclose(
            arrays["custom"], single["custom"], atol=1e-5, rtol=0
        )


def test_history_and_evaluate_are_global(runs):
    one, two = runs
    _, single = _load(one, "single")
    for rank in (0, 1):
        _, logs = _load(two, f"rank{rank}")
        assert sorted(logs["history"]) == ["loss", "mae", "val_loss", "val_mae"]
        for key, values in single["history"].items():
            np.testing.assert_allclose(logs["history"][key], values, rtol=1e-5)
        np.testing.assert_allclose(logs["evaluate"], single["evaluate"], rtol=1e-5)


def test_predict_returns_every_sample_in_order(runs):
    one, two = runs
    single, _ = _load(one, "single")
    assert single["predicted"].shape == (37, 2)
    for rank in (0, 1):
        arrays, _ = _load(two, f"rank{rank}")
        assert arrays["predicted"].shape == (37, 2)
        np.testing.assert_allclose(
            arrays["predicted"], single["predicted"], atol=1e-5, rtol=0
        )


def test_only_rank_zero_prints_and_the_printed_metrics_are_global(runs):
    _, two = runs
    _, logs = _load(two, "rank0")
    assert (two / "rank1.stdout").read_text() == ""
    lines = [
        line
        for line in (two / "rank0.stdout").read_text().splitlines()
        if "loss:" in line
    ]
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        printed = dict(re.findall(r"(\w+): ([-\d.e+]+)", line))
        assert sorted(printed) == sorted(logs["history"])
        for key, value in printed.items():
            assert float(value) == pytest.approx(logs["history"][key][epoch], abs=1e-4)


def test_csv_log_is_written_once_by_rank_zero(runs):
    _, two = runs
    _, logs = _load(two, "rank0")
    assert (two / "rank0-0.csv").exists()
    assert not (two / "rank1-1.csv").exists()
    with open(two / "log.csv") as f:  # the path both processes were given
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for row, loss in zip(rows, logs["history"]["loss"]):
        assert float(row["loss"]) == pytest.approx(loss, rel=1e-6)
