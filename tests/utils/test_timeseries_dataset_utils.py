"""`timeseries_dataset_from_array`: the windows of Keras's documented examples."""

import numpy as np
import pytest
import torch

import ember
from ember.utils import timeseries_dataset_from_array


def test_documented_example_sampling_rate_and_stride():
    # Keras's example: indices [0, 1, ... 98].
    ds = timeseries_dataset_from_array(
        np.arange(99),
        None,
        sequence_length=10,
        sampling_rate=2,
        sequence_stride=3,
        batch_size=None,
    )
    windows = [w.tolist() for w in ds]
    assert windows[0] == list(range(0, 20, 2))
    assert windows[1] == list(range(3, 23, 2))
    assert windows[2] == list(range(6, 26, 2))
    assert windows[-1] == list(range(78, 98, 2))
    assert len(windows) == 27


def test_documented_example_temporal_regression():
    data = np.random.default_rng(0).random((50, 3)).astype("float32")
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    inputs, targets = next(iter(ds))
    np.testing.assert_array_equal(inputs[0].numpy(), data[:10])
    np.testing.assert_array_equal(targets[0].numpy(), data[10])
    assert inputs.shape == (31, 10, 3) and targets.shape == (31, 3)


def test_documented_example_next_steps():
    x, y, length = np.arange(100), np.arange(100) * 2, 20
    inputs = timeseries_dataset_from_array(x, None, length, sequence_stride=length)
    targets = timeseries_dataset_from_array(y, None, length, sequence_stride=length)
    for batch_x, batch_y in zip(inputs, targets):
        np.testing.assert_array_equal(batch_x[0].numpy(), x[:length])
        np.testing.assert_array_equal(batch_y[1].numpy(), y[length : 2 * length])


@pytest.mark.parametrize(
    "sampling_rate, stride, batch_shapes",
    [(1, 1, [(5, 9)] * 18 + [(2, 9)]), (2, 1, [(5, 9)] * 16 + [(4, 9)])],
    ids=["basics", "sampling_rate"],
)
def test_batches_and_targets(sampling_rate, stride, batch_shapes):
    data = np.arange(100)
    ds = timeseries_dataset_from_array(
        data,
        data * 2,
        9,
        sequence_stride=stride,
        sampling_rate=sampling_rate,
        batch_size=5,
    )
    assert [tuple(x.shape) for x, _ in ds] == batch_shapes
    for i, (inputs, targets) in enumerate(ds):
        torch.testing.assert_close(inputs[:, 0] * 2, targets)
        for j in range(len(inputs)):
            start = i * 5 + j
            assert inputs[j].tolist() == list(
                range(start, start + 9 * sampling_rate, sampling_rate)
            )


def test_sequence_stride():
    data = np.arange(100)
    ds = timeseries_dataset_from_array(
        data, data * 2, 9, sequence_stride=3, batch_size=5
    )
    shapes = [tuple(x.shape) for x, _ in ds]
    assert shapes == [(5, 9)] * 6 + [(1, 9)]
    first, targets = ds[0]
    assert first[:, 0].tolist() == [0, 3, 6, 9, 12]
    assert targets.tolist() == [0, 6, 12, 18, 24]


def test_regression_offsets_and_no_targets():
    data = np.arange(10)
    ds = timeseries_dataset_from_array(data, data[3:], sequence_length=3, batch_size=1)
    batches = list(ds)
    assert len(batches) == 7
    for i, (inputs, targets) in enumerate(batches):
        assert inputs.tolist() == [list(data[i : i + 3])]
        assert targets.tolist() == [data[3 + i]]
    unlabeled = timeseries_dataset_from_array(np.arange(50), None, 10, batch_size=5)
    assert [tuple(b.shape) for b in unlabeled] == [(5, 10)] * 8 + [(1, 10)]


def test_start_and_end_index():
    data = np.arange(100)
    ds = timeseries_dataset_from_array(
        data, data * 2, 9, batch_size=5, start_index=10, end_index=90
    )
    windows = torch.cat([x for x, _ in ds])
    targets = torch.cat([y for _, y in ds])
    assert windows[0].tolist() == list(range(10, 19))
    assert windows[-1].tolist() == list(range(81, 90))
    assert len(windows) == 90 - 10 - 8
    torch.testing.assert_close(windows[:, 0] * 2, targets)


def test_shuffle_is_seeded_and_reshuffles_each_iteration():
    data = np.arange(10)

    def make():
        return timeseries_dataset_from_array(
            data, data * 2, 5, batch_size=1, shuffle=True, seed=123
        )

    ds = make()
    first = next(iter(ds.take(1)))
    x, y = first
    torch.testing.assert_close(x[:, 0] * 2, y)
    second = next(iter(ds.take(1)))
    assert not torch.equal(first[0], second[0])
    torch.testing.assert_close(next(iter(make().take(1)))[0], first[0])
    all_windows = sorted(tuple(x[0].tolist()) for x, _ in make())
    assert all_windows == [tuple(range(i, i + 5)) for i in range(6)]


def test_argument_errors():
    data = np.arange(10)
    with pytest.raises(ValueError, match="start_index"):
        timeseries_dataset_from_array(data, None, 3, start_index=-1)
    with pytest.raises(ValueError, match="end_index"):
        timeseries_dataset_from_array(data, None, 3, start_index=5, end_index=4)
    with pytest.raises(ValueError, match="sampling_rate"):
        timeseries_dataset_from_array(data, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="sequence_stride"):
        timeseries_dataset_from_array(data, None, 3, sequence_stride=10)


def test_fit_on_windows():
    ember.utils.set_random_seed(0)
    series = np.sin(np.arange(400) / 8).astype("float32")[:, None]
    ds = timeseries_dataset_from_array(
        series[:-1],
        series[8:],
        sequence_length=8,
        batch_size=32,
        shuffle=True,
        seed=0,
    )
    model = ember.Sequential(
        [ember.Input((8, 1)), ember.layers.Flatten(), ember.layers.Dense(1)]
    )
    model.compile("adam", "mse")
    history = model.fit(ds, epochs=3, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
