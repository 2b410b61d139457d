"""The same models built with Keras 3 and with ember: same parameter counts, output
shapes, weight shapes, summary tables and (with Keras's weights) the same outputs."""

import numpy as np
import pytest
from conftest import keras_or_skip

import ember


def mlp(lib):
    L = lib.layers
    return lib.Sequential(
        [
            lib.Input(shape=(12,), name="features"),
            L.Dense(16, activation="relu", name="hidden"),
            L.Dropout(0.2, name="drop"),
            L.Dense(4, activation="softmax", name="probs"),
        ],
        name="mlp",
    )


def two_inputs(lib):
    L = lib.layers
    a = lib.Input(shape=(8,), name="a")
    b = lib.Input(shape=(6,), name="b")
    left = L.Dense(4, activation="tanh", name="left")(a)
    right = L.Dense(4, name="right")(b)
    summed = L.Add(name="sum")([left, right])
    joined = L.Concatenate(name="join")([summed, a])
    out = L.Dense(3, name="out")(joined)
    return lib.Model([a, b], out, name="two_inputs")


def all_merges(lib):
    L = lib.layers
    a = lib.Input(shape=(5,), name="a")
    b = lib.Input(shape=(5,), name="b")
    x = L.Dense(5, name="proj")(a)
    parts = [
        L.Subtract(name="sub")([x, b]),
        L.Multiply(name="mul")([x, b]),
        L.Average(name="avg")([x, b]),
        L.Maximum(name="max")([x, b]),
        L.Minimum(name="min")([x, b]),
        L.Dot(axes=1, normalize=True, name="cos")([x, b]),
    ]
    out = L.Concatenate(name="all")(parts)
    return lib.Model([a, b], out, name="all_merges")


def tokens(lib):
    L = lib.layers
    ids = lib.Input(shape=(6,), dtype="int32", name="ids")
    x = L.Embedding(20, 4, name="embed")(ids)
    x = L.Flatten(name="flat")(x)
    x = L.Dense(2, activation="sigmoid", name="head")(x)
    return lib.Model(ids, x, name="tokens")


def nested(lib):
    L = lib.layers
    inner = lib.Sequential(
        [L.Dense(6, activation="relu", name="inner_a"), L.Dense(3, name="inner_b")],
        name="inner",
    )
    x = lib.Input(shape=(10,), name="x")
    y = L.Dense(3, activation="tanh", name="outer")(inner(x))
    return lib.Model(x, y, name="nested")


def reshaping(lib):
    L = lib.layers
    x = lib.Input(shape=(12,), name="x")
    y = L.Reshape((3, 4), name="reshape")(x)
    y = L.Permute((2, 1), name="permute")(y)
    y = L.EinsumDense("abc,cd->abd", output_shape=(4, 5), bias_axes="d", name="einsum")(
        y
    )
    y = L.Flatten(name="flat")(y)
    y = L.RepeatVector(2, name="repeat")(y)
    y = L.Activation("relu", name="act")(y)
    return lib.Model(x, y, name="reshaping")


BUILDERS = [mlp, two_inputs, all_merges, tokens, nested, reshaping]
IDS = [b.__name__ for b in BUILDERS]


def _inputs(model, rng):
    arrays = []
    for spec in model.inputs:
        shape = (3,) + tuple(spec.shape[1:])
        if "int" in str(spec.dtype):
            arrays.append(rng.integers(0, 20, size=shape).astype("int32"))
        else:
            arrays.append(rng.normal(size=shape).astype("float32"))
    return arrays if len(arrays) > 1 else arrays[0]


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_same_structure_as_keras(build):
    keras = keras_or_skip()
    theirs, ours = build(keras), build(ember)
    assert ours.count_params() == theirs.count_params()
    assert ours.output_shape == theirs.output_shape
    assert [layer.name for layer in ours.layers] == [
        layer.name for layer in theirs.layers
    ]
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_same_outputs_with_keras_weights(build):
    keras = keras_or_skip()
    theirs, ours = build(keras), build(ember)
    ours.set_weights(theirs.get_weights())
    x = _inputs(theirs, np.random.default_rng(7))
    expected = keras.ops.convert_to_numpy(theirs(x, training=False))
    got = ours(x, training=False).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_same_summary_table_as_keras(build):
    keras = keras_or_skip()
    theirs, ours = build(keras), build(ember)
    expected, got = [], []
    theirs.summary(print_fn=lambda line, **kwargs: expected.extend(line.split("\n")))
    ours.summary(print_fn=got.append)
    expected = [line.rstrip() for line in expected if line.strip()]
    assert [line.rstrip() for line in got] == expected


def test_deferred_sequential_matches_keras_after_first_call():
    keras = keras_or_skip()
    x = np.random.default_rng(0).normal(size=(4, 9)).astype("float32")

    def build(lib):
        return lib.Sequential(
            [lib.layers.Dense(5, name="d1"), lib.layers.Dense(2, name="d2")]
        )

    theirs, ours = build(keras), build(ember)
    theirs(x)
    ours(x)
    assert ours.count_params() == theirs.count_params()
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        ours(x).detach().numpy(),
        keras.ops.convert_to_numpy(theirs(x)),
        rtol=1e-5,
        atol=1e-6,
    )
