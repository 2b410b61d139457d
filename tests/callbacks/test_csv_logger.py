"""CSVLogger: the same file, byte for byte, as Keras writes."""

import numpy as np
import pytest
from callback_testing import FakeModel, lazy_logs, run_fit
from conftest import keras_or_skip

from ember import callbacks

_LOGS = [
    {"loss": 0.5 / (e + 1), "accuracy": 0.25 * e, "val_loss": 0.75 / (e + 1)}
    for e in range(3)
]


def _write(module, path, logs, **kwargs):
    model = FakeModel()
    logger = module.CSVLogger(str(path), **kwargs)
    run_fit(module.CallbackList([logger], model=model), model, logs, steps=1)
    return path.read_bytes()


def test_header_and_one_row_per_epoch(tmp_path):
    text = _write(callbacks, tmp_path / "log.csv", _LOGS).decode()
    assert text.splitlines() == [
        "epoch,accuracy,loss,val_loss",
        "0,0.0,0.5,0.75",
        "1,0.25,0.25,0.375",
        "2,0.5,0.16666666666666666,0.25",
    ]


_CASES = {
    "default": (_LOGS, {}),
    "separator": (_LOGS, {"separator": ";"}),
    "no-validation": ([{"loss": 1.0}, {"loss": 0.5, "val_loss": 0.7}], {}),
    "missing-values": ([{"b": 1.0, "a": 2.0}, {"b": 3.0}], {}),
    "arrays": ([{"loss": 1.0, "per_class": np.array([0.5, 0.25])}], {}),
    "strings": ([{"loss": 1.0, "tag": "x,y"}], {}),
    "empty": ([{}, {}], {}),
}


@pytest.mark.parametrize("logs, kwargs", _CASES.values(), ids=_CASES.keys())
def test_same_file_as_keras(tmp_path, logs, kwargs):
    keras = keras_or_skip()
    expected = _write(keras.callbacks, tmp_path / "keras.csv", logs, **kwargs)
    assert _write(callbacks, tmp_path / "ember.csv", logs, **kwargs) == expected


def test_append(tmp_path):
    keras = keras_or_skip()
    outputs = []
    for module, name in ((keras.callbacks, "k.csv"), (callbacks, "e.csv")):
        path = tmp_path / name
        _write(module, path, _LOGS[:2], append=True)
        outputs.append(_write(module, path, _LOGS[2:], append=True))
    assert outputs[1] == outputs[0]
    lines = outputs[1].decode().splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch,")  # one header


def test_overwrites_without_append(tmp_path):
    path = tmp_path / "log.csv"
    _write(callbacks, path, _LOGS)
    assert len(_write(callbacks, path, _LOGS[:1]).decode().splitlines()) == 2


def test_tensor_logs(tmp_path):
    expected = _write(callbacks, tmp_path / "a.csv", [{"loss": 0.5, "acc": 0.25}])
    tensors = [lazy_logs({"loss": 0.5, "acc": 0.25})]
    assert _write(callbacks, tmp_path / "b.csv", tensors) == expected


def test_file_is_closed_at_train_end(tmp_path):
    logger = callbacks.CSVLogger(tmp_path / "log.csv")
    model = FakeModel()
    run_fit(callbacks.CallbackList([logger], model=model), model, _LOGS)
    assert logger.csv_file.closed
