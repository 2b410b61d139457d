"""Fuzzing the readers: mutated `.keras` and `.weights.h5` files are refused
with ember's own errors naming the file; none crashes the process, none runs
code, none leaves a partially updated model.

A small trained model (Embedding, LSTM, BatchNormalization, Dense, with Adam's
state) is saved once; seeded mutations of its files are then loaded with
`ember.models.load_model` and `model.load_weights` into a second model of the
same architecture (other weights). Each load either succeeds (a harmless
mutation: the model then predicts finite values, unless the file's weights
themselves hold non-finite values, which the format cannot detect: HDF5 has no
checksums) or raises a `WeightsFormatError` (`SavedModelError` is one) whose
message names the file, and leaves the second model's weights and optimizer
state bit-identical. Mutations that point at code (`os.system`,
`builtins.eval`, `keras.config.enable_unsafe_deserialization`, a class and a
function of this module, a `Lambda` holding marshalled code) would create a
sentinel file, or switch safe mode off, if anything ran them.
"""

import collections
import contextlib
import copy
import functools
import io
import json
import os
import random
import subprocess
import sys
import warnings
import zipfile

import h5py
import numpy as np
import pytest
import torch

import ember
from ember.saving import WeightsFormatError, serialization_lib

# The file that code reached through a mutated config would create.
_SENTINEL = {"path": None}


def touch_sentinel(*args, **kwargs):
    """What a config naming this module's function would run."""
    with open(_SENTINEL["path"], "w") as f:
        f.write("code ran")


class Sentinel(ember.layers.Layer):
    """A layer class the files never register: building it would run code."""

    def __init__(self, **kwargs):
        touch_sentinel()
        super().__init__(**kwargs)

    @classmethod
    def from_config(cls, config):
        touch_sentinel()
        return cls(**config)


# ------------------------------------------------------------------ corpus
def _build(seed):
    ember.utils.set_random_seed(seed)
    inputs = ember.Input((6,), dtype="int32", name="tokens")
    x = ember.layers.Embedding(20, 8, name="emb")(inputs)
    x = ember.layers.LSTM(8, name="lstm")(x)
    x = ember.layers.BatchNormalization(name="bn")(x)
    outputs = ember.layers.Dense(3, name="out")(x)
    model = ember.Model(inputs, outputs, name="fuzzed")
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 20, size=(8, 6)).astype("int32")
    y_train = rng.normal(size=(8, 3)).astype("float32")
    model.fit(x_train, y_train, epochs=1, batch_size=4, verbose=0)
    return model


class Corpus:
    """The original files, a target model and its snapshot."""

    def __init__(self, folder):
        self.folder = folder
        source = _build(0)
        keras_path = os.path.join(folder, "original.keras")
        weights_path = os.path.join(folder, "original.weights.h5")
        source.save(keras_path)
        source.save_weights(weights_path)
        self.keras = open(keras_path, "rb").read()
        self.weights = open(weights_path, "rb").read()
        with zipfile.ZipFile(keras_path) as zf:
            self.members = {i.filename: zf.read(i) for i in zf.infolist()}
        self.config = json.loads(self.members["config.json"])
        self.x = np.random.default_rng(1).integers(0, 20, (2, 6)).astype("int32")
        self.target = _build(1)  # other weights: a partial load would show
        self.snapshot = _state_of(self.target)
        self.lambda_config = _lambda_layer_config()
        self.source_weights = [w.detach().clone() for w in source.weights]
        self.source_json = source.to_json()
        with torch.no_grad():
            self.source_output = torch.as_tensor(source(torch.as_tensor(self.x)))


def _state_of(model):
    variables = list(model.weights) + list(model.optimizer.variables)
    return [(v, v.detach().clone()) for v in variables]


