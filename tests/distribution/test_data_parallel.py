"""Data-parallel fit/evaluate/predict: 2 processes (torchrun, gloo, CPU) against 1."""

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torchrun_launch

HERE = Path(__file__).parent
SCENARIO = HERE / "distributed_scenario.py"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The scenario run by `torchrun` as 2 processes, and in this process as 1."""
    two = tmp_path_factory.mktemp("two")
    torchrun_launch.run(SCENARIO, two, timeout=180)
    one = tmp_path_factory.mktemp("one")
    torchrun_launch.load_module(SCENARIO).main(str(one))
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


def test_on_batch_forms_average_gradients_and_report_global_values(runs):
    one, two = runs
    single, logs_one = _load(one, "single")
    assert single["on_batch_predicted"].shape == (16, 2)
    for rank in (0, 1):
        arrays, logs = _load(two, f"rank{rank}")
        np.testing.assert_allclose(
            arrays["on_batch"], single["on_batch"], atol=1e-5, rtol=0
        )
        np.testing.assert_allclose(
            arrays["on_batch_predicted"], single["on_batch_predicted"], atol=1e-5
        )
        for got, expected in zip(
            logs["on_batch"]["train"], logs_one["on_batch"]["train"]
        ):
            assert sorted(got) == sorted(expected) == ["loss", "mae"]
            for key in expected:
                assert got[key] == pytest.approx(expected[key], rel=1e-5)
        np.testing.assert_allclose(
            logs["on_batch"]["test"], logs_one["on_batch"]["test"], rtol=1e-5
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
