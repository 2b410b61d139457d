"""`ember.preprocessing.sequence` and `.text` against Keras's legacy modules."""

import json
import random

import numpy as np
import pytest
from conftest import keras_or_skip

import ember
from ember.preprocessing import sequence, text

TEXTS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "A cat and a dog; the end.",
]


def _keras_legacy(name):
    keras_or_skip()
    import importlib

    return importlib.import_module(f"keras.src.legacy.preprocessing.{name}")


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(length=3, batch_size=2),
        dict(length=4, sampling_rate=2, stride=3, batch_size=3),
        dict(length=2, start_index=3, end_index=15, reverse=True, batch_size=4),
    ],
    ids=["plain", "rate-stride", "range-reverse"],
)
def test_timeseries_generator_matches_keras(kwargs):
    keras_sequence = _keras_legacy("sequence")
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20) * 10
    ours = sequence.TimeseriesGenerator(data, targets, **kwargs)
    theirs = keras_sequence.TimeseriesGenerator(data, targets, **kwargs)
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        for a, b in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(a, b)
    config = ours.get_config()
    assert json.loads(config["data"]) == data.tolist()
    assert json.loads(ours.to_json())["class_name"] == "TimeseriesGenerator"


def test_timeseries_generator_trains():
    series = np.sin(np.arange(200) / 6).astype("float32")[:, None]
    gen = sequence.TimeseriesGenerator(series, series, length=6, batch_size=32)
    model = ember.Sequential(
        [ember.Input((6, 1)), ember.layers.Flatten(), ember.layers.Dense(1)]
    )
    model.compile("adam", "mse")
    assert len(model.fit(gen, epochs=2, verbose=0).history["loss"]) == 2
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(series, series[:-1], length=3)


def test_sampling_table_and_skipgrams_match_keras():
    keras_sequence = _keras_legacy("sequence")
    np.testing.assert_allclose(
        sequence.make_sampling_table(50), keras_sequence.make_sampling_table(50)
    )
    words = [1, 2, 3, 0, 4, 5, 2, 1]
    for kwargs in (
        dict(window_size=2, seed=3),
        dict(window_size=1, categorical=True, negative_samples=0.5, seed=8),
    ):
        random.seed(0)
        ours = sequence.skipgrams(words, 6, **kwargs)
        random.seed(0)
        theirs = keras_sequence.skipgrams(words, 6, **kwargs)
        assert ours == theirs
    assert sequence.pad_sequences([[1, 2], [3]]).tolist() == [[1, 2], [0, 3]]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        dict(num_words=5),
        dict(oov_token="<unk>", num_words=6),
        dict(char_level=True),
        dict(lower=False, filters=""),
    ],
    ids=["default", "num_words", "oov", "chars", "raw"],
)
def test_tokenizer_matches_keras(kwargs):
    keras_text = _keras_legacy("text")
    ours, theirs = text.Tokenizer(**kwargs), keras_text.Tokenizer(**kwargs)
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    assert ours.word_index == theirs.word_index
    assert dict(ours.word_counts) == dict(theirs.word_counts)
    probe = TEXTS + ["An unseen cat word"]
    assert ours.texts_to_sequences(probe) == theirs.texts_to_sequences(probe)
    sequences = ours.texts_to_sequences(probe)
    assert ours.sequences_to_texts(sequences) == theirs.sequences_to_texts(sequences)
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_allclose(
            ours.texts_to_matrix(probe, mode), theirs.texts_to_matrix(probe, mode)
        )
    restored = text.tokenizer_from_json(ours.to_json())
    assert restored.word_index == ours.word_index
    assert restored.texts_to_sequences(probe) == ours.texts_to_sequences(probe)


def test_text_functions_match_keras():
    keras_text = _keras_legacy("text")
    sample = "Hello, World! Hello again..."
    assert text.text_to_word_sequence(sample) == keras_text.text_to_word_sequence(
        sample
    )
    assert text.hashing_trick(sample, 20, "md5") == keras_text.hashing_trick(
        sample, 20, "md5"
    )
    assert text.one_hot(sample, 20) == keras_text.one_hot(sample, 20)
    assert all(1 <= i < 20 for i in text.one_hot(sample, 20))


def test_tokenizer_errors():
    with pytest.raises(ValueError, match="fit on some text"):
        text.Tokenizer().sequences_to_matrix([[1]])
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    with pytest.raises(ValueError, match="mode"):
        tokenizer.texts_to_matrix(TEXTS, mode="onehot")
    with pytest.raises(TypeError, match="Unrecognized"):
        text.Tokenizer(vocabulary=3)
