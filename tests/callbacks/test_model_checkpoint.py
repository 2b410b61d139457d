"""ModelCheckpoint: which files are saved when, with what names, as in Keras."""

import os

import pytest
from callback_testing import FakeModel, SavingModel, lazy_logs, run_both, run_fit

from ember import callbacks

_VAL_LOSSES = [0.9, 0.7, 0.8, 0.6, 0.65]


def _logs():
    return [{"loss": 2 * v, "val_loss": v, "val_accuracy": 1 - v} for v in _VAL_LOSSES]


def _checkpoint(tmp_path, logs=None, steps=2, **kwargs):
    model = SavingModel()
    checkpoint = callbacks.ModelCheckpoint(**kwargs)
    run_fit(
        callbacks.CallbackList([checkpoint], model=model),
        model,
        logs or _logs(),
        steps=steps,
    )
    return model.saved, sorted(os.listdir(tmp_path))


def test_formatted_paths_every_epoch(tmp_path):
    saved, files = _checkpoint(
        tmp_path, filepath=str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    )
    names = [f"ckpt-{e:02d}-{v:.2f}.keras" for e, v in enumerate(_VAL_LOSSES, 1)]
    assert saved == [("model", name) for name in names] and files == sorted(names)


def test_best_only(tmp_path):
    saved, _ = _checkpoint(
        tmp_path,
        filepath=str(tmp_path / "{epoch}.weights.h5"),
        save_best_only=True,
        save_weights_only=True,
    )
    assert saved == [("weights", "1.weights.h5"), ("weights", "2.weights.h5")] + [
        ("weights", "4.weights.h5")
    ]


def test_best_only_overwrites_one_file_with_the_best_weights(tmp_path):
    path = tmp_path / "best.keras"
    _checkpoint(tmp_path, filepath=str(path), save_best_only=True)
    # The fake writes the weights (= the epoch index) it saved.
    assert path.read_text() == "model 3.0"


def test_mode_max_and_auto_accuracy(tmp_path):
    for mode in ("max", "auto"):
        saved, _ = _checkpoint(
            tmp_path,
            filepath=str(tmp_path / "{epoch}.keras"),
            monitor="val_accuracy",
            mode=mode,
            save_best_only=True,
        )
        assert [name for _, name in saved] == ["1.keras", "2.keras", "4.keras"]


def test_initial_value_threshold(tmp_path):
    saved, _ = _checkpoint(
        tmp_path,
        filepath=str(tmp_path / "{epoch}.keras"),
        save_best_only=True,
        initial_value_threshold=0.65,
    )
    assert [name for _, name in saved] == ["4.keras"]


def test_save_every_n_batches(tmp_path):
    saved, _ = _checkpoint(
        tmp_path,
        steps=3,
        filepath=str(tmp_path / "e{epoch}-b{batch}.keras"),
        save_freq=2,
    )
    # Batches counted across epochs: the 2nd, 4th, 6th, ... of 15.
    names = [name for _, name in saved]
    assert names == [
        "e1-b2.keras",
        "e2-b1.keras",
        "e2-b3.keras",
        "e3-b2.keras",
        "e4-b1.keras",
        "e4-b3.keras",
        "e5-b2.keras",
    ]


def test_creates_directories(tmp_path):
    _checkpoint(tmp_path, filepath=str(tmp_path / "a" / "b" / "{epoch}.keras"))
    assert sorted(os.listdir(tmp_path / "a" / "b"))[0] == "1.keras"


def test_tensor_logs(tmp_path):
    logs = [lazy_logs(epoch) for epoch in _logs()]
    saved, _ = _checkpoint(
        tmp_path,
        logs=logs,
        filepath=str(tmp_path / "{epoch}-{val_loss:.3f}.keras"),
        save_best_only=True,
    )
    assert [name for _, name in saved][-1] == "4-0.600.keras"


_CASES = {
    "every-epoch": dict(filepath="{epoch:02d}-{val_loss:.2f}.keras", verbose=1),
    "best-only": dict(filepath="best.keras", save_best_only=True, verbose=1),
    "weights": dict(
        filepath="w{epoch}.weights.h5", save_weights_only=True, save_best_only=True
    ),
    "max": dict(
        filepath="m.keras", monitor="val_accuracy", mode="max", save_best_only=True
    ),
    "threshold": dict(
        filepath="t.keras",
        save_best_only=True,
        initial_value_threshold=0.75,
        verbose=1,
    ),
    "batches": dict(filepath="{epoch}-{batch}.keras", save_freq=3, verbose=1),
    "legacy-h5": dict(filepath="model.h5"),
}


@pytest.mark.parametrize("kwargs", _CASES.values(), ids=_CASES.keys())
def test_same_as_keras(tmp_path, monkeypatch, kwargs):
    monkeypatch.chdir(tmp_path)
    mine, theirs = run_both("ModelCheckpoint", kwargs, _logs(), make_model=SavingModel)
    assert mine["model"].saved == theirs["model"].saved
    assert mine["printed"] == theirs["printed"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(filepath="model.h5", save_weights_only=True), r"\.weights\.h5"),
        (dict(filepath="model.pt"), r"\.keras"),
        (dict(filepath="m.keras", save_freq="batch"), "Unrecognized save_freq"),
    ],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        callbacks.ModelCheckpoint(**kwargs)


@pytest.mark.parametrize(
    "weights_only, method", [(False, "save"), (True, "save_weights")]
)
def test_object_without_saving_says_so_before_training(tmp_path, weights_only, method):
    path = "m.weights.h5" if weights_only else "m.keras"
    checkpoint = callbacks.ModelCheckpoint(
        str(tmp_path / path), save_weights_only=weights_only
    )
    model = FakeModel()
    with pytest.raises(
        RuntimeError, match=rf"no `{method}\(\)` method.*saves `ember.Model`s"
    ):
        run_fit(callbacks.CallbackList([checkpoint], model=model), model, _logs())


def test_missing_path_field(tmp_path):
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "{val_auc}.keras"))
    model = SavingModel()
    with pytest.raises(KeyError, match="Failed to format"):
        run_fit(callbacks.CallbackList([checkpoint], model=model), model, _logs())


def test_directory_path(tmp_path):
    (tmp_path / "dir.keras").mkdir()

    class DirectorySaving(SavingModel):
        def save(self, filepath, overwrite=True):
            open(filepath, "w")

    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "dir.keras"))
    model = DirectorySaving()
    with pytest.raises(OSError, match="non-directory filepath"):
        run_fit(callbacks.CallbackList([checkpoint], model=model), model, _logs())


def test_missing_monitor_saves_with_a_warning(tmp_path):
    checkpoint = callbacks.ModelCheckpoint(
        str(tmp_path / "m.keras"), monitor="val_auc", save_best_only=True, mode="max"
    )
    model = SavingModel()
    with pytest.warns(UserWarning, match="val_auc available"):
        run_fit(callbacks.CallbackList([checkpoint], model=model), model, _logs()[:1])
    assert model.saved == [("model", "m.keras")]
