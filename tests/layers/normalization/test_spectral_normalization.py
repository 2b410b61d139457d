"""`SpectralNormalization` against real Keras 3 (kernel and `vector_u` after
training calls, wrapping Dense, Conv1D/2D and Embedding; `fit` end to end),
the exact spectral norm, the standard layer checks, config round trips and
errors."""

import numpy as np
import pytest
import torch

from ember.layers.convolutional import Conv1D, Conv2D
from ember.layers.core.dense import Dense
from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.normalization.layer_normalization import LayerNormalization
from ember.layers.normalization.spectral_normalization import SpectralNormalization
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _pair(make_ours, make_theirs, x, power_iterations):
    theirs = keras.layers.SpectralNormalization(
        make_theirs(), power_iterations=power_iterations
    )
    ours = SpectralNormalization(make_ours(), power_iterations=power_iterations)
    theirs(x)
    ours(torch.as_tensor(x))
    ours.set_weights([_np(w) for w in theirs.get_weights()])
    return ours, theirs


CASES = {
    "dense": (lambda: Dense(3), lambda: keras.layers.Dense(3), (4, 5), "float32", 1),
    "dense_3_iterations": (
        lambda: Dense(6, use_bias=False),
        lambda: keras.layers.Dense(6, use_bias=False),
        (2, 3, 4),
        "float32",
        3,
    ),
    "conv1d": (
        lambda: Conv1D(4, 3, padding="same"),
        lambda: keras.layers.Conv1D(4, 3, padding="same"),
        (2, 7, 3),
        "float32",
        1,
    ),
    "conv2d_2_iterations": (
        lambda: Conv2D(5, (3, 2), strides=2),
        lambda: keras.layers.Conv2D(5, (3, 2), strides=2),
        (2, 7, 6, 3),
        "float32",
        2,
    ),
    "conv2d_channels_first": (
        lambda: Conv2D(4, 3, data_format="channels_first"),
        lambda: keras.layers.Conv2D(4, 3, data_format="channels_first"),
        (2, 3, 6, 6),
        "float32",
        1,
    ),
    "embedding": (
        lambda: Embedding(7, 4),
        lambda: keras.layers.Embedding(7, 4),
        (3, 5),
        "int32",
        2,
    ),
}


