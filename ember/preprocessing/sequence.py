"""`keras.preprocessing.sequence`: `pad_sequences` and the legacy sequence tools
(`TimeseriesGenerator`, `make_sampling_table`, `skipgrams`)."""

import json
import random

import numpy as np

from ember.trainers.data.py_dataset import PyDataset
from ember.utils.sequence_utils import pad_sequences


class TimeseriesGenerator(PyDataset):
    """Batches of windows over a time series, each with the target of the step
    that follows it (Keras's legacy generator; prefer
    `ember.utils.timeseries_dataset_from_array`).

    Sample `row` is `data[row - length : row : sampling_rate]` with target
    `targets[row]`, for rows from `start_index + length` to `end_index`
    (inclusive), `stride` apart.

    Args:
        data: Indexable time series (axis 0 is time).
        targets: Targets, as long as `data`.
        length: Number of timesteps each window spans (before sampling).
        sampling_rate: Steps between the timesteps of a window. Defaults to `1`.
        stride: Steps between consecutive windows. Defaults to `1`.
        start_index: Data before it is not used as targets. Defaults to `0`.
        end_index: Last target step; `None` for `len(data) - 1`.
        shuffle: Whether to draw the rows of each batch at random.
            Defaults to `False`.
        reverse: Whether to reverse the timesteps of each window.
            Defaults to `False`.
        batch_size: Windows per batch. Defaults to `128`.
        **kwargs: `PyDataset` arguments.

    Example:

    >>> gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3,
    ...     batch_size=2)
    >>> gen[0][0].tolist(), gen[0][1].tolist()
    ([[0, 1, 2], [1, 2, 3]], [3, 4])
    """

    def __init__(
        self,
        data,
        targets,
        length,
        sampling_rate=1,
        stride=1,
        start_index=0,
        end_index=None,
        shuffle=False,
        reverse=False,
        batch_size=128,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(
                "Data and targets have to be of same length. Data length is "
                f"{len(data)} while target length is {len(targets)}"
            )
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                f"`start_index+length={self.start_index} > end_index="
                f"{self.end_index}` is disallowed, as no part of the sequence "
                "would be left to be used as current step."
            )

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(
                self.start_index, self.end_index + 1, size=self.batch_size
            )
        else:
            first = self.start_index + self.batch_size * self.stride * index
            stop = min(first + self.batch_size * self.stride, self.end_index + 1)
            rows = np.arange(first, stop, self.stride)
        samples = np.array(
            [self.data[row - self.length : row : self.sampling_rate] for row in rows]
        )
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """The constructor arguments, data and targets as JSON strings."""

        def as_json(value, name):
            if type(value).__module__ == np.__name__:
                value = value.tolist()
            try:
                return json.dumps(value)
            except TypeError as error:
                raise TypeError(f"{name} not JSON Serializable: {value}") from error

        return {
            "data": as_json(self.data, "Data"),
            "targets": as_json(self.targets, "Targets"),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }

    def to_json(self, **kwargs):
        """The generator's class name and config as a JSON string."""
        return json.dumps(
            {"class_name": type(self).__name__, "config": self.get_config()}, **kwargs
        )


def make_sampling_table(size, sampling_factor=1e-5):
    """Word-rank sampling probabilities for `skipgrams` (Zipf's law estimate of
    word frequencies, word2vec's subsampling formula).

    Args:
        size: Vocabulary size.
        sampling_factor: word2vec's sampling factor. Defaults to `1e-5`.

    Returns:
        Array of length `size`: the probability of sampling the i-th most
        common word.
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inverse_frequency
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(
    sequence,
    vocabulary_size,
    window_size=4,
    negative_samples=1.0,
    shuffle=True,
    categorical=False,
    sampling_table=None,
    seed=None,
):
    """Skip-gram word pairs of a sequence of word indices, with negative samples.

    Positive pairs `[word, context]` (label 1) join each word to its neighbours
    within `window_size`; index 0 is skipped. Negative pairs (label 0) join
    words to random indices in `[1, vocabulary_size)`. Uses Python's `random`.

    Args:
        sequence: List of word indices.
        vocabulary_size: One more than the largest word index.
        window_size: Half-width of the context window. Defaults to `4`.
        negative_samples: Negative pairs per positive pair. Defaults to `1.0`.
        shuffle: Whether to shuffle the pairs. Defaults to `True`.
        categorical: Whether labels are `[0, 1]`/`[1, 0]` rather than 1/0.
            Defaults to `False`.
        sampling_table: Probabilities of keeping each word (see
            `make_sampling_table`), or `None`.
        seed: Random seed of the shuffle.

    Returns:
        `(couples, labels)`.
    """
    couples, labels = [], []
    positive = [0, 1] if categorical else 1
    negative = [1, 0] if categorical else 0
    for i, word in enumerate(sequence):
        if not word:
            continue
        if sampling_table is not None and sampling_table[word] < random.random():
            continue
        for j in range(
            max(0, i - window_size), min(len(sequence), i + window_size + 1)
        ):
            if j != i and sequence[j]:
                couples.append([word, sequence[j]])
                labels.append(positive)
    if negative_samples > 0:
        count = int(len(labels) * negative_samples)
        words = [pair[0] for pair in couples]
        random.shuffle(words)
        couples += [
            [words[i % len(words)], random.randint(1, vocabulary_size - 1)]
            for i in range(count)
        ]
        labels += [negative] * count
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10e6)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]
