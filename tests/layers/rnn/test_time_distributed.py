"""`TimeDistributed` against real Keras 3: wrapped Dense / Conv2D / custom
layers, masks, per-step state, config, errors, and a model that fits."""

import importlib
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ember.layers.core.dense import Dense
from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.layer import Layer
from ember.layers.reshaping.flatten import Flatten
from ember.layers.rnn.time_distributed import TimeDistributed
from ember.losses import MeanSquaredError
from ember.models import Model
from ember.optimizers import Adam
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _optional(module, name):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


Conv2D = _optional("ember.layers.convolutional.conv2d", "Conv2D")
BatchNormalization = _optional(
    "ember.layers.normalization.batch_normalization", "BatchNormalization"
)
LSTM = _optional("ember.layers.rnn.lstm", "LSTM")


class MaskedMean(Layer):
    """Mean over the valid positions of `(batch, steps, features)`."""

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs.mean(dim=1)
        weights = mask.unsqueeze(-1).to(inputs.dtype)
        return (inputs * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)

    def compute_mask(self, inputs, previous_mask=None):
        return None


def _compare(ours_inner, theirs_inner, x, **call):
    theirs = keras.layers.TimeDistributed(theirs_inner)
    expected = theirs(x, **call)
    ours = TimeDistributed(ours_inner)
    ours(torch.as_tensor(x), **call)
    ours.set_weights(theirs.get_weights())
    got = ours(torch.as_tensor(x), **call)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(_np(got), _np(expected), atol=1e-5)
    return ours, theirs


X = np.random.default_rng(0).standard_normal((2, 4, 5)).astype("float32")


@pytest.mark.parametrize(
    "kwargs",
    [{"units": 3}, {"units": 2, "activation": "tanh", "bias_initializer": "ones"}],
    ids=["linear", "tanh"],
)
def test_dense_matches_keras(kwargs):
    ours, theirs = _compare(Dense(**kwargs), keras.layers.Dense(**kwargs), X)
    assert [tuple(w.shape) for w in ours.weights] == [
        (5, kwargs["units"]),
        (kwargs["units"],),
    ]


def test_dense_on_rank_four_steps_matches_keras():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5)).astype("float32")
    _compare(Dense(3), keras.layers.Dense(3), x)


@pytest.mark.skipif(Conv2D is None, reason="Conv2D not available")
def test_conv2d_matches_keras():
    x = np.random.default_rng(2).standard_normal((2, 3, 6, 6, 2)).astype("float32")
    ours, _ = _compare(
        Conv2D(4, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        x,
    )
    assert ours(torch.as_tensor(x)).shape == (2, 3, 6, 6, 4)


@pytest.mark.skipif(BatchNormalization is None, reason="BatchNormalization missing")
def test_stateful_layer_runs_per_step_in_training_like_keras():
    x = np.random.default_rng(3).standard_normal((4, 3, 5)).astype("float32") * 3
    theirs = keras.layers.TimeDistributed(keras.layers.BatchNormalization())
    theirs.build(x.shape)
    ours = TimeDistributed(BatchNormalization())
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    expected = theirs(x, training=True)
    got = ours(torch.as_tensor(x), training=True)
    np.testing.assert_allclose(_np(got), _np(expected), atol=1e-5)
    # Keras normalises each step by its own statistics and updates the
    # moving statistics once per step.
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, _np(b), atol=1e-6)


def test_folds_steps_into_the_batch_in_one_call():
    calls = []
    inner = Dense(3)
    inner.register_forward_hook(lambda m, i, o: calls.append(tuple(i[0].shape)))
    TimeDistributed(inner)(torch.ones(2, 7, 5))
    assert calls == [(14, 5)]


def test_mask_passes_through_like_keras():
    def build(layers, input_fn, model_cls):
        ids = input_fn(shape=(4,), dtype="int32")
        x = layers.Embedding(10, 3, mask_zero=True)(ids)
        return model_cls(ids, layers.TimeDistributed(layers.Dense(2))(x))

    mine = SimpleNamespace(
        Embedding=Embedding, Dense=Dense, TimeDistributed=TimeDistributed
    )
    ours = build(mine, Input, Model)
    theirs = build(keras.layers, keras.Input, keras.Model)
    ours.set_weights(theirs.get_weights())
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    out = ours(ids)
    np.testing.assert_allclose(_np(out), _np(theirs(ids)), atol=1e-6)
    assert torch.equal(out._keras_mask, torch.as_tensor(ids != 0))


