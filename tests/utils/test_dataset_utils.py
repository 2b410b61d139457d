"""The `Dataset` the loaders return (tf.data-style methods, workers, fit) and
`split_dataset` (against Keras on its torch backend)."""

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember
from ember.utils import split_dataset, timeseries_dataset_from_array
from ember.utils.batched_dataset import ArraySource, Batched, Dataset


def _windows(n=20, batch_size=4, **kwargs):
    data = np.arange(n)
    return timeseries_dataset_from_array(
        data, data * 10, 1, batch_size=batch_size, **kwargs
    )


def test_map_take_skip_and_cardinality():
    ds = _windows()
    assert ds.cardinality() == len(ds) == 5
    doubled = ds.map(lambda x, y: (x * 2, y))
    assert doubled[0][0][:, 0].tolist() == [0, 2, 4, 6]
    assert [b[1].tolist() for b in ds.skip(3)] == [
        [120, 130, 140, 150],
        [160, 170, 180, 190],
    ]
    assert len(ds.take(2)) == 2 and len(ds.take(-1)) == 5 and len(ds.skip(9)) == 0
    numpy_batches = list(ds.as_numpy_iterator())
    assert isinstance(numpy_batches[0][0], np.ndarray)


def test_unbatch_and_batch_again():
    ds = _windows(n=10, batch_size=4)
    samples = ds.unbatch()
    assert len(samples) == 10 and samples[3][1].item() == 30
    rebatched = samples.batch(3, drop_remainder=True)
    assert [tuple(x.shape) for x, _ in rebatched] == [(3, 1)] * 3
    mapped = ds.map(lambda x, y: (x + 1, y)).unbatch()
    assert len(mapped) == 10 and mapped[9][0].tolist() == [10]


def test_shuffle_cache_and_prefetch():
    ds = _windows(n=12, batch_size=None)
    shuffled = ds.shuffle(100, seed=3)
    first = [int(x) for x, _ in shuffled]
    second = [int(x) for x, _ in shuffled]
    assert sorted(first) == list(range(12)) and first != second
    again = [int(x) for x, _ in ds.shuffle(100, seed=3)]
    assert again == first
    fixed = ds.shuffle(100, seed=3, reshuffle_each_iteration=False)
    assert [int(x) for x, _ in fixed] == [int(x) for x, _ in fixed]
    calls = []
    cached = ds.map(lambda x, y: (calls.append(1) or x, y)).cache()
    list(cached)
    list(cached)
    assert len(calls) == 12
    prefetched = _windows().prefetch(4)
    assert prefetched.max_queue_size == 4 and len(list(prefetched)) == 5


def test_class_names_survive_transformations(tmp_path):
    ds = _windows()
    ds.class_names, ds.file_paths = ["a"], ["p"]
    derived = ds.map(lambda x, y: (x, y)).prefetch(2)
    assert derived.class_names == ["a"] and derived.file_paths == ["p"]


def test_strings_batch_into_numpy_arrays():
    ds = Dataset(Batched(ArraySource(np.array(["a", "bb", "ccc"])), 2), 2)
    assert ds[0].tolist() == ["a", "bb"] and ds[1].tolist() == ["ccc"]


def test_fit_with_worker_processes():
    ember.utils.set_random_seed(0)
    x = np.random.default_rng(0).random((64, 4)).astype("float32")
    y = x.sum(-1, keepdims=True)
    source = ArraySource((x, y))
    ds = Dataset(Batched(source, 16), 16, workers=2, use_multiprocessing=True)
    assert [tuple(b[0].shape) for b in ds] == [(16, 4)] * 4
    model = ember.Sequential([ember.Input((4,)), ember.layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(ds, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0])


@pytest.mark.parametrize(
    "left_size, right_size", [(0.8, None), (None, 3), (6, 4), (0.5, 0.5)], ids=str
)
def test_split_arrays_matches_keras(left_size, right_size):
    keras = keras_or_skip()
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10)
    ours = split_dataset((x, y), left_size, right_size, shuffle=True, seed=5)
    theirs = keras.utils.split_dataset(
        (x, y), left_size, right_size, shuffle=True, seed=5
    )
    for a, b in zip(ours, theirs):
        assert len(a) == len(b)
        assert [int(a[i][1]) for i in range(len(a))] == [
            int(b[i][1]) for i in range(len(b))
        ]


def test_split_without_shuffle_keeps_order():
    # Keras's torch path shuffles even with shuffle=False; the argument's
    # documented meaning is followed: the first and the last samples.
    left, right = split_dataset([np.arange(10)], left_size=6, right_size=3)
    assert [int(left[i][0]) for i in range(6)] == list(range(6))
    assert [int(right[i][0]) for i in range(3)] == [7, 8, 9]


def test_split_numpy_and_torch_datasets():
    left, right = split_dataset(np.zeros((10, 3)), left_size=0.7)
    assert (len(left), len(right)) == (7, 3)
    tensors = torch.utils.data.TensorDataset(torch.arange(8))
    left, right = split_dataset(tensors, right_size=2, shuffle=True, seed=1)
    assert (len(left), len(right)) == (6, 2)
    values = [int(part[i][0]) for part in (left, right) for i in range(len(part))]
    assert sorted(values) == list(range(8)) and values != list(range(8))


def test_split_ember_dataset_keeps_batching():
    ds = _windows(n=10, batch_size=4)
    left, right = split_dataset(ds, left_size=0.6, shuffle=True, seed=2)
    assert [tuple(x.shape) for x, _ in left] == [(4, 1), (2, 1)]
    assert [tuple(x.shape) for x, _ in right] == [(4, 1)]
    values = sorted(int(v) for part in (left, right) for x, _ in part for v in x)
    assert values == list(range(10))
    for part in (left, right):
        for x, y in part:
            torch.testing.assert_close(x[:, 0] * 10, y)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(), "At least one"),
        (dict(left_size=0), "left_size"),
        (dict(left_size=1.5), "left_size"),
        (dict(left_size="a"), "left_size"),
        (dict(left_size=0.7, right_size=0.7), "greater than 1"),
        (dict(left_size=8, right_size=8), "sum"),
    ],
    ids=["none", "zero", "over-one", "type", "fractions", "counts"],
)
def test_split_errors(kwargs, error):
    with pytest.raises((ValueError, TypeError), match=error):
        split_dataset(np.zeros((10, 2)), **kwargs)
