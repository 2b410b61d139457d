"""Keras 2's legacy `.h5` files load in ember: full models (config, weights,
compile config, optimizer state) and weights (by order and `by_name`), from
Keras 3's legacy writer and from hand-written tf.keras 2 files; broken files
are refused with ember's errors and leave an existing model unchanged."""

import json
import os

import h5py
import numpy as np
import pytest
from conftest import keras_or_skip

import ember
from ember.saving import SavedModelError, WeightsFormatError
from ember.saving.legacy_h5_format import (
    convert_legacy_config,
    load_model_from_hdf5,
    load_weights_from_hdf5,
)

ATOL = 1e-5


def _floats(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# Each builder(lib) -> (model, inputs); `lib` is ember or keras.
def cnn(lib):
    return lib.Sequential(
        [
            lib.Input((8, 8, 3)),
            lib.layers.Conv2D(4, 3, activation="relu", name="conv"),
            lib.layers.BatchNormalization(name="bn"),
            lib.layers.Flatten(name="flat"),
            lib.layers.Dropout(0.3, name="drop"),
            lib.layers.Dense(3, activation="softmax", name="out"),
        ],
        name="cnn",
    ), _floats(4, 8, 8, 3)


def text(lib):
    tokens = np.random.default_rng(1).integers(0, 20, size=(4, 7)).astype("int32")
    return lib.Sequential(
        [
            lib.Input((7,), dtype="int32"),
            lib.layers.Embedding(20, 5, name="embed"),
            lib.layers.LSTM(6, return_sequences=True, name="lstm_a"),
            lib.layers.LSTM(4, name="lstm_b"),
            lib.layers.Dense(2, name="out"),
        ],
        name="text",
    ), tokens


def functional(lib):
    inputs = lib.Input((6,), name="features")
    x = lib.layers.Dense(8, activation="tanh", name="hidden")(inputs)
    x = lib.layers.BatchNormalization(name="bn")(x)
    y = lib.layers.Dense(4, activation="relu", name="side")(inputs)
    z = lib.layers.Concatenate(name="join")([lib.layers.Dropout(0.2)(x), y])
    return lib.Model(inputs, lib.layers.Dense(3, name="out")(z), name="fn"), _floats(
        5, 6
    )


def nested_masked(lib):
    """A Sequential inside a functional model, and Keras 3's `NotEqual` op
    (the mask of `mask_zero`) in the graph."""
    tokens = np.random.default_rng(2).integers(1, 20, size=(4, 7)).astype("int32")
    tokens[1, -3:] = 0
    inputs = lib.Input((7,), dtype="int32", name="tokens")
    x = lib.layers.Embedding(20, 5, mask_zero=True, name="embed")(inputs)
    x = lib.layers.Bidirectional(lib.layers.GRU(3), name="bigru")(x)
    block = lib.Sequential(
        [lib.layers.Dense(4, activation="relu"), lib.layers.BatchNormalization()],
        name="block",
    )
    x = lib.layers.TimeDistributed(lib.layers.Dense(2), name="td")(
        lib.layers.Reshape((3, 2))(x)
    )
    y = block(lib.layers.Flatten()(x))
    return lib.Model(inputs, [y, lib.layers.Dense(1, name="aux")(y)]), tokens


def zoo(lib):
    """More layer families, and frozen layers (whose weights are all
    non-trainable, which moves them in the legacy order)."""
    layers = lib.layers
    inputs = lib.Input((10, 10, 3))
    x = layers.SeparableConv2D(4, 3, padding="same")(inputs)
    x = layers.DepthwiseConv2D(3, trainable=False)(x)
    x = layers.Conv2DTranspose(3, 2, strides=2)(x)
    x = layers.MaxPooling2D()(x)
    x = layers.LayerNormalization()(x)
    x = layers.PReLU()(x)
    x = layers.Reshape((8, 24))(x)
    x = layers.Conv1D(5, 3)(x)
    x = layers.BatchNormalization(trainable=False)(x)
    x = layers.SimpleRNN(4, return_sequences=True)(x)
    x = layers.GRU(3, reset_after=False)(x)
    return lib.Model(inputs, layers.Dense(2)(x)), _floats(2, 10, 10, 3)


BUILDERS = [cnn, text, functional, nested_masked, zoo]


def _randomize(model, seed=0):
    """Random values for every weight (BatchNorm's statistics too), so loading
    the wrong weight into the wrong place shows."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [rng.uniform(0.5, 1.5, size=w.shape).astype(w.dtype) for w in model.weights]
    )


def _keras_model(builder, seed=0):
    keras = keras_or_skip()
    model, x = builder(keras)
    _randomize(model, seed)
    return model, x


def _keras_weights_file(model, path):
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def _ember_weights(model):
    return [w.detach().clone() for w in model.weights]


def _unchanged(model, before):
    return all(
        np.array_equal(np.asarray(a), np.asarray(b.detach()))
        for a, b in zip(before, model.weights)
    )


def _assert_same(ours, theirs):
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, atol=ATOL)
    else:
        np.testing.assert_allclose(ours, theirs, atol=ATOL)


# ----------------------------------------------------- Keras 3 as the oracle
@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_full_model_from_keras_legacy_writer(tmp_path, builder):
    keras_model, x = _keras_model(builder)
    path = os.fspath(tmp_path / "model.h5")
    keras_model.save(path)
    model = load_model_from_hdf5(path, compile=False)
    assert [layer.name for layer in model.layers] == [
        layer.name for layer in keras_model.layers
    ]
    _assert_same(model.predict(x, verbose=0), keras_model.predict(x, verbose=0))


def test_full_model_restores_compile_config_and_optimizer_state(tmp_path):
    keras_model, x = _keras_model(functional)
    keras_model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    keras_model.fit(x, np.ones((5, 3), "float32"), epochs=2, verbose=0)
    path = os.fspath(tmp_path / "trained.hdf5")
    keras_model.save(path)
    model = ember.saving.load_model(path)
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    _assert_same(model.predict(x, verbose=0), keras_model.predict(x, verbose=0))
    # Paths start with the optimizer's generated name ("adam", "adam_3", ...,
    # depending on what the process made before): compare what follows it.
    ours = {
        v.path.split("/", 1)[1]: np.asarray(v.detach())
        for v in model.optimizer.variables
    }
    theirs = {
        v.path.split("/", 1)[1]: np.asarray(v) for v in keras_model.optimizer.variables
    }
    assert int(ours["iteration"]) == 2
    for name in ("hidden_kernel_momentum", "out_bias_velocity"):
        np.testing.assert_allclose(ours[name], theirs[name], atol=ATOL)
    model.fit(x, np.ones((5, 3), "float32"), epochs=1, verbose=0)  # trains on


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_weights_file_by_order_into_ember_model(tmp_path, builder):
    keras_model, x = _keras_model(builder, seed=3)
    path = os.fspath(tmp_path / "weights.h5")
    _keras_weights_file(keras_model, path)
    model, _ = builder(ember)
    model.load_weights(path)
    _assert_same(model.predict(x, verbose=0), keras_model.predict(x, verbose=0))


def test_weights_from_a_full_model_file(tmp_path):
    keras_model, x = _keras_model(cnn, seed=4)
    path = os.fspath(tmp_path / "model.h5")
    keras_model.save(path)
    model, _ = cnn(ember)
    load_weights_from_hdf5(model, path)
    _assert_same(model.predict(x, verbose=0), keras_model.predict(x, verbose=0))


def _renamed_functional(lib, out_units=3, extra=False):
    """`functional` with the side branch renamed, its own output size, and
    optionally a layer the file does not have."""
    inputs = lib.Input((6,), name="features")
    x = lib.layers.Dense(8, activation="tanh", name="hidden")(inputs)
    x = lib.layers.BatchNormalization(name="bn")(x)
    y = lib.layers.Dense(4, activation="relu", name="side_renamed")(inputs)
    z = lib.layers.Concatenate(name="join")([x, y])
    if extra:
        z = lib.layers.Dense(12, name="extra")(z)
    return lib.Model(inputs, lib.layers.Dense(out_units, name="out")(z))


def test_weights_by_name_with_renamed_and_missing_layers(tmp_path):
    keras_model, _ = _keras_model(functional, seed=5)
    path = os.fspath(tmp_path / "weights.h5")
    _keras_weights_file(keras_model, path)
    model = _renamed_functional(ember, extra=True)
    before = {
        name: _ember_weights(model.get_layer(name))
        for name in ("side_renamed", "extra")
    }
    with pytest.raises(WeightsFormatError, match="weights for 4 layer"):
        model.load_weights(path)  # by order, the model has one layer more
    model.load_weights(path, by_name=True)
    for name in ("hidden", "bn", "out"):
        for ours, theirs in zip(
            model.get_layer(name).get_weights(),
            keras_model.get_layer(name).get_weights(),
        ):
            np.testing.assert_array_equal(ours, theirs)
    for name, weights in before.items():
        assert _unchanged(model.get_layer(name), weights)
    # By order, a renamed layer of the same shape takes its place's weights.
    model = _renamed_functional(ember)
    model.load_weights(path)
    np.testing.assert_array_equal(
        model.get_layer("side_renamed").get_weights()[0],
        keras_model.get_layer("side").get_weights()[0],
    )


def test_weights_by_name_skip_mismatch(tmp_path):
    keras_model, _ = _keras_model(functional, seed=6)
    path = os.fspath(tmp_path / "weights.h5")
    _keras_weights_file(keras_model, path)
    model = _renamed_functional(ember, out_units=2)
    before = _ember_weights(model)
    with pytest.raises(WeightsFormatError, match=r"'out/kernel' has shape \(12, 2\)"):
        model.load_weights(path, by_name=True)
    assert _unchanged(model, before)  # nothing half-loaded
    out_before = _ember_weights(model.get_layer("out"))
    with pytest.warns(UserWarning, match="skip_mismatch"):
        model.load_weights(path, by_name=True, skip_mismatch=True)
    assert _unchanged(model.get_layer("out"), out_before)
    np.testing.assert_array_equal(
        model.get_layer("hidden").get_weights()[0],
        keras_model.get_layer("hidden").get_weights()[0],
    )


def test_weights_by_order_skip_mismatch_skips_mismatched_weights(tmp_path):
    keras_model, _ = _keras_model(functional, seed=9)
    path = os.fspath(tmp_path / "weights.h5")
    _keras_weights_file(keras_model, path)
    model = _renamed_functional(ember, out_units=2)
    out_before = _ember_weights(model.get_layer("out"))
    with pytest.warns(UserWarning, match=r"'out/kernel' has shape \(12, 2\)"):
        model.load_weights(path, skip_mismatch=True)
    assert _unchanged(model.get_layer("out"), out_before)
    np.testing.assert_array_equal(
        model.get_layer("bn").get_weights()[3],
        keras_model.get_layer("bn").get_weights()[3],
    )


def test_keras_3_weights_file_with_a_legacy_name(tmp_path):
    model, _ = functional(ember)
    path = os.fspath(tmp_path / "model.weights.h5")
    model.save_weights(path)
    os.rename(path, tmp_path / "renamed.h5")
    with pytest.raises(WeightsFormatError, match="rename it to end in"):
        model.load_weights(tmp_path / "renamed.h5")


# ------------------------------------------------- a tf.keras 2 file by hand
def _initializer(name, **config):
    return {"class_name": name, "config": config}


def _tf_keras_dense(name, units, activation, **extra):
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            **extra,
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": _initializer("GlorotUniform", seed=None),
            "bias_initializer": _initializer("Zeros"),
            "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}},
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    }


TF_KERAS_SEQUENTIAL = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {
                    "batch_input_shape": [None, 4],
                    "dtype": "float32",
                    "sparse": False,
                    "ragged": False,
                    "name": "dense_input",
                },
            },
            _tf_keras_dense("dense", 3, "relu", batch_input_shape=[None, 4]),
            {
                "class_name": "BatchNormalization",
                "config": {
                    "name": "batch_normalization",
                    "trainable": True,
                    "dtype": {"class_name": "Policy", "config": {"name": "float32"}},
                    "axis": [1],
                    "momentum": 0.99,
                    "epsilon": 0.001,
                    "center": True,
                    "scale": True,
                    "beta_initializer": _initializer("Zeros"),
                    "gamma_initializer": _initializer("Ones"),
                    "moving_mean_initializer": _initializer("Zeros"),
                    "moving_variance_initializer": _initializer("Ones"),
                    "beta_regularizer": None,
                    "gamma_regularizer": None,
                    "beta_constraint": None,
                    "gamma_constraint": None,
                },
            },
            {
                "class_name": "Dropout",
                "config": {
                    "name": "dropout",
                    "trainable": True,
                    "dtype": "float32",
                    "rate": 0.5,
                    "noise_shape": None,
                    "seed": None,
                },
            },
            _tf_keras_dense("dense_1", 2, "softmax"),
        ],
    },
}
TF_KERAS_TRAINING_CONFIG = {
    "loss": "sparse_categorical_crossentropy",
    "metrics": [
        [
            {
                "class_name": "MeanMetricWrapper",
                "config": {
                    "name": "accuracy",
                    "dtype": "float32",
                    "fn": "sparse_categorical_accuracy",
                },
            }
        ]
    ],
    "weighted_metrics": None,
    "loss_weights": None,
    "optimizer_config": {
        "class_name": "Custom>Adam",
        "config": {
            "name": "Adam",
            "weight_decay": None,
            "clipnorm": None,
            "global_clipnorm": None,
            "clipvalue": None,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "jit_compile": True,
            "is_legacy_optimizer": False,
            "learning_rate": 0.0020000000949949026,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-07,
            "amsgrad": False,
        },
    },
}


def _tf_keras_values(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "dense": [rng.normal(size=(4, 3)), rng.normal(size=(3,))],
        "batch_normalization": [
            rng.uniform(0.5, 2, size=3),  # gamma
            rng.normal(size=3),  # beta
            rng.normal(size=3),  # moving_mean
            rng.uniform(0.5, 2, size=3),  # moving_variance
        ],
        "dropout": [],
        "dense_1": [rng.normal(size=(3, 2)), rng.normal(size=(2,))],
    }


_WEIGHT_NAMES = {
    "dense": ["kernel", "bias"],
    "batch_normalization": ["gamma", "beta", "moving_mean", "moving_variance"],
    "dense_1": ["kernel", "bias"],
}


def _write_layers(group, values):
    group.attrs["layer_names"] = [name.encode() for name in values]
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = b"2.15.0"
    for name, arrays in values.items():
        layer = group.create_group(name)
        names = [f"{name}/{w}:0" for w in _WEIGHT_NAMES.get(name, [])]
        layer.attrs["weight_names"] = [n.encode() for n in names]
        for weight_name, array in zip(names, arrays):
            layer.create_dataset(weight_name, data=array.astype("float32"))


def _write_tf_keras_model(path, values, config=TF_KERAS_SEQUENTIAL, training=None):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        if training is not None:
            f.attrs["training_config"] = json.dumps(training).encode()
        _write_layers(f.create_group("model_weights"), values)


def _numpy_forward(x, values):
    kernel, bias = values["dense"]
    h = np.maximum(x @ kernel + bias, 0)
    gamma, beta, mean, variance = values["batch_normalization"]
    h = (h - mean) / np.sqrt(variance + 0.001) * gamma + beta
    kernel, bias = values["dense_1"]
    logits = h @ kernel + bias
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_hand_written_tf_keras_2_model_predicts_like_numpy(tmp_path):
    values = _tf_keras_values()
    path = os.fspath(tmp_path / "tf_keras.h5")
    _write_tf_keras_model(path, values, training=TF_KERAS_TRAINING_CONFIG)
    model = ember.saving.load_model(path)
    assert isinstance(model, ember.Sequential)
    assert [layer.name for layer in model.layers] == list(values)
    assert model.compiled
    assert model.optimizer.learning_rate == pytest.approx(0.002)
    x = _floats(5, 4)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), _numpy_forward(x, values), atol=ATOL
    )
    model.fit(x, np.array([0, 1, 0, 1, 1]), epochs=1, verbose=0)


@pytest.mark.parametrize("chunked", [False, True], ids=["plain", "chunked_names"])
def test_hand_written_weights_only_file(tmp_path, chunked):
    values = _tf_keras_values(seed=2)
    path = os.fspath(tmp_path / "tf_keras_weights.h5")
    with h5py.File(path, "w") as f:
        _write_layers(f, values)
        if chunked:  # how Keras splits attributes too long for an HDF5 header
            names = f.attrs.pop("layer_names")
            f.attrs["layer_names0"] = [n.encode() for n in names[:3]]
            f.attrs["layer_names1"] = [n.encode() for n in names[3:]]
    model = ember.Sequential(
        [
            ember.Input((4,)),
            ember.layers.Dense(3, activation="relu"),
            ember.layers.BatchNormalization(),
            ember.layers.Dropout(0.5),
            ember.layers.Dense(2, activation="softmax"),
        ]
    )
    load_weights_from_hdf5(model, path)
    x = _floats(3, 4)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), _numpy_forward(x, values), atol=ATOL
    )


KERAS_2_2_TRAINING_CONFIG = {
    "optimizer_config": {
        "class_name": "SGD",
        "config": {"lr": 0.05, "momentum": 0.9, "decay": 0.0, "nesterov": True},
    },
    "loss": {
        "class_name": "SparseCategoricalCrossentropy",
        "config": {"reduction": "auto", "name": "loss", "from_logits": False},
    },
    "metrics": ["acc"],
    "weighted_metrics": None,
    "loss_weights": None,
    "sample_weight_mode": None,
}


def test_keras_2_2_training_config(tmp_path):
    path = os.fspath(tmp_path / "old.h5")
    _write_tf_keras_model(path, _tf_keras_values(), training=KERAS_2_2_TRAINING_CONFIG)
    model = load_model_from_hdf5(path)
    assert type(model.optimizer).__name__ == "SGD" and model.optimizer.nesterov
    assert model.optimizer.learning_rate == pytest.approx(0.05)
    assert type(model.loss).__name__ == "SparseCategoricalCrossentropy"


def test_untranslatable_training_config_loads_uncompiled(tmp_path):
    training = json.loads(json.dumps(KERAS_2_2_TRAINING_CONFIG))
    training["optimizer_config"]["config"]["decay"] = 0.01
    path = os.fspath(tmp_path / "decay.h5")
    _write_tf_keras_model(path, _tf_keras_values(), training=training)
    with pytest.warns(UserWarning, match="decay=0.01"):
        assert load_model_from_hdf5(path).compiled
    training["optimizer_config"]["class_name"] = "Mystery"
    training["optimizer_config"]["config"]["decay"] = 0.0
    _write_tf_keras_model(path, _tf_keras_values(), training=training)
    with pytest.warns(UserWarning, match="Mystery.*was \\*not\\* compiled"):
        model = load_model_from_hdf5(path)
    assert not model.compiled


def test_optimizer_state_that_does_not_fit_is_left_fresh(tmp_path):
    path = os.fspath(tmp_path / "tf_keras.h5")
    _write_tf_keras_model(path, _tf_keras_values(), training=TF_KERAS_TRAINING_CONFIG)
    with h5py.File(path, "a") as f:  # tf.keras 2.15's names: no learning rate
        group = f.create_group("optimizer_weights")
        names = ["iteration:0", "Adam/m/dense/kernel:0", "Adam/v/dense/kernel:0"]
        group.attrs["weight_names"] = [n.encode() for n in names]
        group.create_dataset(names[0], data=np.int64(3))
        group.create_dataset(names[1], data=np.zeros((4, 3), "float32"))
        group.create_dataset(names[2], data=np.zeros((4, 3), "float32"))
    with pytest.warns(UserWarning, match="freshly initialized optimizer"):
        model = load_model_from_hdf5(path)
    assert model.compiled and int(model.optimizer.iterations) == 0


def test_model_without_training_config_loads_uncompiled_with_a_warning(tmp_path):
    path = os.fspath(tmp_path / "tf_keras.h5")
    _write_tf_keras_model(path, _tf_keras_values())
    with pytest.warns(UserWarning, match="not\\* compiled"):
        model = load_model_from_hdf5(path)
    assert not model.compiled
    assert load_model_from_hdf5(path, compile=False).layers[0].units == 3


TF_KERAS_FUNCTIONAL = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {
                    "batch_input_shape": [None, 4],
                    "dtype": "float32",
                    "sparse": False,
                    "ragged": False,
                    "name": "input_1",
                },
                "name": "input_1",
                "inbound_nodes": [],
            },
            {
                **_tf_keras_dense("dense", 3, "relu"),
                "name": "dense",
                "inbound_nodes": [[["input_1", 0, 0, {}]]],
            },
            {
                **_tf_keras_dense("dense_1", 3, "linear"),
                "name": "dense_1",
                "inbound_nodes": [[["input_1", 0, 0, {}]]],
            },
            {
                "class_name": "Add",
                "config": {"name": "add", "trainable": True, "dtype": "float32"},
                "name": "add",
                "inbound_nodes": [[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]],
            },
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["add", 0, 0]],
    },
}


def test_hand_written_tf_keras_2_functional_model(tmp_path):
    rng = np.random.default_rng(7)
    values = {
        "input_1": [],
        "dense": [rng.normal(size=(4, 3)), rng.normal(size=(3,))],
        "dense_1": [rng.normal(size=(4, 3)), rng.normal(size=(3,))],
        "add": [],
    }
    path = os.fspath(tmp_path / "functional.h5")
    _write_tf_keras_model(path, values, config=TF_KERAS_FUNCTIONAL)
    model = load_model_from_hdf5(path, compile=False)
    x = _floats(3, 4)
    expected = np.maximum(x @ values["dense"][0] + values["dense"][1], 0)
    expected = expected + x @ values["dense_1"][0] + values["dense_1"][1]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=ATOL)


def _tf_keras_nested_config():
    inner = {
        "name": "inner",
        "layers": [
            _tf_keras_input("input_2", (4,)),
            {
                **_tf_keras_dense("dense", 3, "relu"),
                "name": "dense",
                "inbound_nodes": [[["input_2", 0, 0, {}]]],
            },
        ],
        "input_layers": [["input_2", 0, 0]],
        "output_layers": [["dense", 0, 0]],
    }
    sequential = {
        "name": "seq",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, 3], "name": "dense_1_input"},
            },
            _tf_keras_dense("dense_1", 2, "linear"),
        ],
    }
    return {
        "class_name": "Functional",
        "config": {
            "name": "outer",
            "layers": [
                _tf_keras_input("input_1", (4,)),
                {
                    "class_name": "Functional",
                    "config": inner,
                    "name": "inner",
                    "inbound_nodes": [[["input_1", 0, 0, {}]]],
                },
                {
                    "class_name": "Sequential",
                    "config": sequential,
                    "name": "seq",
                    # tf.keras 2 counts a nested model's calls from 1.
                    "inbound_nodes": [[["inner", 1, 0, {}]]],
                },
                {
                    **_tf_keras_dense("dense_out", 1, "linear"),
                    "name": "dense_out",
                    "inbound_nodes": [[["seq", 1, 0, {}]]],
                },
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["dense_out", 0, 0], ["seq", 1, 0]],
        },
    }


def test_hand_written_tf_keras_2_nested_models(tmp_path):
    rng = np.random.default_rng(11)
    kernels = {
        "dense": (rng.normal(size=(4, 3)), rng.normal(size=3)),
        "dense_1": (rng.normal(size=(3, 2)), rng.normal(size=2)),
        "dense_out": (rng.normal(size=(2, 1)), rng.normal(size=1)),
    }
    path = os.fspath(tmp_path / "nested.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(_tf_keras_nested_config())
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"input_1", b"inner", b"seq", b"dense_out"]
        group.create_group("input_1").attrs["weight_names"] = np.zeros(0)
        for layer, owner in (
            ("inner", "dense"),
            ("seq", "dense_1"),
            ("dense_out",) * 2,
        ):
            names = [f"{owner}/kernel:0", f"{owner}/bias:0"]
            layer_group = group.create_group(layer)
            layer_group.attrs["weight_names"] = [n.encode() for n in names]
            for name, value in zip(names, kernels[owner]):
                layer_group.create_dataset(name, data=value.astype("float32"))
    model = load_model_from_hdf5(path, compile=False)
    x = _floats(3, 4)
    hidden = np.maximum(x @ kernels["dense"][0] + kernels["dense"][1], 0)
    side = hidden @ kernels["dense_1"][0] + kernels["dense_1"][1]
    out = side @ kernels["dense_out"][0] + kernels["dense_out"][1]
    _assert_same(model.predict(x, verbose=0), [out, side])


def _tf_keras_input(name, shape):
    return {
        "class_name": "InputLayer",
        "config": {
            "batch_input_shape": [None, *shape],
            "dtype": "float32",
            "sparse": False,
            "ragged": False,
            "name": name,
        },
        "name": name,
        "inbound_nodes": [],
    }


TF_KERAS_ATTENTION = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            _tf_keras_input("query", (3, 4)),
            _tf_keras_input("value", (5, 4)),
            {
                "class_name": "MultiHeadAttention",
                "config": {
                    "name": "mha",
                    "trainable": True,
                    "dtype": "float32",
                    "num_heads": 2,
                    "key_dim": 3,
                    "value_dim": 3,
                    "dropout": 0.0,
                    "use_bias": True,
                    "output_shape": None,
                    "attention_axes": [1],
                    "kernel_initializer": _initializer("GlorotUniform", seed=None),
                    "bias_initializer": _initializer("Zeros"),
                    "kernel_regularizer": None,
                    "bias_regularizer": None,
                    "activity_regularizer": None,
                    "kernel_constraint": None,
                    "bias_constraint": None,
                    "query_shape": [None, 3, 4],
                    "key_shape": [None, 5, 4],
                    "value_shape": [None, 5, 4],
                },
                "name": "mha",
                # tf.keras 2 passes the second tensor as a keyword argument.
                "inbound_nodes": [[["query", 0, 0, {"value": ["value", 0, 0]}]]],
            },
            {
                "class_name": "Bidirectional",
                "config": {
                    "name": "bidirectional",
                    "trainable": True,
                    "dtype": "float32",
                    "layer": {
                        "class_name": "LSTM",
                        "config": {
                            "name": "lstm",
                            "trainable": True,
                            "dtype": "float32",
                            "return_sequences": False,
                            "return_state": False,
                            "go_backwards": False,
                            "stateful": False,
                            "unroll": False,
                            "time_major": False,
                            "units": 2,
                            "activation": "tanh",
                            "recurrent_activation": "sigmoid",
                            "use_bias": True,
                            "kernel_initializer": _initializer("GlorotUniform"),
                            "recurrent_initializer": _initializer("Orthogonal"),
                            "bias_initializer": _initializer("Zeros"),
                            "unit_forget_bias": True,
                            "dropout": 0.0,
                            "recurrent_dropout": 0.0,
                            "implementation": 2,
                        },
                    },
                    "merge_mode": "concat",
                },
                "name": "bidirectional",
                "inbound_nodes": [[["mha", 0, 0, {}]]],
            },
        ],
        "input_layers": [["query", 0, 0], ["value", 0, 0]],
        "output_layers": [["bidirectional", 0, 0]],
    },
}


def test_tf_keras_2_attention_with_tensor_keyword_and_bidirectional(tmp_path):
    keras = keras_or_skip()
    query, value = keras.Input((3, 4), name="query"), keras.Input((5, 4), name="value")
    x = keras.layers.MultiHeadAttention(2, 3, name="mha")(query, value)
    outputs = keras.layers.Bidirectional(keras.layers.LSTM(2), name="bidirectional")(x)
    keras_model = keras.Model([query, value], outputs)
    _randomize(keras_model, seed=8)
    path = os.fspath(tmp_path / "attention.h5")
    keras_model.save(path)
    with h5py.File(path, "a") as f:  # the config as tf.keras 2.15 writes it
        f.attrs["model_config"] = json.dumps(TF_KERAS_ATTENTION).encode()
        f.attrs["keras_version"] = "2.15.0"
    model = load_model_from_hdf5(path, compile=False)
    inputs = [_floats(2, 3, 4, seed=1), _floats(2, 5, 4, seed=2)]
    _assert_same(
        model.predict(inputs, verbose=0), keras_model.predict(inputs, verbose=0)
    )


def test_legacy_spellings_are_converted():
    config = convert_legacy_config(
        {
            "class_name": "Sequential",
            "config": [  # Keras 2.0's bare list of layers
                {
                    "class_name": "Embedding",
                    "config": {
                        "input_dim": 10,
                        "output_dim": 3,
                        "input_length": 5,
                        "batch_input_shape": [None, 5],
                        "embeddings_initializer": _initializer(
                            "RandomUniform", minval=-0.05, maxval=0.05, seed=None
                        ),
                    },
                },
                {
                    "class_name": "LSTM",
                    "config": {
                        "units": 2,
                        "time_major": False,
                        "kernel_initializer": _initializer(
                            "VarianceScaling",
                            scale=1.0,
                            mode="fan_avg",
                            distribution="normal",
                            seed=None,
                            dtype="float32",
                        ),
                    },
                },
            ],
        }
    )
    embedding, lstm = config["config"]["layers"]
    assert config["module"] == "keras" and embedding["module"] == "keras.layers"
    assert "input_length" not in embedding["config"]
    assert "time_major" not in lstm["config"]
    assert lstm["config"]["kernel_initializer"] == {
        "module": "keras.initializers",
        "class_name": "VarianceScaling",
        "config": {
            "scale": 1.0,
            "mode": "fan_avg",
            "distribution": "truncated_normal",
            "seed": None,
        },
        "registered_name": None,
    }
    model = ember.saving.deserialize_keras_object(config)
    assert model.layers[1].units == 2 and model.built


# ----------------------------------------------------------- broken files
def _model_and_weights(tmp_path, seed=0):
    values = _tf_keras_values(seed)
    path = os.fspath(tmp_path / "weights.h5")
    with h5py.File(path, "w") as f:
        _write_layers(f, values)
    model = ember.Sequential(
        [
            ember.Input((4,)),
            ember.layers.Dense(3, activation="relu"),
            ember.layers.BatchNormalization(),
            ember.layers.Dropout(0.5),
            ember.layers.Dense(2, activation="softmax"),
        ]
    )
    return model, path


def _corrupt_shape(f):
    del f["dense_1/dense_1/bias:0"]
    f["dense_1"].create_dataset("dense_1/bias:0", data=np.zeros(5, "float32"))


def _corrupt_layer_count(f):
    names = [n.encode() for n in f.attrs["layer_names"] if n != "dense_1"]
    f.attrs["layer_names"] = names


def _corrupt_weight_count(f):
    f["batch_normalization"].attrs["weight_names"] = [
        b"batch_normalization/gamma:0",
        b"batch_normalization/beta:0",
    ]


def _corrupt_missing_names(f):
    del f.attrs["layer_names"]


def _corrupt_missing_dataset(f):
    del f["dense/dense/kernel:0"]


def _corrupt_soft_link(f):
    del f["dense/dense/kernel:0"]
    f["dense/dense/kernel:0"] = h5py.SoftLink("/dense_1/dense_1/kernel:0")


def _corrupt_absolute_name(f):
    f["dense"].attrs["weight_names"] = [b"/dense_1/dense_1/kernel:0", b"dense/bias:0"]


def _corrupt_text_dataset(f):
    del f["dense/dense/bias:0"]
    f["dense"].create_dataset("dense/bias:0", data=np.array([b"a", b"b", b"c"]))


def _corrupt_shape_bomb(f):
    del f["dense/dense/bias:0"]
    f["dense"].create_dataset(
        "dense/bias:0", shape=(1 << 30,), dtype="float64", chunks=(1 << 16,)
    )  # 8 GiB declared, nothing stored


def _corrupt_names_type(f):
    f.attrs["layer_names"] = np.arange(4)


CORRUPTIONS = {
    _corrupt_shape: r"bias' has shape \(2,\), the file's 'dense_1/bias:0' has",
    _corrupt_layer_count: "weights for 2 layer",
    _corrupt_weight_count: "the model has 4 weight",
    _corrupt_missing_names: "'layer_names' is missing",
    _corrupt_missing_dataset: "'/dense/dense/kernel:0': it is missing",
    _corrupt_soft_link: "SoftLink",
    _corrupt_absolute_name: "invalid name",
    _corrupt_text_dataset: "not a numeric weight",
    _corrupt_names_type: "should be a list of names",
    _corrupt_shape_bomb: "decompression bomb",
}


@pytest.mark.parametrize(
    "corrupt", list(CORRUPTIONS), ids=lambda c: c.__name__.removeprefix("_corrupt_")
)
def test_broken_weights_file_is_refused_and_model_unchanged(tmp_path, corrupt):
    model, path = _model_and_weights(tmp_path)
    with h5py.File(path, "a") as f:
        corrupt(f)
    before = _ember_weights(model)
    with pytest.raises(WeightsFormatError, match=CORRUPTIONS[corrupt]) as info:
        model.load_weights(path)
    assert "weights.h5" in str(info.value)
    assert _unchanged(model, before)


def test_missing_legacy_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ember.models.load_model(tmp_path / "missing.h5")
    with pytest.raises(FileNotFoundError):
        ember.Sequential([ember.layers.Dense(2)]).load_weights(tmp_path / "no.hdf5")


def test_by_name_is_only_for_legacy_files(tmp_path):
    model, _ = functional(ember)
    path = os.fspath(tmp_path / "model.weights.h5")
    model.save_weights(path)
    with pytest.raises(ValueError, match="by_name"):
        model.load_weights(path, by_name=True)


def test_not_an_hdf5_file(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"not hdf5 at all")
    with pytest.raises(WeightsFormatError, match="not a valid HDF5 file"):
        load_model_from_hdf5(path)


def test_missing_model_config(tmp_path):
    model, path = _model_and_weights(tmp_path)
    with pytest.raises(SavedModelError, match="no 'model_config'"):
        ember.saving.load_model(path)


@pytest.mark.parametrize(
    ("edit", "error", "match"),
    [
        (lambda c: c.update(config="junk"), SavedModelError, "expected a dict with"),
        (
            lambda c: c["config"]["layers"][1].update(class_name="Mystery"),
            TypeError,
            "Could not locate class 'Mystery'",
        ),
        (
            lambda c: c["config"]["layers"][1]["config"].update(units=5),
            WeightsFormatError,
            r"'dense/kernel' has shape \(4, 5\)",
        ),
    ],
    ids=["malformed", "unknown_class", "wrong_weights"],
)
def test_broken_model_config(tmp_path, edit, error, match):
    config = json.loads(json.dumps(TF_KERAS_SEQUENTIAL))
    edit(config)
    path = os.fspath(tmp_path / "model.h5")
    _write_tf_keras_model(path, _tf_keras_values(), config=config)
    with pytest.raises(error, match=match) as info:
        load_model_from_hdf5(path, compile=False)
    assert isinstance(info.value, WeightsFormatError)
    assert "model.h5" in str(info.value)


def _with_layer(entry):
    """`TF_KERAS_SEQUENTIAL` with `entry` after the first Dense."""
    config = json.loads(json.dumps(TF_KERAS_SEQUENTIAL))
    config["config"]["layers"].insert(2, entry)
    return config


def _doubled_after_dense(x, values):
    kernel, bias = values["dense"]
    h = np.maximum(x @ kernel + bias, 0) * 2.0
    gamma, beta, mean, variance = values["batch_normalization"]
    h = (h - mean) / np.sqrt(variance + 0.001) * gamma + beta
    logits = h @ values["dense_1"][0] + values["dense_1"][1]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Scale(ember.layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layer_from_custom_objects(tmp_path):
    path = os.fspath(tmp_path / "custom.h5")
    values = _tf_keras_values()
    entry = {"class_name": "Scale", "config": {"name": "scale", "factor": 2.0}}
    _write_tf_keras_model(path, values, config=_with_layer(entry))
    with pytest.raises(SavedModelError, match="Could not locate class 'Scale'"):
        load_model_from_hdf5(path, compile=False)
    model = load_model_from_hdf5(path, custom_objects={"Scale": Scale}, compile=False)
    x = _floats(2, 4)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), _doubled_after_dense(x, values), atol=ATOL
    )


def _lambda_config(function_type, function):
    return _with_layer(
        {
            "class_name": "Lambda",
            "config": {
                "name": "lambda",
                "trainable": True,
                "dtype": "float32",
                "function": function,
                "function_type": function_type,
                "module": "__main__",
                "output_shape": None,
                "output_shape_type": "raw",
                "output_shape_module": None,
                "arguments": {},
            },
        }
    )


def test_lambda_code_is_refused_under_safe_mode(tmp_path):
    from ember.saving.serialization_lib import func_dump

    code = list(func_dump(lambda x: x * 2.0))
    path = os.fspath(tmp_path / "lambda.h5")
    values = _tf_keras_values()
    _write_tf_keras_model(path, values, config=_lambda_config("lambda", code))
    with pytest.raises(SavedModelError, match="safe_mode=False"):
        load_model_from_hdf5(path, compile=False)
    model = load_model_from_hdf5(path, compile=False, safe_mode=False)
    x = _floats(2, 4)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), _doubled_after_dense(x, values), atol=ATOL
    )


def test_named_lambda_function_loads_without_code(tmp_path):
    path = os.fspath(tmp_path / "lambda.h5")
    _write_tf_keras_model(
        path, _tf_keras_values(), config=_lambda_config("function", "relu")
    )
    model = load_model_from_hdf5(path, compile=False)
    assert model.layers[1].function is ember.activations.relu


def test_keras_1_files_are_refused(tmp_path):
    path = os.fspath(tmp_path / "old.h5")
    _write_tf_keras_model(path, _tf_keras_values())
    with h5py.File(path, "a") as f:
        f.attrs["keras_version"] = "1.2.2"
    with pytest.raises(WeightsFormatError, match="Keras 1.2.2"):
        load_model_from_hdf5(path)
