"""IMDB movie review sentiment, as `keras.datasets.imdb` loads it."""

import json

import numpy as np

from ember.backend.errors import UnknownArgumentError
from ember.datasets import _sequences
from ember.datasets._formats import load_npz
from ember.utils.file_utils import get_file

_ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs,
):
    """Loads the IMDB movie review sentiment dataset.

    25,000 training and 25,000 test reviews, each labeled positive (1) or
    negative (0) and encoded as a list of word indices. Words are indexed by
    their frequency in the data (index 1 is the most frequent word, before the
    `index_from` offset), so "the 10,000 most frequent words but not the 20
    most frequent" is `num_words=10000, skip_top=20`. Index 0 stands for no
    word (padding). `imdb.npz` is read from the Keras cache
    (`~/.keras/datasets/`, or `$KERAS_HOME/datasets/`) and downloaded there
    when absent; its SHA-256 hash is checked. The ragged arrays inside are
    pickles, read with an unpickler that only rebuilds NumPy arrays.

    Args:
        path: File name of the dataset in the cache (relative to
            `~/.keras/datasets`). Defaults to `"imdb.npz"`.
        num_words: Keep only words whose index (after `index_from`) is below
            this; the others become `oov_char`. `None` keeps them all, except
            (as in Keras) the largest index. Defaults to `None`.
        skip_top: Words with an index below this become `oov_char`. Defaults
            to `0`.
        maxlen: Drop every sequence (with its label) of `maxlen` or more words,
            start mark included; `None` keeps them all. Defaults to `None`.
        seed: Seed of the shuffle of each split. Defaults to `113`.
        start_char: Index put at the start of every sequence; `None` for no
            mark. Defaults to `1`.
        oov_char: Index that replaces words cut by `num_words` or `skip_top`;
            `None` removes them instead. Defaults to `2`.
        index_from: Offset added to every word index. Defaults to `3`.
        **kwargs: Accepted for Keras's signature; any given raises an error.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`, `x_test`: 1-D object arrays of lists of word indices.
        `y_train`, `y_test`: `int64` arrays of labels, 0 or 1.

    Example:

    >>> (x_train, y_train), _ = ember.datasets.imdb.load_data(num_words=10000)
    >>> len(x_train), max(max(x) for x in x_train) < 10000
    (25000, True)
    """
    if kwargs:
        raise UnknownArgumentError(
            f"`imdb.load_data` got unexpected keyword argument(s) "
            f"{', '.join(f'`{key}`' for key in sorted(kwargs))}."
        )
    _sequences.check_arguments("imdb.load_data", num_words, skip_top, maxlen)
    path = get_file(
        fname=path, origin=f"{_ORIGIN_FOLDER}imdb.npz", file_hash=_FILE_HASH
    )
    arrays = load_npz(path)

    # 1. Shuffle each split with one generator, train first, as Keras does.
    rng = np.random.RandomState(seed)
    x_train, labels_train = _sequences.shuffled(
        rng, arrays["x_train"], arrays["y_train"]
    )
    x_test, labels_test = _sequences.shuffled(rng, arrays["x_test"], arrays["y_test"])
    # 2. Mark and offset the indices, then drop long sequences.
    x_train = _sequences.mark_and_offset(x_train, start_char, index_from)
    x_test = _sequences.mark_and_offset(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _sequences.drop_long(x_train, labels_train, maxlen)
        x_test, labels_test = _sequences.drop_long(x_test, labels_test, maxlen)
        if not x_train or not x_test:
            raise ValueError(
                f"No sequence of `imdb` is shorter than maxlen={maxlen}, in the "
                "training or the test split. Increase `maxlen`."
            )
    # 3. Cut the vocabulary over both splits together.
    sequences = _sequences.limit_vocabulary(
        x_train + x_test, num_words, skip_top, oov_char
    )
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    x_train = _sequences.object_array(sequences[:split])
    x_test = _sequences.object_array(sequences[split:])
    return (x_train, labels[:split]), (x_test, labels[split:])


def get_word_index(path: str = "imdb_word_index.json"):
    """The word index of the IMDB dataset: a dict from each word to its index.

    The indices are the dataset's before the `index_from` offset of `load_data`:
    with the default `index_from=3`, the word with index `i` appears in the
    sequences as `i + 3`. The JSON file is read from the Keras cache and
    downloaded there when absent; its MD5 hash is checked.

    Args:
        path: File name of the word index in the cache (relative to
            `~/.keras/datasets`). Defaults to `"imdb_word_index.json"`.

    Returns:
        Dict of words (strings) to indices (integers).

    Example:

    >>> (x_train, _), _ = ember.datasets.imdb.load_data()
    >>> words = {i + 3: w for w, i in ember.datasets.imdb.get_word_index().items()}
    >>> words.update({1: "[START]", 2: "[OOV]"})
    >>> review = " ".join(words[i] for i in x_train[0])
    """
    path = get_file(
        fname=path,
        origin=f"{_ORIGIN_FOLDER}imdb_word_index.json",
        file_hash=_WORD_INDEX_HASH,
    )
    with open(path, encoding="utf-8") as f:
        return json.load(f)
