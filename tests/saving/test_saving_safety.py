"""Loading is safe by construction: hostile or broken files are refused with
ember's errors naming the file and the part, nothing runs code, nothing is
half-loaded, and saves are atomic."""

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import ember
from ember.saving import SavedModelError, WeightsFormatError


def _model(units=3):
    return ember.Sequential(
        [
            ember.Input((4,)),
            ember.layers.Dense(5, activation="relu", name="hidden"),
            ember.layers.Dense(units, name="out"),
        ],
        name="mlp",
    )


def _saved(tmp_path, name="model.keras"):
    path = os.fspath(tmp_path / name)
    _model().save(path)
    return path


def _rewrite(path, target, replace=None, drop=(), extra=()):
    """Copies the zip at `path` to `target`, replacing/dropping/adding members."""
    replace = replace or {}
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename, src.read(info))
            dst.writestr(info.filename, data)
        for name, data in extra:
            dst.writestr(name, data)
    return target


def _config(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json"))


# ------------------------------------------------------------ code in files
def test_lambda_is_refused_in_safe_mode_with_the_way_to_opt_in(tmp_path):
    model = ember.Sequential(
        [ember.Input((3,)), ember.layers.Lambda(lambda x: x * 2.0)]
    )
    path = os.fspath(tmp_path / "lambda.keras")
    with pytest.warns(UserWarning, match="lambda"):
        model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        ember.models.load_model(path)
    restored = ember.models.load_model(path, safe_mode=False)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(restored.predict(x, verbose=0)), 2 * x)


def test_unknown_class_is_refused_with_the_way_to_register_it(tmp_path):
    path = _saved(tmp_path)
    config = _config(path)
    config["config"]["layers"][1]["module"] = "os"
    config["config"]["layers"][1]["class_name"] = "system"
    bad = _rewrite(path, tmp_path / "bad.keras", {"config.json": json.dumps(config)})
    with pytest.raises(TypeError, match="register_keras_serializable"):
        ember.models.load_model(bad)


