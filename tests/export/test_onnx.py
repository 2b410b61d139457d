"""ONNX export: the file predicts what the model predicts, at any batch size."""

import numpy as np
import pytest
import torch

import ember
from ember import layers
from ember.export import export_onnx

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


def run_onnx(path, feeds):
    session = ort.InferenceSession(str(path))
    names = [i.name for i in session.get_inputs()]
    return session, session.run(None, dict(zip(names, feeds)))


def test_convnet_predicts_the_same_at_two_batch_sizes(tmp_path, capsys):
    model = ember.Sequential(
        [
            ember.Input((12, 12, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(3, activation="softmax"),
        ]
    )
    path = tmp_path / "convnet.onnx"
    export_onnx(model, path)
    assert f"Saved artifact at '{path}'." in capsys.readouterr().out
    rng = np.random.default_rng(0)
    for batch in (1, 7):
        x = rng.normal(size=(batch, 12, 12, 1)).astype("float32")
        session, (y,) = run_onnx(path, [x])
        np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5)
    (dims,) = [i.shape for i in session.get_inputs()]
    assert dims[0] == "batch" and dims[1:] == [12, 12, 1]


def test_recurrent_model_keeps_batch_and_time_dynamic(tmp_path):
    model = ember.Sequential(
        [
            ember.Input((None,), dtype="int64"),
            layers.Embedding(30, 8),
            layers.LSTM(5),
            layers.Dense(2),
        ]
    )
    path = tmp_path / "lstm.onnx"
    export_onnx(model, path, verbose=False)
    rng = np.random.default_rng(1)
    for batch, steps in ((1, 4), (3, 9)):
        x = rng.integers(1, 30, (batch, steps)).astype("int64")
        _, (y,) = run_onnx(path, [x])
        np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5)


def test_functional_model_with_named_inputs(tmp_path):
    a = ember.Input((3,), name="a")
    b = ember.Input((4,), name="b")
    joined = layers.Concatenate()([layers.Dense(2)(a), b])
    model = ember.Model({"a": a, "b": b}, [layers.Dense(1)(joined), joined])
    path = tmp_path / "functional.onnx"
    export_onnx(model, path, verbose=False)
    xa = np.ones((5, 3), "float32")
    xb = np.arange(20, dtype="float32").reshape(5, 4)
    session, outputs = run_onnx(path, [xa, xb])
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    expected = model.predict({"a": xa, "b": xb}, verbose=0)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, atol=1e-5)


class Scaled(ember.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3)

    def call(self, x):
        return torch.tanh(self.dense(x)) * 2


def test_subclassed_model_exports_after_a_call(tmp_path):
    model = Scaled()
    x = np.random.default_rng(2).normal(size=(4, 6)).astype("float32")
    model(x)
    path = tmp_path / "subclassed.onnx"
    export_onnx(model, path, verbose=False)
    _, (y,) = run_onnx(path, [x[:2]])
    np.testing.assert_allclose(y, model.predict(x[:2], verbose=0), atol=1e-5)


def test_unbuilt_model_says_how_to_give_inputs(tmp_path):
    with pytest.raises(ValueError, match="input_signature"):
        export_onnx(Scaled(), tmp_path / "never.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_the_old_file(tmp_path):
    class Refuses(ember.Model):
        def call(self, x):
            if float(x.sum()) > 0:  # data-dependent control flow: export fails
                return x
            return -x

    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    model = Refuses()
    spec = ember.InputSpec(shape=(None, 2), dtype="float32")
    with pytest.raises(ValueError, match="Exporting model .* to ONNX failed"):
        export_onnx(model, path, input_signature=[spec], verbose=False)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_model_export_method(tmp_path):
    model = ember.Sequential([ember.Input((3,)), layers.Dense(2)])
    path = tmp_path / "dense.onnx"
    model.export(path, format="onnx", verbose=False)
    x = np.ones((4, 3), "float32")
    _, (y,) = run_onnx(path, [x])
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-6)


def test_model_export_refuses_formats_that_need_other_runtimes(tmp_path):
    model = ember.Sequential([ember.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="format='onnx'"):
        model.export(tmp_path / "saved_model")  # Keras's default format
    with pytest.raises(ValueError, match="format='onnx'"):
        model.export(tmp_path / "m.tflite", format="litert")
