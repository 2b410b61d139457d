"""`image_dataset_from_directory`: Keras's file listing, classes, splits and
batches, read with Pillow (no TensorFlow), and a CNN trained from the result."""

import os

import numpy as np
import pytest
import torch
from conftest import keras_or_skip
from data_files import write_digit_directory

import ember
from ember import layers
from ember.utils import image_dataset_from_directory

pytest.importorskip("PIL")


@pytest.fixture
def digits(tmp_path):
    return write_digit_directory(tmp_path / "digits", per_class=6)


def _all_files(root):
    return sorted(
        os.path.join(dirpath, name)
        for dirpath, _, names in os.walk(root)
        for name in names
    )


def _labels_of(dataset):
    return torch.cat([y for _, y in dataset]).tolist()


def test_tensorflow_is_not_needed():
    with pytest.raises(ImportError):
        import tensorflow  # noqa: F401


def test_class_names_and_batch_shapes(digits):
    ds = image_dataset_from_directory(
        digits, image_size=(16, 16), color_mode="grayscale", batch_size=8, seed=0
    )
    assert ds.class_names == [str(d) for d in range(10)]
    assert len(ds) == 8 and len(ds.file_paths) == 60
    shapes = [(tuple(x.shape), tuple(y.shape)) for x, y in ds]
    assert shapes == [((8, 16, 16, 1), (8,))] * 7 + [((4, 16, 16, 1), (4,))]
    x, y = ds[0]
    assert x.dtype == torch.float32 and y.dtype == torch.int32
    assert 0 <= float(x.min()) and float(x.max()) <= 255


@pytest.mark.parametrize(
    "color_mode, data_format, shape",
    [
        ("rgb", "channels_last", (5, 10, 12, 3)),
        ("rgba", "channels_last", (5, 10, 12, 4)),
        ("grayscale", "channels_first", (5, 1, 10, 12)),
        ("rgb", "channels_first", (5, 3, 10, 12)),
    ],
    ids=["rgb", "rgba", "gray-first", "rgb-first"],
)
def test_color_modes_and_data_formats(digits, color_mode, data_format, shape):
    ds = image_dataset_from_directory(
        digits,
        image_size=(10, 12),
        color_mode=color_mode,
        data_format=data_format,
        batch_size=5,
        shuffle=False,
    )
    assert tuple(ds[0][0].shape) == shape


def test_listing_and_shuffle_match_keras_index(digits):
    """Keras's file indexing is TensorFlow-free: same paths, labels and split."""
    keras_or_skip()
    from keras.src.utils import dataset_utils as keras_dataset_utils

    formats = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
    paths, labels, names = keras_dataset_utils.index_directory(
        digits, "inferred", formats=formats, shuffle=True, seed=7, verbose=False
    )
    for subset in ("training", "validation"):
        expected, expected_labels = (
            keras_dataset_utils.get_training_or_validation_split(
                paths, labels, 0.3, subset
            )
        )
        ds = image_dataset_from_directory(
            digits,
            image_size=(16, 16),
            validation_split=0.3,
            subset=subset,
            seed=7,
            verbose=False,
        )
        assert ds.file_paths == expected
        assert ds.class_names == names
        # The dataset reshuffles every epoch; as a multiset the labels agree.
        assert sorted(_labels_of(ds)) == sorted(expected_labels.tolist())


def test_unshuffled_order_is_alphanumeric(digits):
    ds = image_dataset_from_directory(
        digits, image_size=(16, 16), shuffle=False, batch_size=7, verbose=False
    )
    assert ds.file_paths == _all_files(digits)
    assert _labels_of(ds) == [d for d in range(10) for _ in range(6)]


def test_subset_both_is_disjoint_and_complete(digits):
    train, val = image_dataset_from_directory(
        digits,
        image_size=(16, 16),
        validation_split=0.25,
        subset="both",
        seed=1337,
        verbose=False,
    )
    assert set(train.file_paths).isdisjoint(val.file_paths)
    assert sorted(train.file_paths + val.file_paths) == _all_files(digits)
    assert len(val.file_paths) == int(0.25 * 60)
    # Same seed, asked one subset at a time: the same split.
    alone = image_dataset_from_directory(
        digits,
        image_size=(16, 16),
        validation_split=0.25,
        subset="validation",
        seed=1337,
        verbose=False,
    )
    assert alone.file_paths == val.file_paths
    # Each image keeps its own label through the shuffles.
    for x, y in train.unbatch().take(10):
        assert x.shape == (16, 16, 3) and y.dtype == torch.int32


