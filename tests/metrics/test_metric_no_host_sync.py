"""`update_state()`, `result()` and `reset_state()` never read a tensor back to
the host: every way to pull a value out of a tensor raises while they run."""

import contextlib

import pytest
import torch
from metric_cases import CASES
from metrics_testing import as_inputs, batches

from ember import metrics

HOST_READS = (
    "item",
    "tolist",
    "numpy",
    "cpu",
    "__bool__",
    "__float__",
    "__int__",
    "__index__",
)


@contextlib.contextmanager
def no_host_reads(monkeypatch):
    def refuse(name):
        def read(self, *args, **kwargs):
            raise AssertionError(f"host read: Tensor.{name}()")

        return read

    with monkeypatch.context() as patch:
        for name in HOST_READS:
            patch.setattr(torch.Tensor, name, refuse(name))
        yield


def test_the_guard_catches_reads(monkeypatch):
    with no_host_reads(monkeypatch), pytest.raises(AssertionError, match="item"):
        torch.ones(()).item()
    with no_host_reads(monkeypatch), pytest.raises(AssertionError, match="bool"):
        bool(torch.ones(()) > 0)


def _sweep():
    for param in CASES:
        class_name, kwargs, data, weights, _ = param.values
        weight = weights[-1]  # the richest variant: weights or masks
        yield pytest.param(class_name, kwargs, data, weight, id=param.id)


@pytest.mark.parametrize("class_name, kwargs, data, weights", list(_sweep()))
def test_update_result_reset_stay_on_device(
    monkeypatch, class_name, kwargs, data, weights
):
    metric = getattr(metrics, class_name)(**kwargs)
    inputs = [as_inputs(batch) for batch in batches(data, weights, count=2)]
    with no_host_reads(monkeypatch):
        for y_true, y_pred, weight in inputs:
            metric.update_state(y_true, y_pred, sample_weight=weight)
            value = metric.result()
        metric.reset_state()
        metric(*inputs[0][:2], sample_weight=inputs[0][2])
    assert isinstance(value, torch.Tensor)


def test_mean_and_sum_stay_on_device(monkeypatch):
    values, weights = torch.rand(4, 3), torch.rand(4)
    mean, total = metrics.Mean(), metrics.Sum()
    with no_host_reads(monkeypatch):
        for metric in (mean, total):
            metric.update_state(values, sample_weight=weights)
            metric.update_state(values)
            metric.result()
            metric.reset_state()
