"""Image preprocessing layers against real Keras 3: resizing and cropping,
the random layers with a degenerate factor range (and their sampler against
Keras's `affine_transform`), the seeded random layers draw for draw, plus
properties, the layer checks and an augmenting CNN that trains."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

import ember
from ember import layers
from ember.layers.preprocessing import (
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
    _image_ops,
)
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")
FORMATS = ["channels_last", "channels_first"]


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype("float32")


def _shape(data_format, batch, height, width, channels=3):
    if data_format == "channels_last":
        return (batch, height, width, channels)
    return (batch, channels, height, width)


RESIZE_CASES = {
    "bilinear_down": ({"height": 4, "width": 5}, (9, 7)),
    "bilinear_up": ({"height": 12, "width": 10}, (5, 4)),
    "nearest": ({"height": 5, "width": 3, "interpolation": "nearest"}, (9, 7)),
    "bicubic": ({"height": 6, "width": 6, "interpolation": "bicubic"}, (9, 7)),
    "antialias": ({"height": 3, "width": 4, "antialias": True}, (9, 12)),
    "crop": ({"height": 4, "width": 8, "crop_to_aspect_ratio": True}, (9, 7)),
    "pad": (
        {"height": 4, "width": 8, "pad_to_aspect_ratio": True, "fill_value": 7.0},
        (9, 7),
    ),
    "pad_tall": ({"height": 8, "width": 3, "pad_to_aspect_ratio": True}, (6, 9)),
}


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs, size", RESIZE_CASES.values(), ids=RESIZE_CASES.keys())
def test_resizing_matches_keras(kwargs, size, data_format):
    x = _images(_shape(data_format, 2, *size))
    kwargs = {**kwargs, "data_format": data_format}
    assert_matches_keras(Resizing, kwargs, x, atol=1e-3)
    assert Resizing(name="r", **kwargs).get_config() == (
        keras.layers.Resizing(name="r", **kwargs).get_config()
    )


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("size", [(9, 7), (6, 6), (3, 8), (2, 2)], ids=str)
def test_center_crop_matches_keras(size, data_format):
    x = _images(_shape(data_format, 2, *size))
    kwargs = {"height": 4, "width": 5, "data_format": data_format}
    assert_matches_keras(CenterCrop, kwargs, x, atol=1e-3)
    single = x[0]
    assert_matches_keras(CenterCrop, kwargs, single, atol=1e-3)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize(
    "fill_mode", ["reflect", "wrap", "constant", "nearest", "mirror"]
)
def test_affine_sampler_matches_keras_affine_transform(fill_mode, interpolation):
    from ember.layers.preprocessing.random_rotation import rotation_transforms
    from ember.layers.preprocessing.random_translation import translation_transforms
    from ember.layers.preprocessing.random_zoom import zoom_transforms

    x = _images((3, 7, 9, 2))
    transforms = torch.cat(
        [
            rotation_transforms(torch.tensor([0.7]), 7, 9),
            zoom_transforms(torch.tensor([1.6]), torch.tensor([0.7]), 7, 9),
            translation_transforms(torch.tensor([-3.3]), torch.tensor([2.6])),
        ]
    )
    expected = keras.ops.image.affine_transform(
        x,
        transforms.numpy(),
        interpolation=interpolation,
        fill_mode=fill_mode,
        fill_value=5.0,
        data_format="channels_last",
    )
    ours = _image_ops.affine_transform(
        torch.as_tensor(x).permute(0, 3, 1, 2),
        transforms,
        interpolation,
        fill_mode,
        5.0,
    ).permute(0, 2, 3, 1)
    np.testing.assert_allclose(ours.numpy(), np.asarray(expected), atol=1e-3)


DETERMINISTIC = {
    "rotation_quarter": (RandomRotation, {"factor": (0.25, 0.25)}),
    "rotation_small": (
        RandomRotation,
        {"factor": (0.05, 0.05), "fill_mode": "constant", "fill_value": 3.0},
    ),
    "zoom_out": (RandomZoom, {"height_factor": (0.5, 0.5)}),
    "zoom_in_wrap": (
        RandomZoom,
        {
            "height_factor": (-0.3, -0.3),
            "width_factor": (0.2, 0.2),
            "fill_mode": "wrap",
        },
    ),
    "translation": (
        RandomTranslation,
        {
            "height_factor": (0.2, 0.2),
            "width_factor": (-0.25, -0.25),
            "interpolation": "nearest",
        },
    ),
    "brightness": (RandomBrightness, {"factor": (0.1, 0.1)}),
}


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize(
    "cls, kwargs", DETERMINISTIC.values(), ids=DETERMINISTIC.keys()
)
def test_random_layers_with_a_fixed_factor_match_keras(cls, kwargs, data_format):
    x = _images(_shape(data_format, 2, 7, 9))
    kwargs = {**kwargs, "data_format": data_format, "seed": 3}
    assert_matches_keras(cls, kwargs, x, call_kwargs={"training": True}, atol=1e-3)
    assert_matches_keras(cls, kwargs, x, call_kwargs={"training": False})
    ours = cls(name="l", **kwargs).get_config()
    theirs = keras.layers.__dict__[cls.__name__](name="l", **kwargs).get_config()
    assert {k: list(v) if isinstance(v, tuple) else v for k, v in ours.items()} == {
        k: list(v) if isinstance(v, tuple) else v for k, v in theirs.items()
    }


def test_random_flip_flips_whole_images_and_is_seeded():
    x = torch.as_tensor(_images((16, 4, 5, 3)))
    out = RandomFlip("horizontal", seed=7)(x)
    flipped = [torch.equal(o, i.flip(1)) for o, i in zip(out, x)]
    kept = [torch.equal(o, i) for o, i in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    assert torch.equal(RandomFlip("horizontal", seed=7)(x), out)
    both = RandomFlip(seed=2, data_format="channels_first")(x.permute(0, 3, 1, 2))
    for o, i in zip(both, x.permute(0, 3, 1, 2)):
        assert torch.equal(o, i) or torch.equal(o, i.flip(-1).flip(-2))
    assert torch.equal(RandomFlip(seed=1)(x, training=False), x)
    with pytest.raises(ValueError, match="mode"):
        RandomFlip("diagonal")


def test_random_contrast_brightness_and_crop_by_hand():
    x = torch.as_tensor(_images((8, 6, 6, 3)))
    out = RandomContrast(0.5, seed=1)(x)
    mean = x.mean(dim=(1, 2), keepdim=True)
    ratio = ((out - mean) / (x - mean))[..., 0].reshape(8, -1)
    unclipped = (out > 0) & (out < 255)
    assert unclipped.float().mean() > 0.5
    factors = [r[u[..., 0].reshape(-1)].median() for r, u in zip(ratio, unclipped)]
    assert all(0.999 <= float(f) <= 1.501 for f in factors)
    bright = RandomBrightness((-0.2, 0.2), value_range=(0, 255), seed=1)(x)
    assert float(bright.min()) >= 0 and float(bright.max()) <= 255
    crop = RandomCrop(4, 3, seed=5)(x)
    assert tuple(crop.shape) == (8, 4, 3, 3)
    windows = [x[:, i : i + 4, j : j + 3] for i in range(3) for j in range(4)]
    assert any(torch.equal(crop, w) for w in windows)
    center = RandomCrop(4, 3, seed=5)(x, training=False)
    expected = keras.layers.RandomCrop(4, 3, seed=5)(x.numpy(), training=False)
    # Keras's RandomCrop passes images through in inference.
    np.testing.assert_allclose(center.numpy(), np.asarray(expected))
    small = torch.as_tensor(_images((2, 3, 8, 3)))
    resized = RandomCrop(4, 4, seed=5)(small)
    expected = keras.layers.RandomCrop(4, 4, seed=5)(small.numpy(), training=True)
    np.testing.assert_allclose(resized.numpy(), np.asarray(expected), atol=1e-3)
    assert RandomCrop(2, 2).get_config()["seed"] is not None
    with pytest.raises(ValueError, match="factor"):
        RandomBrightness(2.0)
    with pytest.raises(ValueError, match="rank 3"):
        RandomFlip()(torch.zeros(2, 3))


@pytest.mark.parametrize(
    "cls, kwargs, out_shape",
    [
        (Resizing, {"height": 4, "width": 4}, (2, 4, 4, 3)),
        (CenterCrop, {"height": 4, "width": 4}, (2, 4, 4, 3)),
        (RandomFlip, {"seed": 1}, (2, 6, 6, 3)),
        (RandomRotation, {"factor": 0.1, "seed": 1}, (2, 6, 6, 3)),
        (RandomZoom, {"height_factor": 0.1, "seed": 1}, (2, 6, 6, 3)),
        (
            RandomTranslation,
            {"height_factor": 0.1, "width_factor": 0.1, "seed": 1},
            (2, 6, 6, 3),
        ),
        (RandomContrast, {"factor": 0.2, "seed": 1}, (2, 6, 6, 3)),
        (RandomBrightness, {"factor": 0.2, "seed": 1}, (2, 6, 6, 3)),
        (RandomCrop, {"height": 4, "width": 4, "seed": 1}, (2, 6, 6, 3)),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_image_layers_pass_the_layer_checks(cls, kwargs, out_shape):
    # Inference mode: the symbolic/functional comparison needs deterministic
    # outputs.
    run_layer_test(
        cls,
        kwargs,
        input_data=_images((2, 6, 6, 3)),
        call_kwargs={"training": False},
        expected_output_shape=out_shape,
        expected_num_trainable_weights=0,
    )


def test_augmenting_cnn_trains_and_predicts_deterministically():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (32, 10, 10, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 127).astype("float32")[:, None]
    model = ember.Sequential(
        [
            ember.Input((10, 10, 1)),
            Resizing(8, 8),
            Rescaling(1 / 255),
            RandomFlip("horizontal", seed=1),
            RandomRotation(0.05, seed=2),
            RandomZoom(0.1, seed=3),
            RandomTranslation(0.1, 0.1, seed=4),
            RandomContrast(0.1, value_range=(0, 1), seed=5),
            RandomBrightness(0.05, value_range=(0, 1), seed=6),
            RandomCrop(6, 6, seed=7),
            layers.Conv2D(4, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=6, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(
        model.predict(x, verbose=0), model.predict(x, verbose=0)
    )


SEEDED = {
    "flip": (RandomFlip, {"seed": 7}),
    "flip_vertical": (RandomFlip, {"mode": "vertical", "seed": 2}),
    "rotation": (RandomRotation, {"factor": 0.2, "seed": 3}),
    "zoom": (
        RandomZoom,
        {"height_factor": 0.3, "width_factor": (-0.2, 0.1), "seed": 3},
    ),
    "translation": (
        RandomTranslation,
        {"height_factor": 0.2, "width_factor": 0.1, "fill_mode": "constant", "seed": 3},
    ),
    "brightness": (RandomBrightness, {"factor": 0.3, "seed": 3}),
    "contrast": (RandomContrast, {"factor": 0.4, "seed": 3}),
    "crop": (RandomCrop, {"height": 4, "width": 4, "seed": 3}),
}


@pytest.mark.parametrize("cls, kwargs", SEEDED.values(), ids=SEEDED.keys())
def test_seeded_random_layers_draw_what_keras_draws(cls, kwargs):
    # ember.random follows Keras's seed arithmetic, so the same seed gives the
    # same augmentations, call after call.
    x = _images((8, 6, 7, 3))
    ours = cls(**kwargs)
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    for _ in range(3):
        np.testing.assert_allclose(
            ours(x).numpy(), np.asarray(theirs(x, training=True)), atol=1e-3
        )
