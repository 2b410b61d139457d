"""`ImageDataGenerator`: the same batches as Keras's (legacy, TensorFlow-free)
generator for a seeded run, and `fit()` on its directory iterators."""

import os
import sys

import numpy as np
import pytest
from conftest import keras_or_skip

import ember
from ember import layers
from ember.preprocessing.image import (
    DirectoryIterator,
    ImageDataGenerator,
    NumpyArrayIterator,
    apply_affine_transform,
)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "utils"))
from data_files import write_digit_directory  # noqa: E402

pytest.importorskip("PIL")

AUGMENTATIONS = dict(
    rotation_range=30,
    width_shift_range=0.1,
    height_shift_range=2,
    shear_range=10,
    zoom_range=0.2,
    channel_shift_range=20.0,
    horizontal_flip=True,
    vertical_flip=True,
    brightness_range=(0.7, 1.3),
)


def _keras_generator(**kwargs):
    keras_or_skip()
    pytest.importorskip("scipy")
    from keras.src.legacy.preprocessing import image as keras_image

    return keras_image.ImageDataGenerator(**kwargs)


@pytest.fixture
def digits(tmp_path):
    return write_digit_directory(tmp_path / "digits", digits=range(4), per_class=5)


def _assert_batches_equal(ours, theirs, count):
    for index in range(count):
        a, b = ours[index], theirs[index]
        for part_a, part_b in zip(a, b):
            np.testing.assert_allclose(part_a, part_b, atol=1e-3, rtol=1e-5)


@pytest.mark.parametrize(
    "fill_mode", ["nearest", "constant", "reflect", "wrap"], ids=str
)
@pytest.mark.parametrize("order", [0, 1], ids=["order0", "order1"])
def test_affine_transform_matches_keras_scipy(fill_mode, order):
    keras_or_skip()
    pytest.importorskip("scipy")
    from keras.src.legacy.preprocessing import image as keras_image

    rng = np.random.default_rng(0)
    image = rng.random((3, 9, 11)).astype("float32")
    kwargs = dict(
        theta=23,
        tx=1.5,
        ty=-2.0,
        shear=12,
        zx=0.8,
        zy=1.25,
        fill_mode=fill_mode,
        cval=0.5,
        order=order,
    )
    np.testing.assert_allclose(
        apply_affine_transform(image, **kwargs),
        keras_image.apply_affine_transform(image, **kwargs),
        atol=1e-6,
    )
    channels_last = np.moveaxis(image, 0, -1)
    axes = dict(row_axis=0, col_axis=1, channel_axis=2)
    np.testing.assert_allclose(
        apply_affine_transform(channels_last, **kwargs, **axes),
        keras_image.apply_affine_transform(channels_last, **kwargs, **axes),
        atol=1e-6,
    )


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect"], ids=str)
def test_flow_matches_keras_with_augmentation(fill_mode):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 255, (10, 12, 12, 3)).astype("float32")
    y = np.arange(10)
    kwargs = dict(AUGMENTATIONS, fill_mode=fill_mode, cval=7.0, rescale=1 / 255)
    keras_gen = _keras_generator(**kwargs)
    ours = ImageDataGenerator(**kwargs).flow(x, y, batch_size=4, seed=11)
    theirs = keras_gen.flow(x, y, batch_size=4, seed=11)
    assert len(ours) == len(theirs) == 3
    _assert_batches_equal(ours, theirs, 3)


def test_flow_outputs_weights_and_extra_inputs():
    x = np.random.rand(6, 4, 4, 1).astype("float32")
    extra = np.arange(6)
    weights = np.linspace(0, 1, 6)
    it = ImageDataGenerator().flow(
        (x, extra), np.arange(6), sample_weight=weights, batch_size=4, shuffle=False
    )
    (images, passthrough), labels, batch_weights = it[0]
    np.testing.assert_allclose(images, x[:4])
    assert passthrough.tolist() == [0, 1, 2, 3] and labels.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(batch_weights, weights[:4])
    assert ImageDataGenerator().flow(x, batch_size=4, shuffle=False)[1].shape == (
        2,
        4,
        4,
        1,
    )


def test_flow_validation_subset_is_the_first_part():
    x = np.random.rand(10, 4, 4, 1).astype("float32")
    y = np.tile([0, 1], 5)
    gen = ImageDataGenerator(validation_split=0.2)
    val = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    train = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    np.testing.assert_allclose(val[0][0], x[:2])
    np.testing.assert_allclose(train[0][0], x[2:])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.repeat([0, 1], 5), subset="training")


def test_featurewise_statistics_match_keras():
    x = np.random.default_rng(2).random((8, 5, 5, 3)).astype("float32") * 255
    kwargs = dict(featurewise_center=True, featurewise_std_normalization=True)
    ours = ImageDataGenerator(**kwargs)
    theirs = _keras_generator(**kwargs)
    ours.fit(x)
    theirs.fit(x)
    np.testing.assert_allclose(ours.mean, theirs.mean, rtol=1e-5)
    np.testing.assert_allclose(ours.std, theirs.std, rtol=1e-5)
    _assert_batches_equal(
        ours.flow(x, batch_size=4, shuffle=False),
        theirs.flow(x, batch_size=4, shuffle=False),
        2,
    )
    with pytest.warns(UserWarning, match="zca_whitening"):
        zca = ImageDataGenerator(zca_whitening=True)
    with pytest.warns(UserWarning, match="zca_whitening"):
        keras_zca = _keras_generator(zca_whitening=True)
    zca.fit(x[:, :2, :2])
    keras_zca.fit(x[:, :2, :2])
    np.testing.assert_allclose(
        zca.zca_whitening_matrix, keras_zca.zca_whitening_matrix, rtol=1e-4, atol=1e-6
    )