def test_each_steps_mask_reaches_a_layer_that_takes_one():
    # (batch, time, positions, features) with a (batch, time, positions) mask.
    x = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4, 1)
    mask = torch.rand(2, 3, 4) > 0.4
    out = TimeDistributed(MaskedMean())(x, mask=mask)
    expected = torch.stack(
        [MaskedMean()(x[:, t], mask=mask[:, t]) for t in range(3)], dim=1
    )
    torch.testing.assert_close(out, expected)
    assert torch.equal(out._keras_mask, mask)


def test_keras_custom_layer_with_mask_matches():
    class KerasMaskedMean(keras.layers.Layer):
        def call(self, inputs, mask=None):
            weights = keras.ops.expand_dims(keras.ops.cast(mask, inputs.dtype), -1)
            total = keras.ops.sum(inputs * weights, axis=1)
            return total / keras.ops.maximum(keras.ops.sum(weights, axis=1), 1.0)

        def compute_mask(self, inputs, mask=None):
            return None

    x = np.random.default_rng(4).standard_normal((2, 3, 4, 2)).astype("float32")
    mask = np.random.default_rng(5).random((2, 3, 4)) > 0.3
    expected = keras.layers.TimeDistributed(KerasMaskedMean())(x, mask=mask)
    got = TimeDistributed(MaskedMean())(torch.as_tensor(x), mask=torch.as_tensor(mask))
    np.testing.assert_allclose(_np(got), _np(expected), atol=1e-6)


@pytest.mark.parametrize(
    "make,shape,n",
    [
        (lambda: Dense(3), (2, 4, 5), 2),
        (lambda: Dense(3, use_bias=False), (2, 3, 4, 5), 1),
    ],
    ids=["dense", "dense_rank4"],
)
def test_shared_layer_checks(make, shape, n):
    class Wrapped(TimeDistributed):
        def __init__(self, layer=None, **kwargs):
            super().__init__(layer if layer is not None else make(), **kwargs)

    run_layer_test(
        Wrapped,
        {},
        input_shape=shape,
        expected_output_shape=(*shape[:-1], 3),
        expected_num_trainable_weights=n,
        supports_masking=True,
    )


def test_symbolic_shapes_match_keras():
    for shape in [(4, 5), (None, 5), (3, 4, 5)]:
        ours = TimeDistributed(Dense(3))(Input(shape=shape))
        theirs = keras.layers.TimeDistributed(keras.layers.Dense(3))(
            keras.Input(shape=shape)
        )
        assert ours.shape == tuple(theirs.shape)
    assert TimeDistributed(Dense(3)).compute_output_shape((None, 4, 5)) == (None, 4, 3)


def test_get_config_matches_keras_and_round_trips():
    ours = TimeDistributed(Dense(3, name="d"), name="td").get_config()
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(3, name="d"), name="td")
    assert ours == theirs.get_config()
    rebuilt = TimeDistributed.from_config(ours)
    assert isinstance(rebuilt.layer, Dense) and rebuilt.get_config() == ours


def test_config_of_a_custom_layer_needs_custom_objects():
    config = TimeDistributed(MaskedMean()).get_config()
    assert config["layer"]["class_name"] == "MaskedMean"
    rebuilt = TimeDistributed.from_config(
        config, custom_objects={"MaskedMean": MaskedMean}
    )
    assert isinstance(rebuilt.layer, MaskedMean)


