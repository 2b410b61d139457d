"""`.keras` files move both ways: models built and trained in ember load in
Keras 3 (and Keras's in ember) and predict the same outputs within 1e-5."""

import os

import numpy as np
import pytest
from _saving_models import SubclassedMLP, keras_subclassed_mlp
from conftest import keras_or_skip

import ember

ATOL = 1e-5


def _floats(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _tokens(*shape, vocab=20, seed=0):
    tokens = np.random.default_rng(seed).integers(1, vocab, size=shape)
    tokens[1, -3:] = 0  # padding, so masks matter
    tokens[2, :2] = 0
    return tokens.astype("int32")


# Each case: (builder(lib) -> model, inputs). `lib` is ember or keras.
def dense_mlp(lib):
    return lib.Sequential(
        [
            lib.Input((12,)),
            lib.layers.Dense(16, activation="relu"),
            lib.layers.Dropout(0.3),
            lib.layers.Dense(8, activation="tanh", use_bias=False),
            lib.layers.Dense(3, activation="softmax"),
        ]
    ), _floats(6, 12)


def embedding_lstm(lib):
    return lib.Sequential(
        [
            lib.Input((9,), dtype="int32"),
            lib.layers.Embedding(20, 8, mask_zero=True),
            lib.layers.LSTM(6, return_sequences=True),
            lib.layers.LSTM(5),
            lib.layers.Dense(2),
        ]
    ), _tokens(6, 9)


def embedding_gru_bidirectional(lib):
    return lib.Sequential(
        [
            lib.Input((9,), dtype="int32"),
            lib.layers.Embedding(20, 8, mask_zero=True),
            lib.layers.Bidirectional(lib.layers.GRU(4, return_sequences=True)),
            lib.layers.SimpleRNN(3),
            lib.layers.Dense(2),
        ]
    ), _tokens(6, 9)


def conv2d_bn_pooling(lib):
    return lib.Sequential(
        [
            lib.Input((12, 12, 3)),
            lib.layers.Conv2D(6, 3, padding="same", activation="relu"),
            lib.layers.BatchNormalization(),
            lib.layers.MaxPooling2D(),
            lib.layers.Conv2D(8, 3, strides=2),
            lib.layers.AveragePooling2D(pool_size=2, padding="same"),
            lib.layers.Flatten(),
            lib.layers.Dense(4, activation="softmax"),
        ]
    ), _floats(6, 12, 12, 3)


def conv_variants(lib):
    return lib.Sequential(
        [
            lib.Input((10, 10, 4)),
            lib.layers.ZeroPadding2D(1),
            lib.layers.DepthwiseConv2D(3, depth_multiplier=2),
            lib.layers.SeparableConv2D(5, 3, padding="same"),
            lib.layers.Conv2DTranspose(3, 3, strides=2),
            lib.layers.Cropping2D(2),
            lib.layers.UpSampling2D(),
            lib.layers.GlobalAveragePooling2D(),
            lib.layers.Dense(2),
        ]
    ), _floats(6, 10, 10, 4)


def conv1d_sequence(lib):
    return lib.Sequential(
        [
            lib.Input((16, 5)),
            lib.layers.Conv1D(6, 3, padding="causal", dilation_rate=2),
            lib.layers.GroupNormalization(groups=2),
            lib.layers.MaxPooling1D(2),
            lib.layers.TimeDistributed(lib.layers.Dense(4)),
            lib.layers.GlobalMaxPooling1D(),
            lib.layers.Dense(2),
        ]
    ), _floats(6, 16, 5)


def functional_multi_input(lib):
    a = lib.Input((8,), name="input_a")
    b = lib.Input((6,), name="input_b")
    xa = lib.layers.Dense(10, activation="relu")(a)
    xb = lib.layers.Dense(10, activation="relu")(b)
    shared = lib.layers.Dense(10)
    added = lib.layers.Add()([shared(xa), shared(xb)])
    merged = lib.layers.Concatenate()([added, lib.layers.Multiply()([xa, xb])])
    x = lib.layers.LayerNormalization()(merged)
    out = lib.layers.Dense(3)(x)
    return lib.Model([a, b], out, name="multi_input"), [
        _floats(6, 8, seed=1),
        _floats(6, 6, seed=2),
    ]


def functional_attention(lib):
    inputs = lib.Input((5, 8))
    attended = lib.layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
    x = lib.layers.LayerNormalization()(lib.layers.Add()([inputs, attended]))
    x = lib.layers.EinsumDense("abc,cd->abd", output_shape=(None, 6), bias_axes="d")(x)
    x = lib.layers.GlobalAveragePooling1D()(x)
    return lib.Model(inputs, lib.layers.Dense(2)(x)), _floats(6, 5, 8)


def functional_nested(lib):
    block = lib.Sequential(
        [lib.Input((6,)), lib.layers.Dense(6, activation="relu")], name="block"
    )
    inner_in = lib.Input((6,))
    inner = lib.Model(inner_in, lib.layers.Dense(4)(inner_in), name="inner")
    inputs = lib.Input((5,))
    x = lib.layers.Dense(6)(inputs)
    x = inner(block(x))
    return lib.Model(inputs, lib.layers.PReLU()(x)), _floats(6, 5)


def functional_masked_recurrent(lib):
    # In Keras's file, the mask of Embedding(mask_zero=True) is a `NotEqual`
    # op node feeding the LSTM's `mask`.
    tokens = lib.Input((9,), dtype="int32")
    x = lib.layers.Embedding(20, 6, mask_zero=True)(tokens)
    x = lib.layers.LSTM(5, return_sequences=True)(x)
    x = lib.layers.GRU(4)(x)
    return lib.Model(tokens, lib.layers.Dense(2)(x)), _tokens(6, 9)


def subclassed(lib):
    cls = SubclassedMLP if lib is ember else keras_subclassed_mlp(lib)
    model = cls(hidden=8, out_dim=3, name="subclassed")
    x = _floats(6, 12)
    model(x)
    return model, x


SLOW = pytest.mark.slow  # Keras's recurrent layers train slowly on CPU
CASES = [
    dense_mlp,
    pytest.param(embedding_lstm, marks=SLOW, id="embedding_lstm"),
    pytest.param(
        embedding_gru_bidirectional, marks=SLOW, id="embedding_gru_bidirectional"
    ),
    conv2d_bn_pooling,
    conv_variants,
    conv1d_sequence,
    functional_multi_input,
    functional_attention,
    functional_nested,
    functional_masked_recurrent,
    subclassed,
]


def _ids(cases):
    return [getattr(c, "__name__", None) for c in cases]


def _values(optimizer):
    return [
        np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v.numpy())
        for v in optimizer.variables
    ]


