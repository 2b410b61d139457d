"""Configs in Keras 3's format: `serialize_keras_object`, registration,
custom object scopes, model configs equal to Keras's, `to_json`."""

import json
import re

import numpy as np
import pytest
from conftest import keras_or_skip

import ember
from ember import saving


def _same_graph(lib):
    a = lib.Input((8,), name="a")
    b = lib.Input((6,), name="b")
    shared = lib.layers.Dense(10, name="shared")
    xa = shared(a)
    xb = lib.layers.Dense(10, name="e")(b)
    x = lib.layers.Add(name="add")([xa, xb])
    y = shared(lib.layers.Dense(8, name="f")(x))
    inner = lib.Sequential(
        [lib.Input((10,), name="inner_in"), lib.layers.Dense(3, name="g")],
        name="inner",
    )
    return lib.Model([a, b], [inner(y), x], name="m")


def _same_sequential(lib):
    return lib.Sequential(
        [
            lib.Input((5, 4), name="seq_in"),
            lib.layers.Conv1D(3, 2, name="conv"),
            lib.layers.BatchNormalization(name="bn"),
            lib.layers.Flatten(name="flat"),
            lib.layers.Dense(2, activation="softmax", name="out"),
        ],
        name="seq",
    )


def _canonical(config):
    # Keras marks objects used in several places with a per-process id.
    text = json.dumps(config, sort_keys=True)
    return json.loads(re.sub(r', "shared_object_id": \d+', "", text))


@pytest.mark.parametrize("build", [_same_graph, _same_sequential])
def test_model_configs_equal_keras(build):
    keras = keras_or_skip()
    expected = _canonical(keras.saving.serialize_keras_object(build(keras)))
    got = _canonical(saving.serialize_keras_object(build(ember)))
    assert got == expected


def test_layer_config_shape():
    config = saving.serialize_keras_object(ember.layers.Dense(2, name="d"))
    assert config["module"] == "keras.layers"
    assert config["class_name"] == "Dense"
    assert config["registered_name"] is None
    assert config["config"]["units"] == 2
    assert "build_config" not in config  # not built yet
    layer = ember.layers.Dense(2)
    layer.build((None, 3))
    assert saving.serialize_keras_object(layer)["build_config"] == {
        "input_shape": (None, 3)
    }


def test_deserialize_builds_the_layer():
    layer = ember.layers.Dense(2, activation="relu")
    layer.build((None, 3))
    clone = saving.deserialize_keras_object(saving.serialize_keras_object(layer))
    assert isinstance(clone, ember.layers.Dense) and clone.built
    assert clone.kernel.shape == (3, 2)
    assert clone.activation is ember.activations.relu


def test_plain_values_and_specials_round_trip():
    values = [
        1,
        "a",
        None,
        [1, 2],
        {"k": (1, 2)},
        np.arange(3.0),
        slice(1, None, 2),
    ]
    for value in values:
        back = saving.deserialize_keras_object(saving.serialize_keras_object(value))
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(back, value)
        elif isinstance(value, dict):
            assert back == {"k": [1, 2]}
        else:
            assert back == value


