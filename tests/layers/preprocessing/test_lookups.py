"""`StringLookup` and `IntegerLookup` against the worked examples of Keras's
docstrings (Keras needs TensorFlow for these layers): vocabulary order by
frequency, OOV and mask tokens, output modes, inversion, and saving."""

import os

import numpy as np
import pytest
import torch

from ember.layers.preprocessing import IntegerLookup, StringLookup
from ember.testing import run_layer_test

VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]
INT_VOCAB = [12, 36, 1138, 42]
INT_DATA = np.array([[12, 1138, 42], [42, 1000, 36]])


# --------------------------------------------------------------- StringLookup
STRING_EXAMPLES = {
    "vocabulary": ({"vocabulary": VOCAB}, DATA, [[1, 3, 4], [4, 0, 2]]),
    "two_oov": (
        {"vocabulary": VOCAB, "num_oov_indices": 2},
        DATA,
        [[2, 4, 5], [5, 1, 3]],
    ),
    "mask": (
        {"vocabulary": VOCAB, "mask_token": "[MASK]"},
        [["a", "[MASK]", "d"], ["d", "z", "b"]],
        [[2, 0, 5], [5, 1, 3]],
    ),
    "one_hot": (
        {"vocabulary": VOCAB, "output_mode": "one_hot"},
        ["a", "b", "c", "d", "z"],
        np.eye(5)[[1, 2, 3, 4, 0]].tolist(),
    ),
    "multi_hot": (
        {"vocabulary": VOCAB, "output_mode": "multi_hot"},
        [["a", "c", "d", "d"], ["d", "z", "b", "z"]],
        [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]],
    ),
    "count": (
        {"vocabulary": VOCAB, "output_mode": "count"},
        [["a", "c", "d", "d"], ["d", "z", "b", "z"]],
        [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]],
    ),
    "tf_idf": (
        {
            "vocabulary": VOCAB,
            "idf_weights": [0.25, 0.75, 0.6, 0.4],
            "output_mode": "tf_idf",
        },
        [["a", "c", "d", "d"], ["d", "z", "b", "z"]],
        [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]],
    ),
    "tf_idf_with_oov": (
        {
            "vocabulary": ["[UNK]"] + VOCAB,
            "idf_weights": [0.9, 0.25, 0.75, 0.6, 0.4],
            "output_mode": "tf_idf",
        },
        [["a", "c", "d", "d"], ["d", "z", "b", "z"]],
        [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]],
    ),
}


@pytest.mark.parametrize(
    "kwargs, data, expected", STRING_EXAMPLES.values(), ids=STRING_EXAMPLES.keys()
)
def test_string_lookup_matches_keras_documented_examples(kwargs, data, expected):
    out = StringLookup(**kwargs)(data)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_string_lookup_adapt_orders_by_frequency_then_token_descending():
    layer = StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer.vocabulary_size() == 6
    assert layer(DATA).tolist() == [[5, 3, 1], [1, 2, 4]]
    limited = StringLookup(max_tokens=3, mask_token="")
    limited.adapt(np.array(["x", "y", "y", "", "z", "z", "z", "[UNK]"]))
    assert limited.get_vocabulary() == ["", "[UNK]", "z"]
    assert limited.get_vocabulary(include_special_tokens=False) == ["z"]
    batches = StringLookup()
    batches.adapt(iter([np.array([["a", "b"]]), np.array([["b", "c"]])]))
    assert batches.get_vocabulary() == ["[UNK]", "b", "c", "a"]


def test_string_lookup_adapt_tf_idf_weights():
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "b", "b"], ["a", "c", "c"]])
    # Each row is a document: idf = log(1 + num_docs / (1 + doc_freq)).
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]
    idf = np.log(1 + 2 / (1 + np.array([1, 1, 2])))
    expected_weights = np.concatenate([[idf.mean()], idf])
    np.testing.assert_allclose(layer.idf_weights.numpy(), expected_weights, rtol=1e-6)
    out = layer([["c", "c", "q"]])
    np.testing.assert_allclose(out.numpy(), [[idf.mean(), 2 * idf[0], 0, 0]], rtol=1e-6)


def test_string_lookup_invert_and_bytes():
    layer = StringLookup(vocabulary=VOCAB, invert=True)
    out = layer(np.array([[1, 3, 4], [4, 0, 2]]))
    assert out.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    masked = StringLookup(vocabulary=VOCAB, invert=True, mask_token="[M]")
    assert masked(torch.tensor([0, 2, 9])).tolist() == ["[M]", "a", "[UNK]"]
    assert StringLookup(vocabulary=VOCAB)([b"a", b"z"]).tolist() == [1, 0]