def _lambda_layer_config():
    """A `Lambda` layer config whose marshalled code would create the sentinel."""
    sentinel = _SENTINEL["path"]
    layer = ember.layers.Lambda(
        lambda x, p=sentinel: (open(p, "w").close(), x)[1], name="evil"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return serialization_lib.serialize_keras_object(layer)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = os.fspath(tmp_path_factory.mktemp("fuzz"))
    _SENTINEL["path"] = os.path.join(folder, "SENTINEL")
    return Corpus(folder)


# -------------------------------------------------------- byte mutations
def _flip(rng, data, count=None):
    data = bytearray(data)
    for _ in range(count or rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return bytes(data)


def _truncate(rng, data):
    return data[: rng.randrange(len(data))]


# --------------------------------------------------------- zip mutations
def _zip(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buffer.getvalue()


_ODD_NAMES = (
    "../evil.json",
    "/etc/evil",
    "assets/../../evil",
    "C:/evil",
    "config.json.bak",
    "model.weights.h5/",
    "assets/layer/vocab.txt",
    "CONFIG.JSON",
    "",
)


def _zip_mutation(rng, corpus):
    members = list(corpus.members.items())
    kind = rng.choice(["drop", "rename", "duplicate", "extra", "swap", "deflate"])
    index = rng.randrange(len(members))
    if kind == "drop":
        del members[index]
    elif kind == "rename":
        name = rng.choice(_ODD_NAMES + ("x" * rng.randint(1, 300),))
        members[index] = (name or "unnamed", members[index][1])
    elif kind == "duplicate":
        other = rng.choice(members)[1]
        members.insert(rng.randrange(len(members) + 1), (members[index][0], other))
    elif kind == "extra":
        members.append((rng.choice(_ODD_NAMES) or "extra", os.urandom(16)))
    elif kind == "swap":
        other = rng.randrange(len(members))
        (a, da), (b, db) = members[index], members[other]
        members[index], members[other] = (a, db), (b, da)
    else:  # compressed members, then damage to the compressed bytes (CRC, zlib)
        return f"zip-{kind}", _flip(rng, _zip(members, zipfile.ZIP_DEFLATED))
    return f"zip-{kind}", _zip(members)


def _with_member(corpus, name, data):
    return _zip([(n, data if n == name else d) for n, d in corpus.members.items()])


# -------------------------------------------------------- JSON mutations
_DANGEROUS = (
    ("os", "system", None),
    ("builtins", "eval", None),
    ("builtins", "exec", None),
    ("subprocess", "Popen", None),
    ("keras.config", "function", "enable_unsafe_deserialization"),
    ("keras.config", "enable_unsafe_deserialization", None),
    ("keras", "function", "config.enable_unsafe_deserialization"),
    ("keras.saving", "load_model", None),
    ("keras.utils", "function", "get_file"),
    (__name__, "Sentinel", None),
    (__name__, "function", "touch_sentinel"),
    ("builtins", "function", "touch_sentinel"),
    (None, "Sentinel", None),
    ("__main__", "Sentinel", None),
    ("test_fuzz", "Sentinel", None),
)
_VALUES = (None, -1, 0, 3, 1.5, 2**40, -(2**63), True, "", "x", "relu", [], {}, [1, 2])


def _nodes(value, path=()):
    """Every (path, value) in a JSON tree."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, path + (index,))


def _set(tree, path, value):
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value


def _json_mutation(rng, corpus):
    config = copy.deepcopy(corpus.config)
    nodes = [(p, v) for p, v in _nodes(config) if p]
    objects = [(p, v) for p, v in nodes if isinstance(v, dict) and "class_name" in v]
    layers = [(p, v) for p, v in objects if "layers" in p]
    kind = rng.choice(
        ["value", "value", "delete", "class", "dangerous", "dangerous", "lambda"]
        + ["nest", "special", "swap"]
    )
    deep = None
    if kind == "value":
        path, _ = rng.choice(nodes)
        _set(config, path, copy.deepcopy(rng.choice(_VALUES)))
    elif kind == "delete":
        path, _ = rng.choice([n for n in nodes if isinstance(n[0][-1], str)])
        parent = config
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    elif kind == "class":
        path, obj = rng.choice(objects)
        obj["class_name"] = rng.choice(["NotALayer", "Layer", "Model", "Dense", 7])
    elif kind == "dangerous":
        path, obj = rng.choice(objects + [((), config)])
        module, class_name, inner = rng.choice(_DANGEROUS)
        obj["module"], obj["class_name"] = module, class_name
        if rng.random() < 0.5:
            obj["registered_name"] = rng.choice([class_name, f"builtins>{class_name}"])
        if inner is not None:
            obj["config"] = inner
    elif kind == "lambda":
        path, _ = rng.choice(layers)
        evil = copy.deepcopy(corpus.lambda_config)
        if rng.random() < 0.5:  # a bare lambda entry, anywhere in the tree
            evil = evil["config"]["function"]
            path, _ = rng.choice(nodes)
        _set(config, path, evil)
    elif kind == "nest":
        path, _ = rng.choice(nodes)
        _set(config, path, "@@DEEP@@")
        depth = rng.choice([50, 900, 5000, 100_000])
        opener, closer = rng.choice([("[", "]"), ('{"a": ', "}")])
        deep = opener * depth + "1" + closer * depth
    elif kind == "special":
        path, _ = rng.choice(nodes)
        name = rng.choice(
            ["__tensor__", "__numpy__", "__bytes__", "__slice__", "__keras_tensor__"]
            + ["__typespec__", "__lambda__", "__ellipsis__"]
        )
        _set(config, path, {"class_name": name, "config": rng.choice(_VALUES)})
    else:  # two layers of the graph exchanged
        (a, va), (b, vb) = rng.sample(layers, 2) if len(layers) > 1 else layers * 2
        _set(config, a, copy.deepcopy(vb))
        _set(config, b, copy.deepcopy(va))
    text = json.dumps(config)
    if deep is not None:
        text = text.replace('"@@DEEP@@"', deep)
    return f"json-{kind}", _with_member(corpus, "config.json", text.encode())


def _text_mutation(rng, corpus):
    name = rng.choice(["config.json", "metadata.json"])
    data = corpus.members[name]
    if rng.random() < 0.5:
        data = _flip(rng, data)
    else:
        data = _truncate(rng, data)
    return f"text-{name}", _with_member(corpus, name, data)


# -------------------------------------------------------- HDF5 mutations
def _datasets(h5):
    found = []
    h5.visititems(lambda n, o: found.append(n) if isinstance(o, h5py.Dataset) else None)
    return found


def _groups(h5):
    found = []
    h5.visititems(lambda n, o: found.append(n) if isinstance(o, h5py.Group) else None)
    return found


def _odd_value(rng, shape):
    kind = rng.choice(
        ["shape", "scalar", "empty", "int", "f64", "bool", "complex", "bytes"]
        + ["big-endian", "uint64", "f16", "nan", "huge-shape", "vlen"]
    )
    size = int(np.prod(shape))
    if kind == "shape":
        return kind, np.zeros(tuple(d + rng.choice([-1, 1, 2]) for d in shape) or (2,))
    if kind == "scalar":
        return kind, np.float32(1.0)
    if kind == "empty":
        return kind, np.zeros((0,), "float32")
    if kind == "int":
        return kind, np.arange(size, dtype="int32").reshape(shape)
    if kind == "f64":
        return kind, np.ones(shape, "float64")
    if kind == "bool":
        return kind, np.ones(shape, bool)
    if kind == "complex":
        return kind, np.ones(shape, "complex64")
    if kind == "bytes":
        return kind, np.array([b"abc"] * max(size, 1))
    if kind == "big-endian":
        return kind, np.ones(shape, ">f4")
    if kind == "uint64":
        return kind, np.full(shape, 2**63, "uint64")
    if kind == "f16":
        return kind, np.ones(shape, "float16")
    if kind == "nan":
        return kind, np.full(shape, np.nan, "float32")
    if kind == "huge-shape":
        return kind, np.zeros((3,) * 5, "float32")
    return kind, None  # a variable-length string dataset


def _h5_mutation(rng, data):
    """`(description, bytes)`: `data` (an HDF5 file) changed with h5py."""
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as h5:
        datasets, groups = _datasets(h5), _groups(h5)
        kind = rng.choice(
            ["value", "value", "value", "delete", "extra-dataset", "extra-group"]
            + ["group-for-dataset", "dataset-for-group", "rename", "attr", "link"]
            + ["swap", "delete-group"]
        )
        name = rng.choice(datasets)
        if kind == "value":
            shape = h5[name].shape
            kind, value = _odd_value(rng, shape)
            del h5[name]
            if value is None:
                h5.create_dataset(name, data=["a", "bc"], dtype=h5py.string_dtype())
            else:
                h5[name] = value
            kind = f"value-{kind}"
        elif kind == "delete":
            del h5[name]
        elif kind == "extra-dataset":
            vars_group = rng.choice([g for g in groups if g.endswith("vars")])
            h5[vars_group].create_dataset(str(len(h5[vars_group])), data=[1.0])
        elif kind == "extra-group":
            h5.require_group(rng.choice(["layers/extra/vars", "extra", "vars/x"]))
        elif kind == "group-for-dataset":
            del h5[name]
            h5.create_group(name)
        elif kind == "dataset-for-group":
            group = rng.choice(groups)
            del h5[group]
            h5[group] = np.zeros(3, "float32")
        elif kind == "rename":
            group = rng.choice(groups)
            h5.move(group, group + "_renamed")
        elif kind == "attr":
            target = h5[rng.choice(datasets + groups)]
            target.attrs[rng.choice(["dtype", "name"])] = rng.choice(
                ["bfloat16", "float32", 3, b"\xff"]
            )
        elif kind == "link":
            del h5[name]
            if rng.random() < 0.5:
                h5[name] = h5py.SoftLink("/" + rng.choice(datasets))
            else:
                h5[name] = h5py.ExternalLink(_SENTINEL["path"] + ".h5", "/x")
        elif kind == "swap":
            other = rng.choice(datasets)
            if other != name:
                h5.move(name, name + "_tmp")
                h5.move(other, name)
                h5.move(name + "_tmp", other)
        else:
            del h5[rng.choice(groups)]
    return f"h5-{kind}", buffer.getvalue()


# ------------------------------------------------------------ generators
def keras_mutation(rng, corpus):
    kind = rng.choice(
        ["flip", "truncate", "zip", "zip", "json", "json", "json", "json", "text"]
        + ["weights", "weights", "weights-bytes"]
    )
    if kind == "flip":
        return "bytes-flip", _flip(rng, corpus.keras)
    if kind == "truncate":
        return "bytes-truncate", _truncate(rng, corpus.keras)
    if kind == "zip":
        return _zip_mutation(rng, corpus)
    if kind == "json":
        return _json_mutation(rng, corpus)
    if kind == "text":
        return _text_mutation(rng, corpus)
    weights = corpus.members["model.weights.h5"]
    if kind == "weights":
        name, weights = _h5_mutation(rng, weights)
    else:
        name, weights = "h5-bytes", _flip(rng, weights)
    return f"member-{name}", _with_member(corpus, "model.weights.h5", weights)


def weights_mutation(rng, corpus):
    kind = rng.choice(["flip", "flip", "truncate", "h5", "h5", "h5", "h5"])
    if kind == "flip":
        return "bytes-flip", _flip(rng, corpus.weights)
    if kind == "truncate":
        return "bytes-truncate", _truncate(rng, corpus.weights)
    return _h5_mutation(rng, corpus.weights)


# --------------------------------------------------------------- checking
def _refused_properly(error, filename):
    """An ember error (`WeightsFormatError`, `SavedModelError` is one) that
    names the file."""
    return isinstance(error, WeightsFormatError) and filename in str(error)


def _assert_unchanged(corpus, where):
    for variable, value in corpus.snapshot:
        if not torch.equal(variable.detach(), value):
            raise AssertionError(f"{where}: the target model was partially updated")


def _restore(corpus):
    with torch.no_grad():
        for variable, value in corpus.snapshot:
            variable.copy_(value)


def _assert_sane(model, corpus, where, loaded_config=True):
    """A model loaded from a mutated file runs; with the saved config and
    weights it predicts exactly what the saved model did. (Values a mutation
    changed, e.g. two same-shaped weights swapped or a negative `epsilon`,
    load as written, as in Keras: the format has no checksums, and may then
    predict non-finite values.)"""
    with torch.no_grad():
        output = torch.as_tensor(model(torch.as_tensor(corpus.x)))
    assert tuple(output.shape) == (2, 3), f"{where}: output shape {output.shape}"
    weights = [w.detach() for w in model.weights]
    same = len(weights) == len(corpus.source_weights) and all(
        torch.equal(a, b) for a, b in zip(weights, corpus.source_weights)
    )
    try:
        if loaded_config:
            same = same and model.to_json() == corpus.source_json
    except RecursionError:  # e.g. a deeply nested list the model kept as is
        same = False
    if same:
        assert torch.equal(output, corpus.source_output), f"{where}: output differs"
        return "same"
    return "changed values"


def _assert_no_code_ran(where):
    assert not os.path.exists(_SENTINEL["path"]), f"{where}: code from a file ran"
    assert serialization_lib._UNSAFE_EVERYWHERE == [False], where
    assert serialization_lib.in_safe_mode() is None, where


def _attempt(action, filename, where, failures):
    """`(True, result)` if `action()` succeeded, `(False, None)` if it failed
    (recorded in `failures` unless properly refused)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return True, action()
    except Exception as error:  # noqa: BLE001 - classified below
        if not _refused_properly(error, filename):
            failures.append(f"{where}: {type(error).__name__}: {error}"[:600])
        return False, None


def run_fuzz(corpus, count, seed, kind):
    """Loads `count` mutated files; returns a `Counter` of mutations and
    outcomes."""
    rng = random.Random(seed)
    mutate = keras_mutation if kind == "keras" else weights_mutation
    filename = "mutant.keras" if kind == "keras" else "mutant.weights.h5"
    path = os.path.join(corpus.folder, filename)
    outcomes, failures = collections.Counter(), []
    for index in range(count):
        name, data = mutate(rng, corpus)
        outcomes[name] += 1
        with open(path, "wb") as f:
            f.write(data)
        where = f"mutation {index} ({name}, seed {seed})"
        if kind == "keras":
            ok, model = _attempt(
                functools.partial(ember.models.load_model, path),
                filename,
                where + " load_model",
                failures,
            )
            if ok:
                outcomes["load_model " + _assert_sane(model, corpus, where)] += 1
            else:
                outcomes["load_model refused"] += 1
            _assert_no_code_ran(where)
        load = functools.partial(corpus.target.load_weights, path)
        if _attempt(load, filename, where + " load_weights", failures)[0]:
            same = _assert_sane(corpus.target, corpus, where, loaded_config=False)
            outcomes["load_weights " + same] += 1
            _restore(corpus)
        else:
            outcomes["load_weights refused"] += 1
            _assert_unchanged(corpus, where)
        _assert_no_code_ran(where)
    assert not failures, "\n".join(failures[:20])
    return outcomes


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("kind", ["keras", "weights"])
def test_mutated_files_are_refused_safely(corpus, kind):
    count = 130 if kind == "keras" else 160
    outcomes = run_fuzz(corpus, count, seed=1234, kind=kind)
    # Most mutations break the file, and some are harmless: the fuzzer makes
    # neither only no-ops nor only garbage.
    step = "load_model" if kind == "keras" else "load_weights"
    assert outcomes[f"{step} refused"] > count // 2, outcomes
    assert outcomes[f"{step} same"] + outcomes[f"{step} changed values"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["keras", "weights"])
def test_thousands_of_mutated_files_are_refused_safely(corpus, kind):
    run_fuzz(corpus, 2500, seed=98765, kind=kind)


def test_the_original_files_load(corpus):
    """The fuzzer's baseline: unmutated files load and match."""
    path = os.path.join(corpus.folder, "original.keras")
    model = ember.models.load_model(path)
    expected = corpus.target.predict(corpus.x, verbose=0)
    corpus.target.load_weights(os.path.join(corpus.folder, "original.weights.h5"))
    try:
        np.testing.assert_array_equal(
            model.predict(corpus.x, verbose=0),
            corpus.target.predict(corpus.x, verbose=0),
        )
        assert not np.array_equal(expected, model.predict(corpus.x, verbose=0))
    finally:
        _restore(corpus)


_CRASH_CHECK = """
import os, sys, warnings
import ember
warnings.simplefilter("ignore")
folder = sys.argv[1]
model = None
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    try:
        if name.endswith(".keras"):
            model = ember.models.load_model(path)
        elif model is not None:
            model.load_weights(path)
    except ValueError:
        pass
print("survived", len(os.listdir(folder)))
"""


def test_byte_damaged_files_do_not_crash_a_fresh_process(corpus, tmp_path):
    """h5py and zipfile parse damaged bytes in C: a segfault would end the
    process, so one batch runs in a subprocess of its own."""
    rng = random.Random(7)
    folder = tmp_path / "mutants"
    folder.mkdir()
    (folder / "000.keras").write_bytes(corpus.keras)  # a model to load into
    for index in range(1, 31):
        (folder / f"{index:03d}.keras").write_bytes(_flip(rng, corpus.keras, 16))
        damaged = _flip(rng, corpus.weights, 16)
        (folder / f"{index:03d}.weights.h5").write_bytes(damaged)
    result = subprocess.run(
        [sys.executable, "-c", _CRASH_CHECK, os.fspath(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived 61" in result.stdout


def _replace_layer(corpus, name, entry):
    """A `.keras` file whose layer `name` is `entry` (keeping its graph links)."""
    config = copy.deepcopy(corpus.config)
    for index, layer in enumerate(config["config"]["layers"]):
        if layer["name"] == name:
            config["config"]["layers"][index] = {
                **entry,
                "name": name,
                "inbound_nodes": layer["inbound_nodes"],
            }
    path = os.path.join(corpus.folder, "hostile.keras")
    with open(path, "wb") as f:
        f.write(_with_member(corpus, "config.json", json.dumps(config).encode()))
    return path


@pytest.mark.parametrize(
    "module, class_name, inner",
    [*_DANGEROUS, ("lambda", None, None)],
    ids=lambda v: str(v),
)
def test_code_named_by_a_file_never_runs(corpus, module, class_name, inner):
    if module == "lambda":
        entry = copy.deepcopy(corpus.lambda_config)
    else:
        entry = {"module": module, "class_name": class_name, "registered_name": None}
        entry["config"] = inner if inner is not None else {"name": "out"}
    path = _replace_layer(corpus, "out", entry)
    with pytest.raises(WeightsFormatError, match="hostile.keras/config.json"):
        ember.models.load_model(path)
    _assert_no_code_ran(module)


def test_the_sentinels_do_detect_code(corpus):
    """The checks above can fail: the same files run their code once the user
    opts in (`safe_mode=False`, `custom_objects`)."""
    x = torch.as_tensor(corpus.x)
    try:
        path = _replace_layer(corpus, "out", copy.deepcopy(corpus.lambda_config))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ember.models.load_model(path, safe_mode=False)(x)
        assert os.path.exists(_SENTINEL["path"])
        os.remove(_SENTINEL["path"])
        entry = {"module": __name__, "class_name": "Sentinel", "config": {}}
        path = _replace_layer(corpus, "out", entry)
        with contextlib.suppress(Exception):  # the class only has to be built
            ember.models.load_model(path, custom_objects={"Sentinel": Sentinel})
        assert os.path.exists(_SENTINEL["path"])
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(_SENTINEL["path"])
    _assert_no_code_ran("after the control")
