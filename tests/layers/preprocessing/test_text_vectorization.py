"""`TextVectorization` against the worked examples of Keras's docstrings (Keras
needs TensorFlow for this layer) and TensorFlow's string semantics (ASCII
lower-casing, `string.punctuation`, ngram order), by hand."""

import numpy as np
import pytest
import torch

import ember
from ember.layers.preprocessing import StringLookup, TextVectorization


def test_keras_docstring_adapt_example():
    layer = TextVectorization(
        max_tokens=5000, output_mode="int", output_sequence_length=4
    )
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    out = layer([["foo qux bar"], ["qux baz"]])
    assert out.tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]
    assert out.dtype == torch.int64
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]


def test_keras_docstring_vocabulary_example():
    layer = TextVectorization(
        max_tokens=5000,
        output_sequence_length=4,
        vocabulary=["earth", "wind", "and", "fire"],
    )
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    out = layer([["earth wind and fire"], ["fire and earth michigan"]])
    assert out.tolist() == [[2, 3, 4, 5], [5, 4, 2, 1]]


def test_standardization_and_splitting_follow_tensorflow():
    layer = TextVectorization(vocabulary=["hello", "world", "élan", "Élan"])
    # ASCII-only lower-casing (TF's default): "É" stays upper-case.
    out = layer(["Hello,  WORLD!\télan\n\x0bÉlan"])
    assert out.tolist() == [[2, 3, 4, 5]]
    padded = layer(np.array(["hello", "world hello world"]))
    assert padded.tolist() == [[2, 0, 0], [3, 2, 3]]
    strip = TextVectorization(
        standardize="strip_punctuation", split=None, vocabulary=["A-b", "Ab"]
    )
    assert strip(["A-b", "Ab!"]).tolist() == [[3], [3]]
    lower = TextVectorization(standardize="lower", vocabulary=["a-b"])
    assert lower(["A-B"]).tolist() == [[2]]
    chars = TextVectorization(split="character", standardize=None)
    chars.adapt(["abca"])
    assert chars.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]
    assert chars("abd").tolist() == [2, 4, 1]


def test_ngrams_are_grouped_by_width():
    layer = TextVectorization(ngrams=2, output_mode="multi_hot")
    layer.adapt(["The cat, sat!", "the dog"])
    assert layer.get_vocabulary() == [
        "[UNK]",
        "the",
        "the dog",
        "the cat",
        "sat",
        "dog",
        "cat sat",
        "cat",
    ]
    assert layer(["the cat dog"]).tolist() == [[1, 1, 0, 1, 0, 1, 0, 1]]
    widths = TextVectorization(
        ngrams=(2,), split="whitespace", output_mode="int", vocabulary=["a b", "b c"]
    )
    assert widths(["a b c"]).tolist() == [[2, 3]]


def test_encoding_modes():
    data = ["a b b", "a c"]
    count = TextVectorization(output_mode="count")
    count.adapt(data)
    assert count.get_vocabulary() == ["[UNK]", "b", "a", "c"]
    assert count(["b b q a"]).tolist() == [[1, 2, 1, 0]]
    tfidf = TextVectorization(output_mode="tf_idf")
    tfidf.adapt(data)
    idf = np.log(1 + 2 / (1 + np.array([1, 2, 1])))
    out = tfidf(["a b z"])
    np.testing.assert_allclose(
        out.numpy(), [[idf.mean(), idf[0], idf[1], 0]], rtol=1e-6
    )
    padded = TextVectorization(
        output_mode="multi_hot", max_tokens=8, pad_to_max_tokens=True
    )
    padded.adapt(data)
    assert tuple(padded(["a"]).shape) == (1, 8)


def test_callables_config_and_set_vocabulary():
    def split_on_dash(values):
        return [v.split("-") for v in values]

    layer = TextVectorization(
        standardize=lambda x: np.char.upper(x), split=split_on_dash
    )
    layer.set_vocabulary(["A", "B"])
    assert layer(["a-b-c"]).tolist() == [[2, 3, 1]]
    plain = TextVectorization(max_tokens=10, output_sequence_length=3, name="tv")
    plain.adapt(["x y", "y"])
    config = plain.get_config()
    assert set(config) == {
        "name",
        "trainable",
        "dtype",
        "max_tokens",
        "standardize",
        "split",
        "ngrams",
        "output_mode",
        "output_sequence_length",
        "pad_to_max_tokens",
        "sparse",
        "ragged",
        "vocabulary",
        "idf_weights",
        "encoding",
        "vocabulary_size",
    }
    assert config["vocabulary_size"] == 4
    clone = TextVectorization.from_config(config)
    assert clone.get_config() == {**config, "vocabulary_size": 2}
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="standardize"):
        TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="shape"):
        plain(np.array([["a", "b"]]))


def test_assets_round_trip(tmp_path):
    layer = TextVectorization(output_sequence_length=5)
    layer.adapt(["the quick brown fox", "the lazy dog", "the fox"])
    layer.save_assets(str(tmp_path))
    fresh = TextVectorization.from_config(layer.get_config())
    fresh.load_assets(str(tmp_path))
    assert fresh.get_vocabulary() == layer.get_vocabulary()
    data = ["the fox jumps", "lazy brown"]
    assert torch.equal(fresh(data), layer(data))


def test_adapt_reads_dataloaders_and_pydatasets_of_pairs():
    texts = ["a b", "b c", "b"]
    labels = torch.tensor([1.0, 0.0, 1.0])
    loader = torch.utils.data.DataLoader(list(zip(texts, labels)), batch_size=2)
    layer = TextVectorization()
    layer.adapt(loader)
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "c", "a"]

    class Pairs(ember.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return np.array(texts[index * 2 : index * 2 + 2]), np.zeros(2)

    from_pydataset = TextVectorization()
    from_pydataset.adapt(Pairs())
    assert from_pydataset.get_vocabulary() == layer.get_vocabulary()
    lookup = StringLookup()
    lookup.adapt(
        iter([(np.array([["a"], ["b"]]), np.zeros(2)), (np.array([["b"]]), None)])
    )
    assert lookup.get_vocabulary() == ["[UNK]", "b", "a"]
