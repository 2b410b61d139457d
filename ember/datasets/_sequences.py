"""The preprocessing IMDB and Reuters share, step for step as Keras does it, so
the same arguments give the same sequences, order and labels."""

import numpy as np

from ember.backend.errors import ArgumentError


def check_arguments(owner, num_words, skip_top, maxlen):
    # 0 is allowed where Keras allows it: it means "no limit", like None.
    for name, value in (("num_words", num_words), ("maxlen", maxlen)):
        if value is not None and (not _is_int(value) or value < 0):
            raise ArgumentError(name, "a positive integer or None", value, owner)
    if not _is_int(skip_top) or skip_top < 0:
        raise ArgumentError("skip_top", "a non-negative integer", skip_top, owner)


def shuffled(rng, sequences, labels):
    """Both arrays in the same order, drawn from `rng` (a `RandomState`)."""
    indices = np.arange(len(sequences))
    rng.shuffle(indices)
    return sequences[indices], labels[indices]


def mark_and_offset(sequences, start_char, index_from):
    """Lists of word indices shifted by `index_from`, led by `start_char`."""
    head = [] if start_char is None else [start_char]
    return [head + [w + index_from for w in x] for x in sequences]


def drop_long(sequences, labels, maxlen):
    """The sequences strictly shorter than `maxlen`, with their labels (Keras
    drops longer sequences rather than truncating them)."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Words outside `[skip_top, num_words)` become `oov_char`, or are removed
    when it is None. Without `num_words` the bound is the largest index seen,
    which (as in Keras) is itself out of range."""
    if not num_words:
        num_words = max((max(x) for x in sequences if x), default=0)
    if oov_char is not None:
        return [
            [w if skip_top <= w < num_words else oov_char for w in x] for x in sequences
        ]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences):
    """A 1-D object array of the lists (never 2-D, whatever their lengths)."""
    array = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        array[i] = sequence
    return array


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
