"""MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 from tiny files in Keras's exact
formats and cache places, checked by hand and against Keras's own loaders."""

import os
import pickle

import numpy as np
import pytest
from dataset_writers import (
    cifar_batch,
    isolate_cache,
    keras_sharing_cache,
    mnist_like,
    python2_pickle,
    sha256,
    write_idx,
    write_idx_folder,
    write_npz,
    write_tar_gz,
)

import ember
from ember.datasets import cifar10, cifar100, fashion_mnist, mnist

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")


@pytest.fixture(autouse=True)
def datasets(tmp_path, monkeypatch):
    return isolate_cache(tmp_path, monkeypatch)


def assert_splits_equal(actual, expected):
    for got, want in zip(
        (*actual[0], *actual[1]), (*expected[0], *expected[1]), strict=True
    ):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


# MNIST --------------------------------------------------------------------


@pytest.fixture
def mnist_npz(datasets, monkeypatch):
    """A tiny `mnist.npz` in the cache, its hash made the expected one."""
    splits = mnist_like(np.random.default_rng(0), 7, 3)
    (x_train, y_train), (x_test, y_test) = splits
    path = write_npz(
        datasets / "mnist.npz",
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
    )
    monkeypatch.setattr(mnist, "_FILE_HASH", sha256(path))
    return splits


def test_mnist_reads_the_cached_npz(mnist_npz):
    assert_splits_equal(mnist.load_data(), mnist_npz)


def test_mnist_matches_keras(mnist_npz, datasets, monkeypatch):
    keras = keras_sharing_cache(monkeypatch, datasets)
    assert_splits_equal(mnist.load_data(), keras.datasets.mnist.load_data())


def test_mnist_refuses_a_corrupted_npz_when_offline(mnist_npz, datasets):
    with open(datasets / "mnist.npz", "r+b") as f:
        f.seek(100)
        f.write(b"\xff\xff")
    with pytest.raises(OSError, match="expected") as info:
        mnist.load_data()
    assert str(datasets / "mnist.npz") in str(info.value)


def test_mnist_downloads_a_corrupted_npz_again(
    mnist_npz, datasets, tmp_path, monkeypatch
):
    cached = datasets / "mnist.npz"
    server = tmp_path / "server" / "mnist.npz"
    server.parent.mkdir()
    server.write_bytes(cached.read_bytes())
    monkeypatch.setattr(mnist, "_ORIGIN", server.as_uri())
    cached.write_bytes(cached.read_bytes()[:-10])
    assert_splits_equal(mnist.load_data(), mnist_npz)
    assert cached.read_bytes() == server.read_bytes()


def test_mnist_offline_error_says_where_to_put_the_file(datasets):
    with pytest.raises(OSError) as info:
        mnist.load_data()
    message = str(info.value)
    assert (
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
        in message
    )
    assert str(datasets / "mnist.npz") in message
    assert "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1" in message


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_mnist_reads_a_folder_of_idx_files(tmp_path, compress):
    splits = mnist_like(np.random.default_rng(1), 5, 4)
    folder = write_idx_folder(tmp_path / "idx", splits, compress=compress)
    loaded = mnist.load_data(folder)
    assert_splits_equal(loaded, splits)
    assert loaded[0][0].flags.writeable
    assert_splits_equal(mnist.load_data(str(folder)), splits)