@pytest.mark.parametrize(
    "make_ours,make_theirs,shape,dtype,iterations", CASES.values(), ids=CASES.keys()
)
def test_training_and_inference_match_keras(
    make_ours, make_theirs, shape, dtype, iterations
):
    rng = np.random.default_rng(0)
    x = (
        rng.integers(0, 7, shape) if dtype == "int32" else rng.standard_normal(shape)
    ).astype(dtype)
    ours, theirs = _pair(make_ours, make_theirs, x, iterations)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    # Keras casts the output to the input's dtype, so an Embedding's float
    # vectors come back as int32 zeros there; ember keeps them, and those
    # cases compare the weights only.
    float_inputs = dtype == "float32"
    for _ in range(2):
        expected = _np(theirs(x, training=True))
        got = _np(ours(torch.as_tensor(x), training=True))
        if float_inputs:
            np.testing.assert_allclose(got, expected, atol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_allclose(a, _np(b), atol=1e-5)
    if float_inputs:
        np.testing.assert_allclose(
            _np(ours(torch.as_tensor(x))), _np(theirs(x, training=False)), atol=1e-5
        )
    else:
        lookup = ours.layer.embeddings[torch.as_tensor(x).long()]
        torch.testing.assert_close(ours(torch.as_tensor(x)), lookup)


def test_many_iterations_reach_spectral_norm_one():
    layer = SpectralNormalization(Dense(5), power_iterations=30)
    layer(torch.randn(2, 8), training=True)
    assert torch.linalg.matrix_norm(layer.layer.kernel, ord=2).item() == (
        pytest.approx(1.0, abs=1e-4)
    )


def test_inference_leaves_the_kernel_alone():
    layer = SpectralNormalization(Dense(3))
    layer(torch.randn(2, 4))
    before = layer.layer.kernel.detach().clone()
    layer(torch.randn(2, 4))
    assert torch.equal(layer.layer.kernel, before)


def test_zero_kernel_is_left_unchanged():
    layer = SpectralNormalization(Dense(3, kernel_initializer="zeros"))
    out = layer(torch.randn(2, 4), training=True)
    assert torch.all(layer.layer.kernel == 0) and torch.isfinite(out).all()


def test_gradients_reach_the_wrapped_weights_not_vector_u():
    layer = SpectralNormalization(Dense(3))
    layer(torch.randn(2, 4), training=True).sum().backward()
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert all(w.grad is not None for w in layer.trainable_weights)
    assert [w.name for w in layer.non_trainable_weights] == ["vector_u"]


def test_state_dict_holds_each_weight_once():
    layer = SpectralNormalization(Dense(3))
    layer(torch.randn(2, 4))
    assert sorted(layer.state_dict()) == ["layer.bias", "layer.kernel", "vector_u"]
    assert layer.count_params() == 4 * 3 + 3 + 3


def test_config_matches_keras_and_round_trips():
    ours = SpectralNormalization(Dense(3, name="d"), power_iterations=2, name="sn")
    theirs = keras.layers.SpectralNormalization(
        keras.layers.Dense(3, name="d"), power_iterations=2, name="sn"
    )
    config = ours.get_config()
    assert config == theirs.get_config()
    clone = SpectralNormalization.from_config(config)
    assert clone.get_config() == config and isinstance(clone.layer, Dense)
    assert clone.layer is not ours.layer


def test_loads_a_built_keras_config():
    theirs = keras.layers.SpectralNormalization(keras.layers.Dense(3))
    theirs(np.ones((2, 4), "float32"))
    ours = SpectralNormalization.from_config(theirs.get_config())
    assert ours.layer.built and tuple(ours.layer.kernel.shape) == (4, 3)
    ours.build((2, 4))
    ours.set_weights([_np(w) for w in theirs.get_weights()])
    x = np.random.randn(2, 4).astype("float32")
    np.testing.assert_allclose(_np(ours(torch.as_tensor(x))), _np(theirs(x)), atol=1e-6)


def test_symbolic_model():
    from ember.models import Model

    inputs = Input(shape=(4,))
    outputs = SpectralNormalization(Dense(2))(inputs)
    assert outputs.shape == (None, 2)
    model = Model(inputs, outputs)
    assert model(torch.ones(3, 4)).shape == (3, 2)


def test_layer_without_kernel_is_refused():
    with pytest.raises(ValueError, match=r"'sn'.*LayerNormalization.*no `kernel`"):
        SpectralNormalization(LayerNormalization(), name="sn")(torch.ones(2, 3))


def test_non_layer_is_refused():
    with pytest.raises(ValueError, match="`layer` of `SpectralNormalization`"):
        SpectralNormalization(torch.nn.Linear(2, 2))


@pytest.mark.parametrize("iterations", [0, -1, 1.5], ids=str)
def test_bad_power_iterations_are_refused(iterations):
    with pytest.raises(ValueError, match="`power_iterations`"):
        SpectralNormalization(Dense(2), power_iterations=iterations)


LAYER_CASES = {
    "dense": (lambda: Dense(3), (2, 4), (2, 3)),
    "conv2d": (lambda: Conv2D(2, 3), (2, 5, 5, 3), (2, 3, 3, 2)),
}


@pytest.mark.parametrize("make,shape,out_shape", LAYER_CASES.values(), ids=LAYER_CASES)
def test_standard_layer_checks(make, shape, out_shape):
    run_layer_test(
        SpectralNormalization,
        {"layer": make(), "power_iterations": 2},
        input_shape=shape,
        expected_output_shape=out_shape,
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=1,
        # A training call rewrites the kernel, so a later inference call
        # differs; gradients are checked above.
        run_training_check=False,
    )


def test_fit_matches_keras():
    import ember

    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 6, 6, 2)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")

    def model(lib):
        return lib.Sequential(
            [
                lib.Input(shape=(6, 6, 2)),
                lib.layers.SpectralNormalization(lib.layers.Conv2D(3, 3)),
                lib.layers.Flatten(),
                lib.layers.SpectralNormalization(lib.layers.Dense(1)),
            ]
        )

    theirs, ours = model(keras), model(ember)
    ours.set_weights([_np(w) for w in theirs.get_weights()])
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=ember.optimizers.SGD(0.1), loss="mse")
    fit = {"batch_size": 8, "epochs": 3, "shuffle": False, "verbose": 0}
    their_loss = theirs.fit(x, y, **fit).history["loss"]
    our_loss = ours.fit(x, y, **fit).history["loss"]
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-4)
    assert our_loss[-1] < our_loss[0]
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, _np(b), atol=1e-5)