def test_labels_follow_their_images_across_epochs(digits):
    ds = image_dataset_from_directory(
        digits, image_size=(16, 16), color_mode="grayscale", batch_size=60, seed=3
    )
    reference = image_dataset_from_directory(
        digits,
        image_size=(16, 16),
        color_mode="grayscale",
        batch_size=60,
        shuffle=False,
        verbose=False,
    )
    images, labels = reference[0]
    by_image = {x.numpy().tobytes(): int(y) for x, y in zip(images, labels)}
    epochs = []
    for _ in range(2):
        x, y = next(iter(ds))
        assert [by_image[img.numpy().tobytes()] for img in x] == y.tolist()
        epochs.append(y.tolist())
    assert epochs[0] != epochs[1]  # reshuffled each epoch


@pytest.mark.parametrize(
    "label_mode, shape, dtype",
    [
        ("int", (6,), torch.int32),
        ("categorical", (6, 3), torch.float32),
        (None, None, None),
    ],
    ids=["int", "categorical", "none"],
)
def test_label_modes(tmp_path, label_mode, shape, dtype):
    root = write_digit_directory(tmp_path / "d", digits=(0, 1, 2), per_class=2)
    ds = image_dataset_from_directory(
        root, image_size=(8, 8), label_mode=label_mode, shuffle=False, verbose=False
    )
    item = ds[0]
    if label_mode is None:
        assert isinstance(item, torch.Tensor) and item.shape == (6, 8, 8, 3)
        return
    x, y = item
    assert tuple(y.shape) == shape and y.dtype == dtype
    if label_mode == "categorical":
        assert y.argmax(-1).tolist() == [0, 0, 1, 1, 2, 2]


def test_binary_labels_and_explicit_class_names(tmp_path):
    root = write_digit_directory(tmp_path / "d", digits=(3, 5, 7), per_class=2)
    ds = image_dataset_from_directory(
        root,
        image_size=(8, 8),
        label_mode="binary",
        class_names=["7", "3"],
        shuffle=False,
        verbose=False,
    )
    assert ds.class_names == ["7", "3"]
    _, y = ds[0]
    assert y.shape == (4, 1) and y.dtype == torch.float32
    assert y[:, 0].tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="exactly 2"):
        image_dataset_from_directory(root, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="class_names"):
        image_dataset_from_directory(root, class_names=["3", "9"], verbose=False)


def test_explicit_labels_and_no_labels(tmp_path):
    root = write_digit_directory(tmp_path / "d", digits=(0, 1), per_class=3)
    labels = [5, 4, 5, 4, 5, 4]
    ds = image_dataset_from_directory(
        root, labels=labels, image_size=(8, 8), shuffle=False, verbose=False
    )
    assert ds.class_names == ["4", "5"]
    assert ds[0][1].tolist() == labels
    unlabeled = image_dataset_from_directory(
        root, labels=None, image_size=(8, 8), batch_size=None, shuffle=False
    )
    assert len(unlabeled) == 6 and unlabeled[0].shape == (8, 8, 3)
    with pytest.raises(ValueError, match="lengths of `labels`"):
        image_dataset_from_directory(root, labels=[0, 1], verbose=False)


def test_argument_errors(digits):
    with pytest.raises(ValueError, match="seed"):
        image_dataset_from_directory(digits, validation_split=0.2, subset="both")
    with pytest.raises(ValueError, match="color_mode"):
        image_dataset_from_directory(digits, color_mode="cmyk")
    with pytest.raises(ValueError, match="subset"):
        image_dataset_from_directory(digits, validation_split=0.2, seed=1)
    with pytest.raises(ValueError, match="label_mode"):
        image_dataset_from_directory(digits, label_mode="sparse")
    with pytest.raises(ValueError, match="interpolation"):
        image_dataset_from_directory(digits, interpolation="cubic")
    with pytest.raises(ValueError, match="does not exist"):
        image_dataset_from_directory(os.path.join(digits, "missing"))


