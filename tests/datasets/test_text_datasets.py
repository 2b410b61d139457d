"""IMDB and Reuters from tiny `.npz` files with ragged object arrays: every
option against Keras's own loaders, a hand-worked case, and the pickle guard."""

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
from dataset_writers import (
    isolate_cache,
    keras_sharing_cache,
    ragged,
    sha256,
    write_npz,
)

from ember.backend.errors import UnknownArgumentError
from ember.datasets import imdb, reuters


@pytest.fixture(autouse=True)
def datasets(tmp_path, monkeypatch):
    return isolate_cache(tmp_path, monkeypatch)


@pytest.fixture
def imdb_npz(datasets, monkeypatch):
    rng = np.random.default_rng(0)
    path = write_npz(
        datasets / "imdb.npz",
        x_train=ragged(rng, 30),
        y_train=rng.integers(0, 2, 30),
        x_test=ragged(rng, 20),
        y_test=rng.integers(0, 2, 20),
    )
    monkeypatch.setattr(imdb, "_FILE_HASH", sha256(path))
    return path


@pytest.fixture
def reuters_npz(datasets, monkeypatch):
    rng = np.random.default_rng(1)
    path = write_npz(
        datasets / "reuters.npz", x=ragged(rng, 41), y=rng.integers(0, 46, 41)
    )
    monkeypatch.setattr(reuters, "_FILE_HASH", sha256(path))
    return path


def assert_same_sequences(actual, expected):
    for (x, y), (kx, ky) in zip(actual, expected, strict=True):
        assert x.dtype == object and x.ndim == 1
        assert [list(s) for s in x] == [list(s) for s in kx]
        assert y.dtype == ky.dtype
        np.testing.assert_array_equal(y, ky)


OPTIONS = {
    "defaults": {},
    "num_words": {"num_words": 20},
    "skip_top": {"skip_top": 8},
    "num_words-skip_top": {"num_words": 25, "skip_top": 5},
    "maxlen": {"maxlen": 8},
    "seed": {"seed": 7},
    "no-start-char": {"start_char": None},
    "start-char-0": {"start_char": 0, "index_from": 1},
    "no-oov-char": {"oov_char": None, "num_words": 20},
    "oov-char-9": {"oov_char": 9, "skip_top": 6},
    "index_from-0": {"index_from": 0},
    "bare": {"start_char": None, "index_from": 0, "oov_char": None},
    "num_words-0": {"num_words": 0},
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_imdb_matches_keras(imdb_npz, datasets, monkeypatch, options):
    keras = keras_sharing_cache(monkeypatch, datasets)
    assert_same_sequences(
        imdb.load_data(**options), keras.datasets.imdb.load_data(**options)
    )


@pytest.mark.parametrize(
    "options",
    list(OPTIONS.values()) + [{"test_split": 0.5}, {"test_split": 0.0}],
    ids=list(OPTIONS.keys()) + ["test_split-0.5", "test_split-0"],
)
def test_reuters_matches_keras(reuters_npz, datasets, monkeypatch, options):
    keras = keras_sharing_cache(monkeypatch, datasets)
    assert_same_sequences(
        reuters.load_data(**options), keras.datasets.reuters.load_data(**options)
    )


def test_hand_worked_reuters(datasets, monkeypatch):
    """Three newswires; seed 0 orders them [2, 1, 0] (as RandomState(0) does)."""
    x = np.empty(3, dtype=object)
    x[0], x[1], x[2] = [1, 2, 3], [4], [5, 6]
    path = write_npz(datasets / "reuters.npz", x=x, y=np.array([10, 11, 12]))
    monkeypatch.setattr(reuters, "_FILE_HASH", sha256(path))
    order = np.arange(3)
    np.random.RandomState(0).shuffle(order)
    assert order.tolist() == [2, 1, 0]
    # start_char=1, then +3: [1, 8, 9], [1, 7], [1, 4, 5, 6]. The largest index
    # (9) is out of range, as in Keras, so it becomes oov_char=2; skip_top=5
    # turns 1 and 4 into 2 as well. int(3 * 0.7) = 2 newswires train.
    (x_train, y_train), (x_test, y_test) = reuters.load_data(
        seed=0, skip_top=5, test_split=0.3
    )
    assert [list(s) for s in x_train] == [[2, 8, 2], [2, 7]]
    assert [list(s) for s in x_test] == [[2, 2, 5, 6]]
    assert y_train.tolist() == [12, 11] and y_test.tolist() == [10]
    # maxlen drops (not truncates) sequences of maxlen or more tokens.
    (x_train, _), (x_test, _) = reuters.load_data(seed=0, maxlen=3, test_split=0)
    assert [list(s) for s in x_train] == [[1, 2]] and len(x_test) == 0


def test_imdb_shapes_and_dtypes(imdb_npz):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=15)
    assert x_train.shape == (30,) and x_test.shape == (20,)
    assert y_train.dtype == np.int64 and y_train.shape == (30,)
    assert all(isinstance(s, list) and s[0] == 1 for s in x_train)
    assert max(max(s) for s in x_train) < 15


