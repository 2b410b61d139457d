"""`keras.preprocessing.text`: the legacy text tools (`Tokenizer`, `one_hot`,
`hashing_trick`, `text_to_word_sequence`, `tokenizer_from_json`)."""

import collections
import hashlib
import json
import warnings

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Splits a text into words, after lowercasing and turning every character
    of `filters` into the separator.

    Example:

    >>> text_to_word_sequence("Hello, World!")
    ['hello', 'world']
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def one_hot(
    input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None
):
    """Word indices in `[1, n)` from Python's `hash` (see `hashing_trick`)."""
    return hashing_trick(
        input_text,
        n,
        hash_function=hash,
        filters=filters,
        lower=lower,
        split=split,
        analyzer=analyzer,
    )


def hashing_trick(
    text,
    n,
    hash_function=None,
    filters=DEFAULT_FILTERS,
    lower=True,
    split=" ",
    analyzer=None,
):
    """Hashes each word of `text` to an index in `[1, n)`.

    Args:
        text: Input text.
        n: Size of the hashing space.
        hash_function: `None` (Python's `hash`, which varies between runs),
            `"md5"` (stable), or a function of a word.
        filters: Characters removed from the text.
        lower: Whether to lowercase the text. Defaults to `True`.
        split: Word separator. Defaults to `" "`.
        analyzer: Function splitting a text into words, replacing the above.

    Returns:
        List of integer word indices.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":

        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)

    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(word) % (n - 1) + 1 for word in words]


class Tokenizer:
    """Turns texts into sequences of word indices or into count matrices.

    Words are indexed from 1 by decreasing frequency in the texts seen by
    `fit_on_texts` (ties in first-seen order); with `oov_token` it takes index 1.
    Index 0 is never assigned.

    Args:
        num_words: Only words of index below `num_words` are kept in outputs.
            Defaults to `None` (all).
        filters: Characters removed from texts.
        lower: Whether to lowercase texts. Defaults to `True`.
        split: Word separator. Defaults to `" "`.
        char_level: Whether every character is a token. Defaults to `False`.
        oov_token: Token standing for out-of-vocabulary words, or `None`.
        analyzer: Function splitting a text into words, replacing the above.

    Example:

    >>> tokenizer = Tokenizer()
    >>> tokenizer.fit_on_texts(["the cat", "the dog"])
    >>> tokenizer.texts_to_sequences(["the dog"])
    [[1, 3]]
    """

    def __init__(
        self,
        num_words=None,
        filters=DEFAULT_FILTERS,
        lower=True,
        split=" ",
        char_level=False,
        oov_token=None,
        analyzer=None,
        **kwargs,
    ):
        if "nb_words" in kwargs:
            warnings.warn(
                "The `nb_words` argument in `Tokenizer` has been renamed `num_words`.",
                stacklevel=2,
            )
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level, self.oov_token = char_level, oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index, self.index_word = {}, {}
        self.analyzer = analyzer

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = (
                    [t.lower() for t in text]
                    if isinstance(text, list)
                    else text.lower()
                )
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(
            text, filters=self.filters, lower=self.lower, split=self.split
        )

    def fit_on_texts(self, texts):
        """Updates the vocabulary (word counts and indices) from `texts`."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for word in tokens:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(tokens):
                self.word_docs[word] += 1
        ranked = sorted(
            self.word_counts.items(), key=lambda item: item[1], reverse=True
        )
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary += [word for word, _ in ranked]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for word, count in list(self.word_docs.items()):
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences):
        """Updates the document counts (for `"tfidf"`) from index sequences."""
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yields each text as a list of word indices."""
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            indices = []
            for word in self._tokens(text):
                index = self.word_index.get(word)
                if index is not None and not (
                    self.num_words and index >= self.num_words
                ):
                    indices.append(index)
                elif oov is not None and (
                    index is not None or self.oov_token is not None
                ):
                    indices.append(oov)
            yield indices

    def sequences_to_texts(self, sequences):
        """Each index sequence as a text of space-separated words."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yields each index sequence as a text."""
        oov = self.word_index.get(self.oov_token)
        for sequence in sequences:
            words = []
            for index in sequence:
                word = self.index_word.get(index)
                if word is not None and not (
                    self.num_words and index >= self.num_words
                ):
                    words.append(word)
                elif oov is not None and (
                    word is not None or self.oov_token is not None
                ):
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """`sequences_to_matrix` of the texts' sequences."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A `(len(sequences), num_words)` matrix: `"binary"`, `"count"`,
        `"freq"` or `"tfidf"` of each word index per sequence."""
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError(
                "Specify a dimension (`num_words` argument), or fit on some text "
                "data first."
            )
        if mode not in ("binary", "count", "freq", "tfidf"):
            raise ValueError(
                'Unknown vectorization mode: expected "binary", "count", "freq" or '
                f'"tfidf". Received: mode={mode!r}.'
            )
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        for row, sequence in enumerate(sequences):
            if not sequence:
                continue
            counts = collections.Counter(j for j in sequence if j < num_words)
            for j, count in counts.items():
                if mode == "count":
                    x[row][j] = count
                elif mode == "freq":
                    x[row][j] = count / len(sequence)
                elif mode == "binary":
                    x[row][j] = 1
                else:
                    idf = np.log(
                        1 + self.document_count / (1 + self.index_docs.get(j, 0))
                    )
                    x[row][j] = (1 + np.log(count)) * idf
        return x

    def get_config(self):
        """The tokenizer's settings and vocabulary (dicts as JSON strings)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer as a JSON string (see `tokenizer_from_json`)."""
        return json.dumps(
            {"class_name": type(self).__name__, "config": self.get_config()}, **kwargs
        )


def tokenizer_from_json(json_string):
    """Rebuilds a `Tokenizer` from `Tokenizer.to_json()`."""
    config = dict(json.loads(json_string).get("config"))
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts, tokenizer.word_docs = word_counts, word_docs
    tokenizer.index_docs, tokenizer.word_index = index_docs, word_index
    tokenizer.index_word = index_word
    return tokenizer


__all__ = [
    "Tokenizer",
    "hashing_trick",
    "one_hot",
    "text_to_word_sequence",
    "tokenizer_from_json",
]
