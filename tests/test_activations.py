"""`ember.activations`: every Keras 3 activation, by name and as a function."""

import numpy as np
import pytest
import torch

from ember import activations
from ember.backend.errors import ArgumentError

RNG = np.random.default_rng(4)
X = (RNG.standard_normal((3, 6)) * 4).astype("float32")

# Required extra arguments for activations that have them.
EXTRA = {"threshold": (0.5, -1.0)}


@pytest.fixture(scope="module")
def keras_module():
    return pytest.importorskip("keras")


def test_names_match_keras(keras_module):
    from keras.src.activations import ALL_OBJECTS_DICT

    assert sorted(activations.names()) == sorted(ALL_OBJECTS_DICT)


@pytest.mark.parametrize("name", sorted(activations.names()))
def test_activation_matches_keras(keras_module, name):
    ours = activations.get(name)(X, *EXTRA.get(name, ()))
    theirs = keras_module.activations.get(name)(X, *EXTRA.get(name, ()))
    if name == "sparsemax":
        # Keras-on-torch's sparsemax threshold is off (rows need not sum to 1);
        # the formula's defining property is checked instead.
        np.testing.assert_allclose(ours.numpy().sum(-1), 1.0, rtol=1e-5)
        return
    np.testing.assert_allclose(
        np.asarray(ours),
        keras_module.ops.convert_to_numpy(theirs),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"negative_slope": 0.1},
        {"max_value": 6.0},
        {"max_value": 2.5},
        {"threshold": 1.0},
        {"negative_slope": 0.2, "max_value": 3.0, "threshold": 0.5},
        {"negative_slope": 0.3, "threshold": -1.0},
    ],
    ids=["slope", "relu6", "max", "threshold", "all", "slope-threshold"],
)
def test_relu_arguments_match_keras(keras_module, kwargs):
    ours = activations.relu(X, **kwargs)
    theirs = keras_module.activations.relu(X, **kwargs)
    np.testing.assert_allclose(
        ours.numpy(), keras_module.ops.convert_to_numpy(theirs), rtol=1e-6, atol=1e-6
    )


def test_relu_teaching_example():
    out = activations.relu([-10.0, -5.0, 0.0, 5.0, 10.0], max_value=5.0)
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.0, 5.0, 5.0])


def test_gelu_defaults_to_exact():
    exact = torch.nn.functional.gelu(torch.from_numpy(X))
    torch.testing.assert_close(activations.gelu(X), exact)


def test_softmax_rank_one_and_axes():
    vector = X[0]
    np.testing.assert_allclose(
        activations.softmax(vector).numpy(),
        np.exp(vector) / np.exp(vector).sum(),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        activations.softmax(X, axis=0).numpy().sum(0), 1.0, rtol=1e-5
    )


def test_aliases():
    assert activations.get("swish") is activations.silu
    assert activations.swish is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.serialize(activations.swish) == "silu"


def test_get_none_callable_and_dict():
    assert activations.get(None) is activations.linear
    assert activations.linear(X) is X

    def custom(x):
        return x

    assert activations.get(custom) is custom
    config = {
        "class_name": "function",
        "config": "gelu",
        "module": "keras.activations",
        "registered_name": None,
    }
    assert activations.get(config) is activations.gelu


@pytest.mark.parametrize("name", sorted(activations.names()))
def test_round_trip(keras_module, name):
    fn = activations.get(name)
    config = activations.serialize(fn)
    assert config == keras_module.activations.serialize(
        keras_module.activations.get(name)
    )
    assert activations.deserialize(config) is fn
    assert activations.get(config) is fn


def test_custom_function_round_trip(keras_module):
    def my_activation(x):
        return x * 2

    config = activations.serialize(my_activation)
    assert config == keras_module.activations.serialize(my_activation)
    restored = activations.deserialize(
        config, custom_objects={"my_activation": my_activation}
    )
    assert restored is my_activation
    assert activations.deserialize(
        "my_activation", {"my_activation": my_activation}
    ) is (my_activation)


def test_object_round_trip():
    class Scaled:
        def __init__(self, factor=2.0):
            self.factor = factor

        def __call__(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    config = activations.serialize(Scaled(3.0))
    assert config["class_name"] == "Scaled" and config["config"] == {"factor": 3.0}
    restored = activations.deserialize(config, custom_objects={"Scaled": Scaled})
    assert restored.factor == 3.0
    with pytest.raises(ValueError, match="Scaled"):
        activations.deserialize(config)


@pytest.mark.parametrize(
    "bad", [64, "not_an_activation", [1]], ids=["int", "str", "list"]
)
def test_bad_identifier_raises_argument_error(bad):
    with pytest.raises(ArgumentError) as info:
        activations.get(bad)
    assert info.value.argument == "activation"
    assert "a string name such as 'relu', a callable or None" in str(info.value)
    named = info.value.with_owner("Dense")
    assert "argument `activation` of `Dense`" in str(named)


def test_get_64_message():
    with pytest.raises(ArgumentError, match=r"Received: activation=64 \(of type int\)"):
        activations.get(64)


def test_serialize_refuses_lambdas():
    with pytest.raises(ValueError, match="serialize"):
        activations.serialize(lambda x: x)