@pytest.mark.parametrize("subset", [None, "training", "validation"], ids=str)
def test_flow_from_directory_matches_keras(digits, subset):
    kwargs = dict(AUGMENTATIONS, rescale=1 / 255, validation_split=0.4)
    flow = dict(
        target_size=(10, 10),
        color_mode="grayscale",
        batch_size=3,
        seed=5,
        subset=subset,
        class_mode="categorical",
    )
    ours = ImageDataGenerator(**kwargs).flow_from_directory(digits, **flow)
    theirs = _keras_generator(**kwargs).flow_from_directory(digits, **flow)
    assert isinstance(ours, DirectoryIterator)
    assert ours.class_indices == theirs.class_indices
    assert ours.filenames == theirs.filenames
    assert ours.filepaths == theirs.filepaths
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    assert len(ours) == len(theirs)
    _assert_batches_equal(ours, theirs, len(ours))


@pytest.mark.parametrize("class_mode", ["binary", "sparse", "input", None], ids=str)
def test_directory_class_modes(tmp_path, class_mode):
    root = write_digit_directory(tmp_path / "d", digits=(0, 1), per_class=2)
    it = ImageDataGenerator().flow_from_directory(
        root, target_size=(6, 6), class_mode=class_mode, shuffle=False, batch_size=4
    )
    batch = it[0]
    if class_mode is None:
        assert batch.shape == (4, 6, 6, 3)
    elif class_mode == "input":
        np.testing.assert_allclose(batch[0], batch[1])
    else:
        assert batch[1].tolist() == [0.0, 0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="class_mode"):
        ImageDataGenerator().flow_from_directory(root, class_mode="raw")


def test_iterating_cycles_forever():
    x = np.zeros((5, 2, 2, 1), "float32")
    it = ImageDataGenerator().flow(x, np.arange(5), batch_size=2, shuffle=False)
    seen = [next(it)[1].tolist() for _ in range(4)]
    assert seen == [[0, 1], [2, 3], [4], [0, 1]]
    assert isinstance(it, NumpyArrayIterator) and len(it) == 3


def test_argument_errors():
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=(0.5, 1.0, 2.0))
    with pytest.raises(ValueError, match="fill_mode"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="rank 4"):
        ImageDataGenerator().flow(np.zeros((4, 4, 1)))


def test_acceptance_fit_from_flow_from_directory(tmp_path):
    root = write_digit_directory(tmp_path / "digits", per_class=6)
    ember.utils.set_random_seed(0)
    datagen = ImageDataGenerator(rescale=1 / 255, validation_split=0.2)
    common = dict(
        target_size=(16, 16),
        color_mode="grayscale",
        class_mode="sparse",
        batch_size=16,
        seed=3,
    )
    train = datagen.flow_from_directory(root, subset="training", **common)
    val = datagen.flow_from_directory(root, subset="validation", **common)
    assert train.class_indices == {str(d): d for d in range(10)}
    assert set(train.filepaths).isdisjoint(val.filepaths)
    assert train.samples + val.samples == 60 and val.samples == 10
    x, y = train[0]
    assert x.shape == (16, 16, 16, 1) and y.shape == (16,)
    assert 0.0 <= x.min() and x.max() <= 1.0
    model = ember.Sequential(
        [
            ember.Input((16, 16, 1)),
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
    history = model.fit(train, validation_data=val, epochs=8, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert len(history["val_accuracy"]) == 8


def test_directory_explicit_classes_and_channels_first(tmp_path):
    root = write_digit_directory(tmp_path / "d", digits=(1, 3, 5), per_class=2)
    gen = ImageDataGenerator(data_format="channels_first")
    it = gen.flow_from_directory(
        root,
        target_size=(6, 7),
        classes=["5", "1"],
        class_mode="sparse",
        shuffle=False,
    )
    assert it.class_indices == {"5": 0, "1": 1} and it.samples == 4
    x, y = it[0]
    assert x.shape == (4, 3, 6, 7) and y.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize(
    "name, args",
    [
        ("random_rotation", (40,)),
        ("random_shift", (0.2, 0.3)),
        ("random_shear", (25,)),
        ("random_zoom", ((0.7, 1.3),)),
    ],
)
def test_random_transforms_match_keras(name, args):
    keras_or_skip()
    from keras.src.legacy.preprocessing import image as keras_image

    from ember.preprocessing.image import affine_transformations

    x = np.random.default_rng(0).random((3, 12, 10)).astype("float32")
    outputs = []
    for module in (keras_image, affine_transformations):
        np.random.seed(7)
        outputs.append(getattr(module, name)(x, *args, fill_mode="reflect"))
    np.testing.assert_allclose(outputs[1], outputs[0], atol=1e-6)