def test_imdb_maxlen_too_small(imdb_npz):
    with pytest.raises(ValueError, match="shorter than maxlen=1"):
        imdb.load_data(maxlen=1)


def test_reuters_maxlen_too_small(reuters_npz):
    with pytest.raises(ValueError, match="shorter than maxlen=1"):
        reuters.load_data(maxlen=1)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: imdb.load_data(num_words="100"), "argument `num_words` of `imdb"),
        (lambda: imdb.load_data(skip_top=-1), "argument `skip_top` of `imdb"),
        (lambda: reuters.load_data(maxlen=2.5), "argument `maxlen` of `reuters"),
        (lambda: reuters.load_data(test_split=1.5), "argument `test_split` of `reu"),
    ],
    ids=["num_words", "skip_top", "maxlen", "test_split"],
)
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_imdb_unknown_keyword():
    with pytest.raises(UnknownArgumentError, match="`nb_words`"):
        imdb.load_data(nb_words=100)


@pytest.mark.parametrize("module", [imdb, reuters], ids=["imdb", "reuters"])
def test_word_index(datasets, monkeypatch, module):
    name = f"{module.__name__.rsplit('.', 1)[1]}_word_index.json"
    datasets.mkdir(parents=True)
    (datasets / name).write_text(json.dumps({"the": 1, "café": 2}), encoding="utf-8")
    monkeypatch.setattr(module, "_WORD_INDEX_HASH", sha256(datasets / name))
    assert module.get_word_index() == {"the": 1, "café": 2}
    keras = keras_sharing_cache(monkeypatch, datasets)
    keras_module = getattr(keras.datasets, module.__name__.rsplit(".", 1)[1])
    assert keras_module.get_word_index() == module.get_word_index()


def test_word_index_offline(datasets):
    with pytest.raises(OSError) as info:
        reuters.get_word_index()
    message = str(info.value)
    assert "tf-keras-datasets/reuters_word_index.json" in message
    assert str(datasets / "reuters_word_index.json") in message
    assert "md5 hash must be 4d44cc38712099c9e383dc6e5f11a921" in message


def test_label_names_match_keras():
    keras = pytest.importorskip("keras")
    assert reuters.get_label_names() == keras.datasets.reuters.get_label_names()
    assert len(reuters.get_label_names()) == 46


def npz_with_member(path, member, payload):
    """An `.npz` whose `member` is an object-array `.npy` header + `payload`."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|O", "fortran_order": False, "shape": (1,)}
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + payload)
    return path


def test_a_pickle_that_runs_code_is_refused(datasets, monkeypatch, tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    datasets.mkdir(parents=True)
    path = npz_with_member(datasets / "reuters.npz", "x.npy", pickle.dumps(Exploit()))
    monkeypatch.setattr(reuters, "_FILE_HASH", sha256(path))
    with pytest.raises(ValueError, match="could not be read safely") as info:
        reuters.load_data()
    assert "system`" in str(info.value) and "reuters.npz:x.npy" in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        # numpy.ndarray called directly, rather than rebuilt.
        b"\x80\x02cnumpy\nndarray\nK\x01\x85R.",
        # A structured dtype, which the guard does not rebuild.
        b"\x80\x02cnumpy\ndtype\nX\x05\x00\x00\x00u1,u1\x89\x88\x87R.",
    ],
    ids=["ndarray-call", "structured-dtype"],
)
def test_only_plain_arrays_are_rebuilt(datasets, monkeypatch, payload):
    datasets.mkdir(parents=True)
    path = npz_with_member(datasets / "reuters.npz", "x.npy", payload)
    monkeypatch.setattr(reuters, "_FILE_HASH", sha256(path))
    with pytest.raises(ValueError, match="could not be read safely"):
        reuters.load_data()
