"""Every file of the shared Keras 3 interop set loads in ember and predicts
the stored outputs (`/work/shared/interop/keras3`, see its README)."""

import json
import os

import _saving_models  # noqa: F401  (registers interop>SubclassedMLP)
import numpy as np
import pytest

import ember

FOLDER = os.environ.get("EMBER_KERAS3_INTEROP", "/work/shared/interop/keras3")
MANIFEST = os.path.join(FOLDER, "manifest.json")
ATOL = 1e-5


def _entries():
    if not os.path.exists(MANIFEST):
        return []
    with open(MANIFEST) as f:
        return json.load(f)["models"]


ENTRIES = _entries()
pytestmark = pytest.mark.skipif(not ENTRIES, reason=f"no interop files in {FOLDER}")


def _data(entry):
    data = np.load(os.path.join(FOLDER, f"{entry['name']}.npz"))
    xs = [data[spec["npz_key"]] for spec in entry["inputs"]]
    return (xs[0] if len(xs) == 1 else xs), data


def _ids(entries):
    return [e["name"] for e in entries]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_load_model_predicts_stored_outputs(entry):
    x, data = _data(entry)
    model = ember.models.load_model(os.path.join(FOLDER, f"{entry['name']}.keras"))
    assert type(model).__name__ == entry["model_class"]
    y = np.asarray(model.predict(x, verbose=0))
    np.testing.assert_allclose(y, data["y"], atol=ATOL, rtol=0)
    # Same variables, in Keras's order and shapes.
    shapes = [tuple(w["shape"]) for w in entry["weights"]]
    assert [tuple(w.shape) for w in model.weights] == shapes


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_weights_file_loads_into_the_same_architecture(entry):
    x, data = _data(entry)
    # The same architecture, built in ember from the config (fresh weights).
    with ember.saving.custom_object_scope({}):
        reference = ember.models.load_model(
            os.path.join(FOLDER, f"{entry['name']}.keras"), compile=False
        )
    model = ember.models.model_from_json(reference.to_json())
    if not model.built:
        model(x)
    if entry["has_optimizer_state"]:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.optimizer.build(model.trainable_variables)
    before = np.asarray(model.predict(x, verbose=0))
    assert np.abs(before - data["y"]).max() > ATOL  # fresh weights differ
    model.load_weights(os.path.join(FOLDER, f"{entry['name']}.weights.h5"))
    np.testing.assert_allclose(
        np.asarray(model.predict(x, verbose=0)), data["y"], atol=ATOL, rtol=0
    )


@pytest.mark.parametrize(
    "entry",
    [e for e in ENTRIES if e["has_optimizer_state"]],
    ids=_ids([e for e in ENTRIES if e["has_optimizer_state"]]),
)
def test_optimizer_state_is_restored(entry):
    _, data = _data(entry)
    model = ember.models.load_model(os.path.join(FOLDER, f"{entry['name']}.keras"))
    assert model.compiled and model.optimizer.built
    assert int(model.optimizer.iterations) > 0
    model.train_on_batch(data["train_x"], data["train_y"])
    np.testing.assert_allclose(
        np.asarray(model.predict(data["x"], verbose=0)),
        data["y_after_step"],
        atol=ATOL,
        rtol=0,
    )


@pytest.mark.parametrize(
    "entry",
    [e for e in ENTRIES if e["has_optimizer_state"]],
    ids=_ids([e for e in ENTRIES if e["has_optimizer_state"]]),
)
def test_compile_false_skips_the_optimizer(entry):
    model = ember.models.load_model(
        os.path.join(FOLDER, f"{entry['name']}.keras"), compile=False
    )
    assert not model.compiled