def test_string_lookup_errors():
    with pytest.raises(ValueError, match="repeated"):
        StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="mask token"):
        StringLookup(vocabulary=["a", "[M]"], mask_token="[M]")
    with pytest.raises(ValueError, match="max_tokens"):
        StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)
    with pytest.raises(ValueError, match="idf_weights"):
        StringLookup(vocabulary=VOCAB, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        StringLookup(vocabulary=VOCAB, num_oov_indices=0)(["z"])
    with pytest.raises(RuntimeError, match="set the vocabulary"):
        StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        StringLookup(vocabulary=VOCAB).adapt(["a"])
    with pytest.raises(ValueError, match="output_mode"):
        StringLookup(output_mode="bogus")


def test_string_lookup_config_and_vocabulary_file(tmp_path):
    layer = StringLookup(vocabulary=VOCAB, name="s")
    config = layer.get_config()
    expected_keys = {
        "name",
        "trainable",
        "dtype",
        "invert",
        "max_tokens",
        "num_oov_indices",
        "oov_token",
        "mask_token",
        "output_mode",
        "sparse",
        "pad_to_max_tokens",
        "idf_weights",
        "vocabulary",
        "vocabulary_size",
        "oov_method",
        "salt",
        "encoding",
    }
    assert set(config) == expected_keys
    clone = StringLookup.from_config(config)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n")
    from_file = StringLookup(vocabulary=str(path))
    assert from_file(DATA).tolist() == [[1, 3, 4], [4, 0, 2]]


def test_lookup_assets_round_trip_in_keras_format(tmp_path):
    layer = StringLookup(mask_token="")
    layer.adapt(["x", "y", "y"])
    layer.save_assets(str(tmp_path))
    text = (tmp_path / "vocabulary.txt").read_text()
    assert text == "\n[UNK]\ny\nx"  # Keras's file: special tokens first
    fresh = StringLookup(mask_token="")
    fresh.load_assets(str(tmp_path))
    assert fresh.get_vocabulary() == layer.get_vocabulary()
    ints = IntegerLookup(output_mode="tf_idf")
    ints.adapt(np.array([[1, 2], [2, 3]]))
    ints.save_assets(str(tmp_path))
    store = {}
    ints.save_own_variables(store)
    twin = IntegerLookup(output_mode="tf_idf")
    twin.load_own_variables(store)
    twin.load_assets(str(tmp_path))
    x = np.array([[1, 2, 3, 9]])
    np.testing.assert_allclose(twin(x).numpy(), ints(x).numpy())
    assert os.path.exists(tmp_path / "vocabulary.txt")


# -------------------------------------------------------------- IntegerLookup
INT_EXAMPLES = {
    "vocabulary": ({"vocabulary": INT_VOCAB}, INT_DATA, [[1, 3, 4], [4, 0, 2]]),
    "two_oov": (
        {"vocabulary": INT_VOCAB, "num_oov_indices": 2},
        np.array([[12, 1138, 42], [37, 1000, 36]]),
        [[2, 4, 5], [1, 0, 3]],
    ),
    "mask": (
        {"vocabulary": INT_VOCAB, "mask_token": 0},
        np.array([[12, 1138, 0], [42, 1000, 36]]),
        [[2, 4, 0], [5, 1, 3]],
    ),
    "one_hot": (
        {"vocabulary": INT_VOCAB, "output_mode": "one_hot"},
        np.array([12, 36, 1138, 42, 7]),
        np.eye(5)[[1, 2, 3, 4, 0]].tolist(),
    ),
    "multi_hot": (
        {"vocabulary": INT_VOCAB, "output_mode": "multi_hot"},
        np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]),
        [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]],
    ),
    "count": (
        {"vocabulary": INT_VOCAB, "output_mode": "count"},
        np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]),
        [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]],
    ),
    "tf_idf": (
        {
            "vocabulary": INT_VOCAB,
            "idf_weights": [0.25, 0.75, 0.6, 0.4],
            "output_mode": "tf_idf",
        },
        np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]),
        [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]],
    ),
    "invert": (
        {"vocabulary": INT_VOCAB, "invert": True},
        np.array([[1, 3, 4], [4, 0, 2]]),
        [[12, 1138, 42], [42, -1, 36]],
    ),
}


@pytest.mark.parametrize(
    "kwargs, data, expected", INT_EXAMPLES.values(), ids=INT_EXAMPLES.keys()
)
def test_integer_lookup_matches_keras_documented_examples(kwargs, data, expected):
    out = IntegerLookup(**kwargs)(data)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_integer_lookup_adapt_and_oov_methods():
    layer = IntegerLookup()
    layer.adapt(INT_DATA)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    floormod = IntegerLookup(vocabulary=INT_VOCAB, num_oov_indices=3)
    assert floormod(torch.tensor([7, 8, 9, 12])).tolist() == [1, 2, 0, 3]
    hashed = IntegerLookup(
        vocabulary=INT_VOCAB, num_oov_indices=3, oov_method="farmhash"
    )
    from ember.layers.preprocessing import Hashing

    expected = Hashing(num_bins=3)([7, 8, 9]).tolist() + [3]
    assert hashed(torch.tensor([7, 8, 9, 12])).tolist() == expected
    with pytest.raises(ValueError, match="salt"):
        IntegerLookup(salt=3)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        IntegerLookup(vocabulary=INT_VOCAB, num_oov_indices=0)(torch.tensor([5]))


def test_integer_lookup_layer_test_and_config():
    run_layer_test(
        IntegerLookup,
        {"vocabulary": [0, 1, 2], "output_mode": "multi_hot"},
        input_shape=(3, 4),
        input_dtype="int64",
        expected_output_shape=(3, 4),
    )
    run_layer_test(
        IntegerLookup,
        {"vocabulary": [4, 3, 2], "mask_token": 0},
        input_shape=(3, 4),
        input_dtype="int64",
        expected_output_shape=(3, 4),
        expected_output_dtype="int64",
    )
    config = IntegerLookup(vocabulary=np.array(INT_VOCAB), name="i").get_config()
    assert config["vocabulary"] == INT_VOCAB and config["vocabulary_dtype"] == "int64"
    assert config["oov_token"] == -1