def _assert_same_optimizer_state(original, restored):
    """The compile config and the optimizer state (iterations, learning rate,
    Adam's moments) came through the file."""
    assert type(restored).__name__ == "Adam"
    before, after = _values(original), _values(restored)
    assert len(after) == len(before) and int(after[0]) > 0
    for a, b in zip(after, before):
        np.testing.assert_allclose(a, b, atol=0, rtol=0)


def _train(lib, model, x):
    y = model.predict(x, verbose=0)
    targets = np.random.default_rng(3).normal(size=np.shape(y)).astype("float32")
    model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse")
    model.fit(x, targets, epochs=1, batch_size=3, verbose=0)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_ember_model_loads_in_keras(case, tmp_path):
    keras = keras_or_skip()
    keras_subclassed_mlp(keras)
    ember.utils.set_random_seed(7)
    model, x = case(ember)
    _train(ember, model, x)
    path = os.fspath(tmp_path / "model.keras")
    model.save(path)
    expected = np.asarray(model.predict(x, verbose=0))

    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(restored.predict(x, verbose=0)), expected, atol=ATOL, rtol=0
    )
    _assert_same_optimizer_state(model.optimizer, restored.optimizer)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_keras_model_loads_in_ember(case, tmp_path):
    keras = keras_or_skip()
    keras_subclassed_mlp(keras)
    keras.utils.set_random_seed(7)
    model, x = case(keras)
    _train(keras, model, x)
    path = os.fspath(tmp_path / "model.keras")
    model.save(path)
    expected = np.asarray(model.predict(x, verbose=0))

    restored = ember.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(restored.predict(x, verbose=0)), expected, atol=ATOL, rtol=0
    )
    _assert_same_optimizer_state(model.optimizer, restored.optimizer)