def test_resizing_matches_keras_resize(tmp_path):
    """Bilinear resizing and the aspect-ratio crop follow Keras's resize."""
    keras = keras_or_skip()
    from PIL import Image

    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (20, 30, 3)).astype(np.uint8)
    os.makedirs(tmp_path / "a")
    Image.fromarray(image).save(tmp_path / "a" / "x.png")
    plain = image_dataset_from_directory(tmp_path, image_size=(10, 12), verbose=False)
    expected = keras.ops.image.resize(image.astype("float32"), (10, 12))
    np.testing.assert_allclose(plain[0][0][0].numpy(), np.asarray(expected), atol=1e-3)
    cropped = image_dataset_from_directory(
        tmp_path, image_size=(10, 10), crop_to_aspect_ratio=True, verbose=False
    )
    expected = keras.preprocessing.image.smart_resize(image.astype("float32"), (10, 10))
    np.testing.assert_allclose(cropped[0][0][0].numpy(), expected, atol=1e-3)


def test_pad_to_aspect_ratio_centres_the_image(tmp_path):
    from PIL import Image

    os.makedirs(tmp_path / "a")
    Image.fromarray(np.full((4, 8, 3), 200, np.uint8)).save(tmp_path / "a" / "x.png")
    ds = image_dataset_from_directory(
        tmp_path, image_size=(8, 8), pad_to_aspect_ratio=True, verbose=False
    )
    image = ds[0][0][0, :, :, 0].numpy()
    assert (image[:2] == 0).all() and (image[6:] == 0).all()
    np.testing.assert_allclose(image[2:6], 200)


def test_formats_and_16_bit_grayscale(tmp_path):
    from PIL import Image

    os.makedirs(tmp_path / "a")
    rgb = np.full((6, 6, 3), 90, np.uint8)
    for name in ("x.bmp", "x.gif", "x.jpg", "x.jpeg", "X.PNG"):
        Image.fromarray(rgb).save(tmp_path / "a" / name)
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    wide = (np.arange(36).reshape(6, 6) * 1000).astype(np.uint16)
    Image.fromarray(wide).save(tmp_path / "a" / "y16.png")
    ds = image_dataset_from_directory(
        tmp_path,
        image_size=(6, 6),
        color_mode="grayscale",
        shuffle=False,
        verbose=False,
    )
    assert [os.path.basename(p) for p in ds.file_paths] == [
        "X.PNG",
        "x.bmp",
        "x.gif",
        "x.jpeg",
        "x.jpg",
        "y16.png",
    ]
    images = ds[0][0][..., 0]
    np.testing.assert_allclose(images[1].numpy(), 90)
    np.testing.assert_allclose(images[5].numpy(), wide >> 8)


def test_follow_links(tmp_path):
    root = write_digit_directory(tmp_path / "real", digits=(0,), per_class=2)
    os.makedirs(tmp_path / "top" / "a")
    os.symlink(os.path.join(root, "0"), tmp_path / "top" / "a" / "linked")
    found = image_dataset_from_directory(
        tmp_path / "top", image_size=(8, 8), follow_links=True, verbose=False
    )
    assert len(found.file_paths) == 2
    with pytest.raises(ValueError, match="No image files"):
        image_dataset_from_directory(tmp_path / "top", verbose=False)


def test_worker_processes_give_the_same_batches(digits):
    kwargs = dict(image_size=(16, 16), batch_size=16, shuffle=False, verbose=False)
    single = image_dataset_from_directory(digits, **kwargs)
    pooled = image_dataset_from_directory(
        digits, workers=2, use_multiprocessing=True, **kwargs
    )
    threads = image_dataset_from_directory(digits, workers=2, **kwargs)
    for a, b, c in zip(single, pooled, threads):
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(a, c)


def _digit_cnn(channels=1):
    model = ember.Sequential(
        [
            ember.Input((16, 16, channels)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=ember.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def test_acceptance_train_cnn_on_png_digits(digits):
    ember.utils.set_random_seed(0)
    train, val = image_dataset_from_directory(
        digits,
        image_size=(16, 16),
        color_mode="grayscale",
        batch_size=16,
        validation_split=0.2,
        subset="both",
        seed=42,
        verbose=False,
    )
    assert train.class_names == val.class_names == [str(d) for d in range(10)]
    assert set(train.file_paths).isdisjoint(val.file_paths)
    assert len(train.file_paths) + len(val.file_paths) == 60
    x, y = next(iter(train))
    assert tuple(x.shape) == (16, 16, 16, 1) and tuple(y.shape) == (16,)
    scaled_train = train.map(lambda x, y: (x / 255.0, y))
    scaled_val = val.map(lambda x, y: (x / 255.0, y))
    model = _digit_cnn()
    history = model.fit(
        scaled_train, validation_data=scaled_val, epochs=8, verbose=0
    ).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.5
    assert len(history["val_loss"]) == 8