def test_mnist_folder_missing_a_file(tmp_path):
    folder = write_idx_folder(
        tmp_path / "idx", mnist_like(np.random.default_rng(2), 2, 2)
    )
    os.remove(folder / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(FileNotFoundError, match="has no t10k-labels-idx1-ubyte.gz"):
        mnist.load_data(folder)


def test_mnist_folder_with_mismatched_files(tmp_path):
    (x_train, y_train), test = mnist_like(np.random.default_rng(3), 4, 2)
    folder = write_idx_folder(tmp_path / "idx", ((x_train, y_train[:3]), test))
    with pytest.raises(
        ValueError, match=r"shape \(4, 28, 28\) and labels of shape \(3,\)"
    ):
        mnist.load_data(folder)


@pytest.mark.skipif(
    not os.path.isdir(os.path.join(SHARED, "mnist")),
    reason="the project's shared MNIST copy is absent",
)
def test_mnist_shared_copy():
    (x_train, y_train), (x_test, y_test) = mnist.load_data(
        os.path.join(SHARED, "mnist")
    )
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    # Facts published with the files (shared/data/README.md).
    np.testing.assert_array_equal(y_train[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    np.testing.assert_array_equal(y_test[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    np.testing.assert_array_equal(
        np.bincount(y_test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    )
    assert abs(x_train.mean() / 255 - 0.1306604762738429) < 1e-12


# Fashion-MNIST ------------------------------------------------------------


@pytest.fixture
def fashion_files(datasets):
    splits = mnist_like(np.random.default_rng(4), 6, 3)
    write_idx_folder(datasets / "fashion-mnist", splits)
    return splits


def test_fashion_mnist_reads_the_cached_idx_files(fashion_files):
    loaded = fashion_mnist.load_data()
    assert_splits_equal(loaded, fashion_files)
    assert loaded[0][0].flags.writeable


def test_fashion_mnist_matches_keras(fashion_files, datasets, monkeypatch):
    keras = keras_sharing_cache(monkeypatch, datasets)
    assert_splits_equal(
        fashion_mnist.load_data(), keras.datasets.fashion_mnist.load_data()
    )


def test_fashion_mnist_truncated_file(fashion_files, datasets):
    path = datasets / "fashion-mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="not a valid IDX file") as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert str(path) in message and "delete it to download it again" in message
    assert "tf-keras-datasets/train-images-idx3-ubyte.gz" in message


def test_fashion_mnist_wrong_magic(fashion_files, datasets):
    path = datasets / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz"
    write_idx(path, np.zeros((3, 2), np.int32))
    with pytest.raises(ValueError, match="do not match"):
        fashion_mnist.load_data()
    path.write_bytes(b"\x00\x00\x42\x01rest")
    with pytest.raises(ValueError, match="bad magic number 00004201"):
        fashion_mnist.load_data()


def test_fashion_mnist_offline_error_names_each_missing_file(fashion_files, datasets):
    os.remove(datasets / "fashion-mnist" / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(OSError) as info:
        fashion_mnist.load_data()
    assert str(datasets / "fashion-mnist" / "t10k-images-idx3-ubyte.gz") in str(
        info.value
    )


@pytest.mark.skipif(
    not os.path.isdir(os.path.join(SHARED, "fashion_mnist")),
    reason="the project's shared Fashion-MNIST copy is absent",
)
def test_fashion_mnist_shared_copy_through_the_cache(datasets):
    # The shared files are the originals, under the names Keras caches them by.
    cache = datasets / "fashion-mnist"
    cache.mkdir(parents=True)
    for name in os.listdir(os.path.join(SHARED, "fashion_mnist")):
        os.symlink(os.path.join(SHARED, "fashion_mnist", name), cache / name)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    np.testing.assert_array_equal(y_train[:10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)


# CIFAR ----------------------------------------------------------------------


def write_cifar10(datasets, monkeypatch, n, compresslevel=6):
    """A CIFAR-10 archive of six batches of `n` images, at Keras's cache name."""
    rng = np.random.default_rng(5)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches = {name: cifar_batch(rng, n) for name in names}
    archive = write_tar_gz(
        datasets / "cifar-10-batches-py-target_archive",
        {
            f"cifar-10-batches-py/{name}": python2_pickle(batch)
            for name, batch in batches.items()
        }
        | {"cifar-10-batches-py/readme.html": b"<html></html>"},
        compresslevel=compresslevel,
    )
    monkeypatch.setattr(cifar10, "_FILE_HASH", sha256(archive))
    return [batches[name] for name in names]


def write_cifar100(datasets, monkeypatch):
    rng = np.random.default_rng(6)
    keys = ("fine_labels", "coarse_labels")
    train = cifar_batch(rng, 8, keys, num_classes=20)
    test = cifar_batch(rng, 5, keys, num_classes=20)
    archive = write_tar_gz(
        datasets / "cifar-100-python-target_archive",
        {
            "cifar-100-python/meta": python2_pickle({b"fine_label_names": []}),
            "cifar-100-python/train": python2_pickle(train),
            "cifar-100-python/test": python2_pickle(test),
        },
    )
    monkeypatch.setattr(cifar100, "_FILE_HASH", sha256(archive))
    return train, test


def expected_images(batches, channels_last=True):
    images = np.concatenate([b[b"data"] for b in batches]).reshape(-1, 3, 32, 32)
    return images.transpose(0, 2, 3, 1) if channels_last else images


def test_cifar10_reads_the_cached_archive(datasets, monkeypatch):
    batches = write_cifar10(datasets, monkeypatch, n=4)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (20, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (20, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (4, 32, 32, 3) and x_test.dtype == np.uint8
    assert y_test.shape == (4, 1) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(x_train, expected_images(batches[:5]))
    np.testing.assert_array_equal(x_test, expected_images(batches[5:]))
    np.testing.assert_array_equal(
        y_train[:, 0], np.concatenate([b[b"labels"] for b in batches[:5]])
    )
    np.testing.assert_array_equal(y_test[:, 0], batches[5][b"labels"])
    # Pixel (row 1, column 2) of image 0 holds the red, green and blue planes.
    data = batches[0][b"data"][0]
    np.testing.assert_array_equal(x_train[0, 1, 2], data[[34, 1024 + 34, 2048 + 34]])
    assert not os.path.exists(datasets / "cifar-10-batches-py-target")


def test_cifar10_channels_first(datasets, monkeypatch):
    batches = write_cifar10(datasets, monkeypatch, n=2)
    monkeypatch.setattr(
        ember.backend.config, "image_data_format", lambda: "channels_first"
    )
    (x_train, _), (x_test, _) = cifar10.load_data()
    np.testing.assert_array_equal(x_train, expected_images(batches[:5], False))
    np.testing.assert_array_equal(x_test, expected_images(batches[5:], False))


@pytest.mark.slow
def test_cifar10_matches_keras(datasets, monkeypatch):
    # Keras's loader assumes batches of exactly 10,000 images.
    write_cifar10(datasets, monkeypatch, n=10000, compresslevel=1)
    keras = keras_sharing_cache(monkeypatch, datasets)
    assert_splits_equal(cifar10.load_data(), keras.datasets.cifar10.load_data())


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(datasets, monkeypatch, label_mode):
    train, test = write_cifar100(datasets, monkeypatch)
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode)
    assert x_train.shape == (8, 32, 32, 3) and x_train.dtype == np.uint8
    assert x_test.shape == (5, 32, 32, 3)
    # Keras reshapes the label list, so the labels have NumPy's default integer.
    assert y_train.shape == (8, 1) and y_train.dtype == np.asarray([1]).dtype
    np.testing.assert_array_equal(x_train, expected_images([train]))
    np.testing.assert_array_equal(y_train[:, 0], train[f"{label_mode}_labels".encode()])
    np.testing.assert_array_equal(y_test[:, 0], test[f"{label_mode}_labels".encode()])


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_matches_keras(datasets, monkeypatch, label_mode):
    write_cifar100(datasets, monkeypatch)
    keras = keras_sharing_cache(monkeypatch, datasets)
    assert_splits_equal(
        cifar100.load_data(label_mode), keras.datasets.cifar100.load_data(label_mode)
    )


def test_cifar100_label_mode_error():
    with pytest.raises(
        ValueError,
        match="Invalid value for argument `label_mode` of `cifar100.load_data`: "
        "expected one of 'fine', 'coarse'. Received: label_mode='medium'",
    ):
        cifar100.load_data("medium")


def test_cifar_offline_error_names_keras_archive_path(datasets):
    with pytest.raises(OSError) as info:
        cifar10.load_data()
    message = str(info.value)
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert str(datasets / "cifar-10-batches-py-target_archive") in message


def test_cifar_refuses_a_pickle_that_runs_code(datasets, monkeypatch, tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    archive = write_tar_gz(
        datasets / "cifar-100-python-target_archive",
        {
            "cifar-100-python/train": pickle.dumps({b"data": Exploit()}),
            "cifar-100-python/test": pickle.dumps({}),
        },
    )
    monkeypatch.setattr(cifar100, "_FILE_HASH", sha256(archive))
    with pytest.raises(ValueError, match="could not be read safely") as info:
        cifar100.load_data()
    assert "refusing to load `posix.system`" in str(info.value)
    assert not marker.exists()


def test_cifar_archive_without_the_batches(datasets, monkeypatch):
    archive = write_tar_gz(
        datasets / "cifar-100-python-target_archive", {"other/file": b""}
    )
    monkeypatch.setattr(cifar100, "_FILE_HASH", sha256(archive))
    with pytest.raises(ValueError, match="lacks"):
        cifar100.load_data()