@pytest.mark.parametrize(
    "module, name",
    [
        ("keras.config", "enable_unsafe_deserialization"),
        ("keras.saving", "load_model"),
        ("keras.utils", "get_file"),
    ],
)
def test_non_modeling_keras_apis_are_refused(tmp_path, module, name):
    # CVE-2025-9906: a config naming Keras's own switches to turn safety off.
    path = _saved(tmp_path)
    config = _config(path)
    config["config"]["layers"][1]["config"]["activation"] = {
        "module": module,
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }
    bad = _rewrite(path, tmp_path / "bad.keras", {"config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="Not allowed"):
        ember.models.load_model(bad)
    config["config"]["layers"][1] = {
        "module": module,
        "class_name": name,
        "config": {},
        "registered_name": None,
    }
    bad = _rewrite(path, tmp_path / "bad2.keras", {"config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="Not allowed"):
        ember.models.load_model(bad)


def test_a_pickle_member_is_never_read(tmp_path):
    # A `.keras` file is JSON and HDF5 only; extra members are ignored, and
    # nothing in ember ever unpickles.
    path = _saved(tmp_path)
    bad = _rewrite(path, tmp_path / "extra.keras", extra=[("model.pkl", b"\x80")])
    assert isinstance(ember.models.load_model(bad), ember.Sequential)


# ------------------------------------------------------------ broken archives
@pytest.mark.parametrize(
    "member", ["../evil.txt", "/etc/evil", "assets/../../evil", "C:/evil"]
)
def test_members_with_absolute_or_parent_paths_are_refused(tmp_path, member):
    path = _saved(tmp_path)
    bad = _rewrite(path, tmp_path / "bad.keras", extra=[(member, b"x")])
    with pytest.raises(SavedModelError, match="absolute or parent path"):
        ember.models.load_model(bad)


@pytest.mark.parametrize("member", ["config.json", "model.weights.h5"])
def test_missing_members_are_named(tmp_path, member):
    path = _saved(tmp_path)
    bad = _rewrite(path, tmp_path / "bad.keras", drop=[member])
    with pytest.raises(SavedModelError, match=f"bad.keras: it has no '{member}'"):
        ember.models.load_model(bad)


@pytest.mark.parametrize(
    "text", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"class_name": 3}']
)
def test_malformed_config_json_is_named(tmp_path, text):
    path = _saved(tmp_path)
    bad = _rewrite(path, tmp_path / "bad.keras", {"config.json": text})
    with pytest.raises((SavedModelError, TypeError), match="config"):
        ember.models.load_model(bad)


def test_malformed_metadata_json_is_named(tmp_path):
    path = _saved(tmp_path)
    bad = _rewrite(path, tmp_path / "bad.keras", {"metadata.json": b"{"})
    with pytest.raises(SavedModelError, match="bad.keras/metadata.json"):
        ember.models.load_model(bad)


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "junk.keras"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(SavedModelError, match="junk.keras"):
        ember.models.load_model(path)


def test_truncated_zip_is_refused(tmp_path):
    path = _saved(tmp_path)
    data = open(path, "rb").read()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SavedModelError, match="cut.keras"):
        ember.models.load_model(cut)


def test_corrupted_weights_member_is_refused(tmp_path):
    path = _saved(tmp_path)
    bad = _rewrite(path, tmp_path / "bad.keras", {"model.weights.h5": b"garbage"})
    with pytest.raises(WeightsFormatError, match="bad.keras/model.weights.h5"):
        ember.models.load_model(bad)


def test_oversized_member_is_refused(tmp_path, monkeypatch):
    from ember.saving import saving_lib

    path = _saved(tmp_path)
    monkeypatch.setattr(saving_lib, "MAX_JSON_BYTES", 10)
    with pytest.raises(SavedModelError, match="config.json"):
        ember.models.load_model(path)


# ---------------------------------------------------------- weights files
def _weights(tmp_path, model=None, name="w.weights.h5"):
    path = os.fspath(tmp_path / name)
    (model or _model()).save_weights(path)
    return path


def test_wrong_shapes_are_named_and_nothing_is_loaded(tmp_path):
    path = _weights(tmp_path, _model(units=3))
    target = _model(units=2)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(WeightsFormatError) as info:
        target.load_weights(path)
    message = str(info.value)
    assert "w.weights.h5" in message and "layers/dense_1/vars/0" in message
    assert "nothing was loaded" in message
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_skip_mismatch_loads_the_rest_with_a_warning(tmp_path):
    source = _model(units=3)
    path = _weights(tmp_path, source)
    target = _model(units=2)
    with pytest.warns(UserWarning, match="skip_mismatch"):
        target.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(
        target.layers[0].get_weights()[0], source.layers[0].get_weights()[0]
    )


def test_failure_in_a_custom_loader_restores_everything(tmp_path):
    class Broken(ember.layers.Dense):
        def load_own_variables(self, store):
            super().load_own_variables(store)
            raise RuntimeError("boom")

    def build(cls):
        return ember.Sequential(
            [ember.Input((4,)), ember.layers.Dense(5), cls(3)], name="m"
        )

    # Keras names a layer's group after its class: save from the same class.
    path = _weights(tmp_path, build(Broken))
    target = build(Broken)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(RuntimeError, match="boom"):
        target.load_weights(path)
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["soft", "external"])
def test_links_in_weights_files_are_refused(tmp_path, kind):
    path = _weights(tmp_path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/0"]
        if kind == "soft":
            f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
        else:
            f["layers/dense/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")
    with pytest.raises(WeightsFormatError, match="Not allowed"):
        _model().load_weights(path)


def test_non_numeric_weights_are_refused(tmp_path):
    path = _weights(tmp_path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = np.array([b"abc"] * 5)
    with pytest.raises(WeightsFormatError, match="not a numeric weight"):
        _model().load_weights(path)


def test_garbage_weights_file_is_refused(tmp_path):
    path = tmp_path / "junk.weights.h5"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(WeightsFormatError, match="junk.weights.h5"):
        _model().load_weights(path)


# ------------------------------------------------------------ atomic saves
def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    from ember.saving import _state

    path = _saved(tmp_path)
    original = open(path, "rb").read()

    def crash(*args, **kwargs):
        raise RuntimeError("crash while writing")

    monkeypatch.setattr(_state, "save_state", crash)
    with pytest.raises(RuntimeError, match="crash"):
        _model().save(path)
    with pytest.raises(RuntimeError, match="crash"):
        _model().save_weights(os.fspath(tmp_path / "w.weights.h5"))
    assert open(path, "rb").read() == original
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]


def test_save_replaces_the_file_in_one_step(tmp_path):
    path = _saved(tmp_path)
    model = _model()
    model.save(path)
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]
    restored = ember.models.load_model(path)
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_overwrite_false_refuses_without_a_terminal(tmp_path, monkeypatch):
    import io
    import sys

    path = _saved(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(FileExistsError, match="overwrite=True"):
        _model().save(path, overwrite=False)


# -------------------------------------------------------------- bad paths
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m, p: m.save(p / "m.h5"), "legacy Keras 2"),
        (lambda m, p: m.save(p / "m.txt"), "`.keras`"),
        (lambda m, p: m.save_weights(p / "m.h5"), "`.weights.h5`"),
        (lambda m, p: ember.models.load_model(p / "m.txt"), "not supported"),
        (lambda m, p: m.load_weights(p / "m.txt"), "not supported"),
    ],
)
def test_unsupported_paths_say_what_is_supported(tmp_path, call, match):
    with pytest.raises(ValueError, match=match):
        call(_model(), tmp_path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ember.models.load_model(tmp_path / "nope.keras")
    with pytest.raises(FileNotFoundError):
        _model().load_weights(tmp_path / "nope.weights.h5")
