"""Boston and California housing from tiny `.npz` files, against Keras."""

import numpy as np
import pytest
from dataset_writers import isolate_cache, keras_sharing_cache, sha256, write_npz

from ember.datasets import boston_housing, california_housing


@pytest.fixture(autouse=True)
def datasets(tmp_path, monkeypatch):
    return isolate_cache(tmp_path, monkeypatch)


@pytest.fixture
def boston_npz(datasets, monkeypatch):
    rng = np.random.default_rng(0)
    path = write_npz(
        datasets / "boston_housing.npz", x=rng.random((50, 13)), y=rng.random(50) * 50
    )
    monkeypatch.setattr(boston_housing, "_FILE_HASH", sha256(path))


@pytest.fixture
def california_npz(datasets, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.random((700, 8)).astype(np.float32)
    path = write_npz(datasets / "california_housing.npz", x=x, y=rng.random(700) * 5e5)
    monkeypatch.setattr(california_housing, "_FILE_HASH", sha256(path))


def assert_same(actual, expected):
    for got, want in zip((*actual[0], *actual[1]), (*expected[0], *expected[1])):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "options",
    [{}, {"test_split": 0.5}, {"test_split": 0.0}, {"seed": 3}],
    ids=["defaults", "test_split-0.5", "test_split-0", "seed"],
)
def test_boston_matches_keras(boston_npz, datasets, monkeypatch, options):
    keras = keras_sharing_cache(monkeypatch, datasets)
    expected = keras.datasets.boston_housing.load_data(**options)
    assert_same(boston_housing.load_data(**options), expected)


@pytest.mark.parametrize(
    "options",
    [{}, {"version": "small"}, {"version": "small", "test_split": 0.1, "seed": 0}],
    ids=["large", "small", "small-split"],
)
def test_california_matches_keras(california_npz, datasets, monkeypatch, options):
    keras = keras_sharing_cache(monkeypatch, datasets)
    expected = keras.datasets.california_housing.load_data(**options)
    assert_same(california_housing.load_data(**options), expected)


def test_split_sizes(boston_npz, california_npz):
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (40, 13) and x_test.shape == (10, 13)
    assert y_train.shape == (40,) and y_test.shape == (10,)
    (x_train, _), (x_test, _) = california_housing.load_data("small")
    assert x_train.shape == (480, 8) and x_test.shape == (120, 8)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: boston_housing.load_data(test_split=1.0), "`test_split` of `boston"),
        (lambda: california_housing.load_data(test_split=-0.1), "`test_split` of"),
        (lambda: california_housing.load_data("medium"), "`version` of `california"),
    ],
    ids=["boston-split", "california-split", "california-version"],
)
def test_argument_errors_come_before_any_download(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_offline_error(datasets):
    with pytest.raises(OSError) as info:
        california_housing.load_data()
    assert str(datasets / "california_housing.npz") in str(info.value)
    assert "tf-keras-datasets/california_housing.npz" in str(info.value)