def test_model_fits_and_loss_drops():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5, 3)).astype("float32")
    y = x.sum(axis=-1, keepdims=True) * 2.0
    inputs = Input(shape=(5, 3))
    outputs = TimeDistributed(Dense(1))(
        TimeDistributed(Dense(8, activation="relu"))(inputs)
    )
    model = Model(inputs, outputs)
    model.compile(optimizer=Adam(learning_rate=0.02), loss=MeanSquaredError())
    losses = model.fit(x, y, epochs=5, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_rank_two_input_names_layer_shape_and_fix():
    with pytest.raises(
        ValueError,
        match=r"`TimeDistributed` \(layer 'td'\) expects inputs of rank 3.*\(2, 5\)",
    ):
        TimeDistributed(Dense(3), name="td")(torch.ones(2, 5))


def test_non_layer_is_refused():
    with pytest.raises(ValueError, match=r"argument `layer` of `TimeDistributed`"):
        TimeDistributed("dense")


def test_mask_of_the_wrong_shape_is_explained():
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3\).*\(2, 4\)"):
        TimeDistributed(Dense(3))(
            torch.ones(2, 4, 5), mask=torch.ones(2, 3, dtype=bool)
        )


def test_flatten_after_time_distributed_has_keras_size():
    out = Flatten()(TimeDistributed(Dense(3))(Input(shape=(4, 5))))
    assert out.shape == (None, 12)


@pytest.mark.skipif(LSTM is None, reason="LSTM not available")
def test_lstm_over_masked_sub_sequences_matches_keras():
    # (batch, sentences, words) ids: each sentence's words go through the LSTM
    # with that sentence's mask; the output keeps the input's mask, as Keras.
    def build(layers, input_fn, model_cls, wrapped):
        ids = input_fn(shape=(3, 4), dtype="int32")
        return model_cls(ids, wrapped(layers.Embedding(10, 5, mask_zero=True)(ids)))

    mine = SimpleNamespace(Embedding=Embedding)
    ours = build(mine, Input, Model, TimeDistributed(LSTM(6)))
    theirs = build(
        keras.layers,
        keras.Input,
        keras.Model,
        keras.layers.TimeDistributed(keras.layers.LSTM(6)),
    )
    ours.set_weights(theirs.get_weights())
    ids = np.random.default_rng(0).integers(0, 10, (2, 3, 4))
    ids[0, 1, 2:] = 0
    out, expected = ours(ids), theirs(ids)
    np.testing.assert_allclose(_np(out), _np(expected), atol=1e-5)
    assert torch.equal(out._keras_mask, torch.as_tensor(_np(expected._keras_mask)))


@pytest.mark.skipif(BatchNormalization is None, reason="BatchNormalization missing")
def test_stateful_layer_in_inference_matches_keras_in_one_call():
    x = np.random.default_rng(8).standard_normal((4, 3, 5)).astype("float32")
    theirs = keras.layers.TimeDistributed(
        keras.layers.BatchNormalization(moving_mean_initializer="random_normal")
    )
    theirs.build(x.shape)
    ours = TimeDistributed(BatchNormalization())
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    calls = []
    ours.layer.register_forward_hook(lambda m, i, o: calls.append(1))
    np.testing.assert_allclose(
        _np(ours(torch.as_tensor(x), training=False)),
        _np(theirs(x, training=False)),
        atol=1e-5,
    )
    assert calls == [1]


def test_training_reaches_the_wrapped_layer():
    from ember.layers.regularization.dropout import Dropout

    layer = TimeDistributed(Dropout(0.5, seed=1))
    x = torch.ones(4, 3, 8)
    torch.testing.assert_close(layer(x), x)
    dropped = layer(x, training=True)
    assert set(dropped.unique().tolist()) == {0.0, 2.0}

    inputs = Input(shape=(3, 8))
    model = Model(inputs, TimeDistributed(Dropout(0.5, seed=1))(inputs))
    assert (model(x, training=True) == 0).any()
    torch.testing.assert_close(model(x), x)


def test_wrapped_layer_activity_regularizer_is_applied():
    # Keras 3 calls the wrapped layer's `call` and drops its activity
    # regularization; ember calls the layer, so the regularizer counts.
    layer = TimeDistributed(
        Dense(2, kernel_initializer="ones", activity_regularizer="l2")
    )
    layer(torch.ones(2, 3, 4))
    assert len(layer.losses) == 1
    # l2 (0.01) of (2*3) outputs of 4 each, over the folded batch of 6.
    torch.testing.assert_close(layer.losses[0], torch.tensor(0.01 * 16 * 2))
