"""Reuters newswire topics, as `keras.datasets.reuters` loads them."""

import json
import numbers

import numpy as np

from ember.backend.errors import ArgumentError
from ember.datasets import _sequences
from ember.datasets._formats import load_npz
from ember.utils.file_utils import get_file

_ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
    "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal",
    "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei",
    "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog",
    "lead",
)  # fmt: skip


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
):
    """Loads the Reuters newswire topic classification dataset.

    11,228 newswires from Reuters-21578, each labeled with one of 46 topics
    (see `get_label_names`) and encoded as a list of word indices, indexed by
    word frequency as in `ember.datasets.imdb`. The newswires are shuffled,
    then split into train and test sets. `reuters.npz` is read from the Keras
    cache (`~/.keras/datasets/`, or `$KERAS_HOME/datasets/`) and downloaded
    there when absent; its SHA-256 hash is checked.

    Args:
        path: File name of the dataset in the cache (relative to
            `~/.keras/datasets`). Defaults to `"reuters.npz"`.
        num_words: Keep only words whose index (after `index_from`) is below
            this; the others become `oov_char`. `None` keeps them all, except
            (as in Keras) the largest index. Defaults to `None`.
        skip_top: Words with an index below this become `oov_char`. Defaults
            to `0`.
        maxlen: Drop every sequence (with its label) of `maxlen` or more words,
            start mark included; `None` keeps them all. Defaults to `None`.
        test_split: Fraction of the newswires, between 0 and 1, that goes to the
            test set. Defaults to `0.2`.
        seed: Seed of the shuffle. Defaults to `113`.
        start_char: Index put at the start of every sequence; `None` for no
            mark. Defaults to `1`.
        oov_char: Index that replaces words cut by `num_words` or `skip_top`;
            `None` removes them instead. Defaults to `2`.
        index_from: Offset added to every word index. Defaults to `3`.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`, `x_test`: 1-D object arrays of lists of word indices.
        `y_train`, `y_test`: `int64` arrays of topic labels, 0 to 45.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = ember.datasets.reuters.load_data()
    >>> len(x_train), len(x_test)
    (8982, 2246)
    """
    _sequences.check_arguments("reuters.load_data", num_words, skip_top, maxlen)
    if not isinstance(test_split, numbers.Real) or not 0 <= test_split <= 1:
        raise ArgumentError(
            "test_split", "a fraction between 0 and 1", test_split, "reuters.load_data"
        )
    path = get_file(
        fname=path, origin=f"{_ORIGIN_FOLDER}reuters.npz", file_hash=_FILE_HASH
    )
    arrays = load_npz(path)
    rng = np.random.RandomState(seed)
    sequences, labels = _sequences.shuffled(rng, arrays["x"], arrays["y"])
    sequences = _sequences.mark_and_offset(sequences, start_char, index_from)
    if maxlen:
        sequences, labels = _sequences.drop_long(sequences, labels, maxlen)
        if not sequences:
            raise ValueError(
                f"No sequence of `reuters` is shorter than maxlen={maxlen}. "
                "Increase `maxlen`."
            )
    sequences = _sequences.limit_vocabulary(sequences, num_words, skip_top, oov_char)
    split = int(len(sequences) * (1 - test_split))
    x_train = _sequences.object_array(sequences[:split])
    x_test = _sequences.object_array(sequences[split:])
    return (x_train, np.array(labels[:split])), (x_test, np.array(labels[split:]))


def get_word_index(path: str = "reuters_word_index.json"):
    """The word index of the Reuters dataset: a dict from each word to its index.

    The indices are the dataset's before the `index_from` offset of `load_data`:
    the most frequent word, "the", has index 1 here and appears as 4 in the
    sequences with the default `index_from=3` (0, 1 and 2 stand for padding,
    start and out-of-vocabulary). The JSON file is read from the Keras cache
    and downloaded there when absent; its MD5 hash is checked.

    Args:
        path: File name of the word index in the cache (relative to
            `~/.keras/datasets`). Defaults to `"reuters_word_index.json"`.

    Returns:
        Dict of words (strings) to indices (integers).

    Example:

    >>> ember.datasets.reuters.get_word_index()["the"]
    1
    """
    path = get_file(
        fname=path,
        origin=f"{_ORIGIN_FOLDER}reuters_word_index.json",
        file_hash=_WORD_INDEX_HASH,
    )
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def get_label_names():
    """The names of the 46 Reuters topics, in label order.

    Returns:
        Tuple of strings: the name of label `i` is at index `i`.

    Example:

    >>> names = ember.datasets.reuters.get_label_names()
    >>> len(names), names[3]
    (46, 'earn')
    """
    return _LABEL_NAMES