def test_register_keras_serializable_and_lookups():
    @saving.register_keras_serializable(package="test_pkg")
    class Scaled(ember.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    assert saving.get_registered_name(Scaled) == "test_pkg>Scaled"
    assert saving.get_registered_object("test_pkg>Scaled") is Scaled
    assert saving.get_registered_name(ember.layers.Dense) == "Dense"
    config = saving.serialize_keras_object(Scaled(3.0))
    assert config["registered_name"] == "test_pkg>Scaled"
    clone = saving.deserialize_keras_object(config)
    assert isinstance(clone, Scaled) and clone.factor == 3.0


def test_register_requires_get_config():
    with pytest.raises(ValueError, match="get_config"):

        @saving.register_keras_serializable()
        class NoConfig:
            pass


def test_custom_objects_and_scopes_find_unregistered_objects():
    def my_activation(x):
        return x * 3.0

    class Unregistered(ember.layers.Dense):
        pass

    model = ember.Sequential(
        [ember.Input((2,)), Unregistered(2, activation=my_activation, name="u")]
    )
    text = model.to_json()
    with pytest.raises(TypeError, match="custom_objects"):
        ember.models.model_from_json(text)
    objects = {"Unregistered": Unregistered, "my_activation": my_activation}
    clone = ember.models.model_from_json(text, custom_objects=objects)
    assert isinstance(clone.layers[0], Unregistered)
    assert clone.layers[0].activation is my_activation
    with saving.custom_object_scope(objects):
        assert saving.get_registered_object("my_activation") is my_activation
        clone = ember.models.model_from_json(text)
    assert isinstance(clone.layers[0], Unregistered)
    assert saving.get_registered_object("my_activation") is None
    assert saving.CustomObjectScope is saving.custom_object_scope


def test_custom_object_scope_rejects_non_dicts():
    with pytest.raises(TypeError, match="custom_objects"):
        saving.CustomObjectScope(["a"])


def test_keras_builtins_are_never_replaced_by_custom_objects_of_the_same_name():
    class Dense(ember.layers.Dense):
        pass

    config = saving.serialize_keras_object(ember.layers.Dense(2))
    layer = saving.deserialize_keras_object(config, custom_objects={"Dense": Dense})
    assert type(layer) is ember.layers.Dense


@pytest.mark.parametrize("build", [_same_graph, _same_sequential])
def test_to_json_and_model_from_json(build):
    model = build(ember)
    clone = ember.models.model_from_json(model.to_json())
    assert type(clone) is type(model)
    assert [layer.name for layer in clone.layers] == [
        layer.name for layer in model.layers
    ]
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert json.loads(clone.to_json()) == json.loads(model.to_json())


def test_model_from_json_rejects_bad_json():
    with pytest.raises(ValueError, match="to_json"):
        ember.models.model_from_json("{not json")


def test_functional_graph_with_shared_layer_rebuilds_and_predicts():
    model = _same_graph(ember)
    clone = ember.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = [np.ones((2, 8), "float32"), np.ones((2, 6), "float32")]
    for a, b in zip(clone.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_sequential_built_from_data_writes_its_input_layer():
    model = ember.Sequential([ember.layers.Dense(2)])
    model(np.ones((3, 4), "float32"))
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert tuple(config["build_input_shape"]) == (None, 4)
    clone = ember.Sequential.from_config(config)
    assert clone.built and clone.weights[0].shape == (4, 2)


def test_compile_config_round_trip():
    model = ember.Sequential([ember.Input((3,)), ember.layers.Dense(2)])
    assert model.get_compile_config() == {}
    model.compile(
        optimizer=ember.optimizers.SGD(0.05, momentum=0.5),
        loss="mse",
        metrics=["mae"],
    )
    config = model.get_compile_config()
    assert config["optimizer"]["class_name"] == "SGD"
    assert config["optimizer"]["module"] == "keras.optimizers"
    assert config["loss"] == "mse" and config["metrics"] == ["mae"]
    clone = ember.Sequential([ember.Input((3,)), ember.layers.Dense(2)])
    clone.compile_from_config(config)
    assert clone.compiled and isinstance(clone.optimizer, ember.optimizers.SGD)
    assert clone.optimizer.built
    assert float(clone.optimizer.momentum) == 0.5


def test_layers_built_from_several_shapes_rebuild_from_config():
    layer = ember.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    query = ember.Input((5, 8))
    layer(query, query)
    config = saving.serialize_keras_object(layer)
    assert set(config["build_config"]["shapes_dict"]) >= {"query_shape", "value_shape"}
    clone = saving.deserialize_keras_object(json.loads(json.dumps(config)))
    assert clone.built
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]


def test_public_functions_and_weights_from_a_keras_file(tmp_path):
    model = ember.Sequential(
        [ember.Input((3,)), ember.layers.Dense(4), ember.layers.Dense(2)]
    )
    path = tmp_path / "fn.keras"
    saving.save_model(model, path)
    restored = saving.load_model(path)
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    clone = ember.models.model_from_json(model.to_json())
    clone.load_weights(path)  # the weights inside a `.keras` file
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    saving.save_weights(model, tmp_path / "fn.weights.h5")
    other = ember.models.model_from_json(model.to_json())
    saving.load_weights(other, tmp_path / "fn.weights.h5")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
