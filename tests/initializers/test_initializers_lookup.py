"""`initializers.get`, `serialize`, `deserialize` and `get_config` round trips,
for every class and every name Keras 3 accepts."""

import numpy as np
import pytest
import torch

from ember import initializers
from ember.backend.errors import ArgumentError
from ember.random import SeedGenerator


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # the oracle; conftest sets its backend


# One configured instance of every class, with non-default arguments.
INSTANCES = [
    initializers.Constant(1.5),
    initializers.Zeros(),
    initializers.Ones(),
    initializers.Identity(gain=2.0),
    initializers.RandomNormal(mean=1.0, stddev=0.5, seed=3),
    initializers.RandomUniform(minval=-1.0, maxval=2.0, seed=3),
    initializers.TruncatedNormal(mean=0.5, stddev=2.0, seed=3),
    initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=3),
    initializers.GlorotUniform(seed=3),
    initializers.GlorotNormal(seed=3),
    initializers.HeUniform(seed=3),
    initializers.HeNormal(seed=3),
    initializers.LecunUniform(seed=3),
    initializers.LecunNormal(seed=3),
    initializers.Orthogonal(gain=2.0, seed=3),
    initializers.STFT("imag", "hamming", "spectrum", True),
]
NAMES = [type(i).__name__ for i in INSTANCES]
SHAPE = (6, 1, 6)


def _shape_for(initializer):
    return (6, 6) if isinstance(initializer, initializers.Identity) else SHAPE


@pytest.mark.parametrize("initializer", INSTANCES, ids=NAMES)
def test_config_round_trip(initializer):
    config = initializer.get_config()
    clone = type(initializer).from_config(config)
    assert clone.get_config() == config
    shape = _shape_for(initializer)
    torch.testing.assert_close(clone(shape), initializer(shape), rtol=0, atol=0)
    assert initializer.clone().get_config() == config


@pytest.mark.parametrize("initializer", INSTANCES, ids=NAMES)
def test_serialize_matches_keras_and_round_trips(keras, initializer):
    serialized = initializers.serialize(initializer)
    keras_object = keras.initializers.deserialize(serialized)
    assert type(keras_object).__name__ == type(initializer).__name__
    if isinstance(initializer, initializers.Identity):
        # Keras's Identity loads `gain` but leaves it out of its own config.
        assert keras_object.gain == initializer.gain
    else:
        assert keras.initializers.serialize(keras_object) == serialized
    clone = initializers.deserialize(serialized)
    assert type(clone) is type(initializer)
    assert clone.get_config() == initializer.get_config()


def _keras_names(keras):
    from keras.src.initializers import ALL_OBJECTS_DICT

    return sorted(name for name in ALL_OBJECTS_DICT if name.lower() != "initializer")


def test_every_keras_name_resolves_to_the_same_class(keras):
    from keras.src.initializers import ALL_OBJECTS_DICT

    for name in _keras_names(keras):
        ours = initializers.get(name)
        theirs = ALL_OBJECTS_DICT[name]
        assert type(ours).__name__ == theirs.__name__, name
        # Module attributes too: `ember.initializers.glorot_uniform`, ...
        if hasattr(keras.initializers, name):
            assert getattr(initializers, name).__name__ == theirs.__name__, name


@pytest.mark.parametrize(
    "name, cls",
    [
        ("glorot_uniform", initializers.GlorotUniform),
        ("zeros", initializers.Zeros),
        ("he_normal", initializers.HeNormal),
        ("orthogonal", initializers.Orthogonal),
        ("identity", initializers.Identity),
        ("random_normal", initializers.RandomNormal),
        ("normal", initializers.RandomNormal),
        ("uniform", initializers.RandomUniform),
        ("one", initializers.Ones),
        ("IdentityInitializer", initializers.Identity),
        ("GlorotUniform", initializers.GlorotUniform),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_get_by_name(name, cls):
    assert type(initializers.get(name)) is cls


def test_get_accepts_every_identifier_kind():
    assert initializers.get(None) is None
    instance = initializers.HeNormal()
    assert initializers.get(instance) is instance
    assert type(initializers.get(initializers.Ones)) is initializers.Ones
    config = {"class_name": "RandomUniform", "config": {"minval": 0.0, "maxval": 1.0}}
    assert initializers.get(config).maxval == 1.0

    def halves(shape, dtype=None):
        return torch.full(shape, 0.5)

    assert initializers.get(halves) is halves


def test_get_tensor_and_array_identifiers():
    fn = initializers.get(np.arange(6.0).reshape(2, 3))
    values = fn((2, 3), dtype="float32")
    assert values.dtype == torch.float32 and values.tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="shape"):
        fn((3, 2))
    source = torch.ones(2)
    copy = initializers.get(source)((2,))
    copy += 1
    assert source.tolist() == [1.0, 1.0]


def test_deserialize_with_custom_objects():
    class Halves(initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return torch.full(shape, 0.5)

    config = initializers.serialize(Halves())
    assert config["class_name"] == "Halves" and config["registered_name"] == "Halves"
    clone = initializers.deserialize(config, custom_objects={"Halves": Halves})
    assert isinstance(clone, Halves)


def test_seed_generator_seed_serializes_like_keras(keras):
    initializer = initializers.RandomNormal(seed=SeedGenerator(4, name="gen"))
    config = initializer.get_config()
    theirs = keras.initializers.RandomNormal(
        seed=keras.random.SeedGenerator(4, name="gen")
    ).get_config()
    assert config == theirs
    clone = initializers.RandomNormal.from_config(config)
    assert isinstance(clone.seed, SeedGenerator)
    assert torch.equal(
        clone((3,)), initializers.RandomNormal(seed=SeedGenerator(4))((3,))
    )


@pytest.mark.parametrize(
    "identifier", ["glorot_unifrom", 3, {"config": {}}], ids=["typo", "int", "dict"]
)
def test_bad_identifiers_raise_argument_error(identifier):
    with pytest.raises(ArgumentError, match="initializer") as info:
        initializers.get(identifier)
    assert isinstance(info.value, ValueError)


def test_typo_suggests_the_name():
    with pytest.raises(ArgumentError, match="Did you mean 'glorot_uniform'"):
        initializers.get("glorot_unifrom")


def test_initializer_base_is_abstract():
    with pytest.raises(TypeError):
        initializers.Initializer()