@pytest.mark.slow  # .weights.h5 both ways; also covered by the interop files
@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_weights_files_move_both_ways(case, tmp_path):
    keras = keras_or_skip()
    keras_subclassed_mlp(keras)
    ember.utils.set_random_seed(11)
    ember_model, x = case(ember)
    keras_model, _ = case(keras)
    ember_path = os.fspath(tmp_path / "ember.weights.h5")
    ember_model.save_weights(ember_path)
    keras_model.load_weights(ember_path)
    np.testing.assert_allclose(
        np.asarray(keras_model.predict(x, verbose=0)),
        np.asarray(ember_model.predict(x, verbose=0)),
        atol=ATOL,
        rtol=0,
    )
    keras.utils.set_random_seed(12)
    keras_model, _ = case(keras)
    keras_path = os.fspath(tmp_path / "keras.weights.h5")
    keras_model.save_weights(keras_path)
    ember_model.load_weights(keras_path)
    np.testing.assert_allclose(
        np.asarray(ember_model.predict(x, verbose=0)),
        np.asarray(keras_model.predict(x, verbose=0)),
        atol=ATOL,
        rtol=0,
    )


def test_lambda_layers_move_both_ways_when_trusted(tmp_path):
    keras = keras_or_skip()
    x = _floats(3, 4)
    model = ember.Sequential(
        [ember.Input((4,)), ember.layers.Lambda(lambda t: t * 2.0 + 1.0)]
    )
    path = os.fspath(tmp_path / "ember_lambda.keras")
    with pytest.warns(UserWarning, match="lambda"):
        model.save(path)
    restored = keras.saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(restored.predict(x, verbose=0), 2 * x + 1, atol=1e-6)

    # Written as user code usually is: `keras` is a global of the function.
    function = eval("lambda t: keras.ops.tanh(t) * 3.0", {"keras": keras})
    keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(function)])
    path = os.fspath(tmp_path / "keras_lambda.keras")
    keras_model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        ember.saving.load_model(path)
    restored = ember.saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(
        restored.predict(x, verbose=0), np.tanh(x) * 3.0, atol=1e-6
    )


@pytest.mark.parametrize("direction", ["ember_to_keras", "keras_to_ember"])
def test_compile_config_with_loss_and_metric_objects(tmp_path, direction):
    keras = keras_or_skip()
    source, target = (ember, keras) if direction == "ember_to_keras" else (keras, ember)
    x = _floats(8, 4)
    y = np.random.default_rng(1).integers(0, 3, 8)
    model = source.Sequential([source.Input((4,)), source.layers.Dense(3)])
    model.compile(
        optimizer=source.optimizers.RMSprop(0.01, momentum=0.1),
        loss=source.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[source.metrics.SparseCategoricalAccuracy(), "accuracy"],
    )
    model.fit(x, y, epochs=1, verbose=0)
    path = os.fspath(tmp_path / "compiled.keras")
    model.save(path)
    restored = target.saving.load_model(path)
    assert type(restored.optimizer).__name__ == "RMSprop"
    assert restored.optimizer.get_config()["momentum"] == pytest.approx(0.1)
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    got = restored.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(got) == sorted(expected)
    for key in expected:
        assert float(got[key]) == pytest.approx(float(expected[key]), abs=1e-5)
