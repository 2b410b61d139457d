"""`LSTM` and `LSTMCell` against real Keras 3: fused and loop paths, masks, states,
dropout, config, errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras
from rnn_testing import (
    RIGHT_PADDED,
    WITH_GAPS,
    assert_fused_matches_loop,
    assert_matches_keras_in_training,
    assert_outputs_close,
    assert_stateful_matches_keras,
    sequences,
    twin_layers,
)

import ember
from ember.layers.rnn.lstm import LSTM, LSTMCell
from ember.layers.rnn.rnn import RNN
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

CASES = {
    "last_output": ({"units": 5}, {}),
    "sequences_and_state": (
        {"units": 5, "return_sequences": True, "return_state": True},
        {},
    ),
    "go_backwards": ({"units": 5, "go_backwards": True, "return_sequences": True}, {}),
    "no_bias": ({"units": 4, "use_bias": False, "return_state": True}, {}),
    "right_padded_mask": (
        {"units": 5, "return_sequences": True, "return_state": True},
        {"mask": RIGHT_PADDED},
    ),
    "right_padded_mask_backwards": (
        {
            "units": 5,
            "return_sequences": True,
            "go_backwards": True,
            "return_state": True,
        },
        {"mask": RIGHT_PADDED},
    ),
    "mask_with_gaps": ({"units": 5, "return_sequences": True}, {"mask": WITH_GAPS}),
    "relu_activation": (
        {"units": 5, "activation": "relu", "return_sequences": True},
        {},
    ),
    "hard_sigmoid_gates": (
        {"units": 5, "recurrent_activation": "hard_sigmoid", "return_state": True},
        {"mask": RIGHT_PADDED},
    ),
    "unroll": ({"units": 3, "unroll": True, "return_sequences": True}, {}),
    "initial_state": (
        {"units": 5, "return_sequences": True},
        {
            "initial_state": [
                np.random.default_rng(1).standard_normal((4, 5)).astype("float32"),
                np.random.default_rng(2).standard_normal((4, 5)).astype("float32"),
            ]
        },
    ),
    "inference_with_dropout": (
        {"units": 5, "dropout": 0.5, "recurrent_dropout": 0.3},
        {},
    ),
}


@pytest.mark.parametrize("kwargs,call_kwargs", CASES.values(), ids=CASES.keys())
def test_matches_keras(kwargs, call_kwargs):
    assert_matches_keras(LSTM, kwargs, sequences(), call_kwargs=call_kwargs)


FUSED = {
    "default": ({"units": 5}, {}, "fused"),
    "mask": ({"units": 5}, {"mask": RIGHT_PADDED}, "fused"),
    "dropout_in_training": ({"units": 5, "dropout": 0.2}, {"training": True}, "fused"),
    "mask_with_gaps": ({"units": 5}, {"mask": WITH_GAPS}, "loop"),
    "recurrent_dropout_training": (
        {"units": 5, "recurrent_dropout": 0.2},
        {"training": True},
        "loop",
    ),
    "relu": ({"units": 5, "activation": "relu"}, {}, "loop"),
    "unroll": ({"units": 5, "unroll": True}, {}, "loop"),
    "use_cudnn_false": ({"units": 5, "use_cudnn": False}, {}, "loop"),
}


@pytest.mark.parametrize("kwargs,call_kwargs,path", FUSED.values(), ids=FUSED.keys())
def test_fused_kernel_runs_when_the_configuration_allows(kwargs, call_kwargs, path):
    layer = LSTM(**kwargs)
    layer(torch.as_tensor(sequences()), **call_kwargs)
    assert layer._last_call_path == path


@pytest.mark.parametrize(
    "options",
    [
        {"return_sequences": True, "return_state": True},
        {"go_backwards": True, "return_state": True},
        {"return_sequences": True, "go_backwards": True, "mask": RIGHT_PADDED},
        {"return_sequences": True, "mask": RIGHT_PADDED, "zero_output_for_mask": True},
        {"use_bias": False, "return_sequences": True},
    ],
    ids=["sequences", "backwards", "mask_backwards", "zero_output_for_mask", "no_bias"],
)
def test_fused_and_loop_agree_in_values_and_gradients(options):
    options = dict(options)
    mask = options.pop("mask", None)
    assert_fused_matches_loop(LSTM, 4, options, mask)


def test_fused_gradients_reach_the_keras_layout_variables():
    layer = LSTM(3, return_sequences=True)
    x = torch.as_tensor(sequences())
    layer(x, mask=torch.as_tensor(RIGHT_PADDED)).sum().backward()
    assert layer._last_call_path == "fused"
    for weight in layer.trainable_weights:
        assert weight.grad is not None and weight.grad.shape == weight.shape
        assert weight.grad.abs().sum() > 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"units": 5, "dropout": 0.3, "seed": 1, "return_sequences": True},
        {"units": 5, "dropout": 0.3, "recurrent_dropout": 0.4, "seed": 2},
        {"units": 5, "recurrent_dropout": 0.4, "seed": 3, "return_state": True},
    ],
    ids=["dropout_fused", "both_dropouts", "recurrent_dropout"],
)
def test_training_with_seeded_dropout_matches_keras(kwargs):
    # Seeded masks follow Keras's seed arithmetic, so training runs match too.
    assert_matches_keras_in_training(
        LSTM(**kwargs), keras.layers.LSTM(**kwargs), sequences()
    )


def test_stateful_two_calls_and_reset_match_keras():
    kwargs = {"units": 4, "stateful": True, "return_sequences": True}
    layer = LSTM(**kwargs)
    assert_stateful_matches_keras(layer, keras.layers.LSTM(**kwargs), sequences(2))
    assert len(layer.weights) == 3  # the states are not weights


def test_stateful_refuses_another_batch_size():
    layer = LSTM(3, stateful=True)
    layer(torch.ones(2, 4, 3))
    with pytest.raises(ValueError, match="batch size 2.*batch of 5"):
        layer(torch.ones(5, 4, 3))


def test_cell_matches_keras_and_lstm():
    x = sequences()
    theirs = keras.layers.LSTMCell(4)
    ours, theirs = twin_layers(LSTMCell(4), theirs, (4, 3))
    states = [np.ones((4, 4), "float32") * 0.1, np.zeros((4, 4), "float32")]
    h, (h2, c) = ours(x[:, 0], [torch.as_tensor(s) for s in states])
    their_h, (_, their_c) = theirs(x[:, 0], states)
    assert_outputs_close([h, c], [their_h, their_c])
    assert torch.equal(h, h2)
    # RNN(LSTMCell) and LSTM compute the same function.
    rnn, lstm = RNN(LSTMCell(4), return_sequences=True), LSTM(4, return_sequences=True)
    rnn(torch.as_tensor(x))
    lstm.build(x.shape)
    lstm.set_weights(rnn.get_weights())
    assert_outputs_close(rnn(x), lstm(x))


def test_weights_have_keras_names_shapes_and_forget_bias():
    layer = LSTM(3)
    layer(torch.ones(2, 4, 5))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(5, 12), (3, 12), (12,)]
    assert layer.cell.bias.tolist() == [0.0] * 3 + [1.0] * 3 + [0.0] * 6
    plain = LSTM(3, unit_forget_bias=False, bias_initializer="ones")
    plain.build((2, 4, 5))
    assert plain.cell.bias.tolist() == [1.0] * 12


def test_hand_computed_single_unit():
    layer = LSTM(1, return_state=True)
    layer.build((1, 1, 1))
    # kernel, recurrent_kernel, bias all zero except the candidate input weight.
    layer.set_weights([np.array([[0.0, 0.0, 1.0, 0.0]]), np.zeros((1, 4)), np.zeros(4)])
    out, h, c = layer(torch.tensor([[[2.0]]]))
    # i = f = o = sigmoid(0) = 0.5; c = 0.5 * tanh(2); h = 0.5 * tanh(c).
    expected_c = 0.5 * np.tanh(2.0)
    np.testing.assert_allclose(c.item(), expected_c, rtol=1e-6)
    np.testing.assert_allclose(h.item(), 0.5 * np.tanh(expected_c), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({"units": 3}, (4, 3)),
        (
            {"units": 3, "return_sequences": True, "return_state": True},
            [(4, 5, 3), (4, 3), (4, 3)],
        ),
        (
            {
                "units": 2,
                "dropout": 0.5,
                "recurrent_dropout": 0.5,
                "go_backwards": True,
            },
            (4, 2),
        ),
        ({"units": 2, "kernel_regularizer": "l2", "use_bias": False}, (4, 2)),
    ],
    ids=["default", "sequences_state", "dropouts_backwards", "regularized_no_bias"],
)
def test_layer_harness(kwargs, shapes):
    run_layer_test(
        LSTM,
        kwargs,
        input_shape=(4, 5, 6),
        expected_output_shape=shapes,
        expected_num_trainable_weights=2 if kwargs.get("use_bias") is False else 3,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_stateful_layer_checks():
    # run_layer_test compares successive calls, which a stateful layer answers
    # differently by design; these are its checks with the states reset.
    x = torch.as_tensor(sequences(batch=2))
    layer = LSTM(3, stateful=True, return_sequences=True)
    config = layer.get_config()
    assert LSTM.from_config(config).get_config() == config
    first = layer(x)
    twin = LSTM.from_config(config)
    twin(x)
    twin.set_weights(layer.get_weights())
    twin.reset_states()
    torch.testing.assert_close(twin(x), first)
    # A symbolic call (shape inference) leaves the carried states alone.
    carried = [s.clone() for s in layer.states]
    symbolic = layer(ember.Input(shape=(6, 3), batch_size=2))
    assert tuple(symbolic.shape) == (2, 6, 3)
    for before, after in zip(carried, layer.states):
        torch.testing.assert_close(before, after)
    # Carried states are detached: each batch backpropagates through itself.
    layer(x).sum().backward()
    assert all(not s.requires_grad for s in layer.states)
    assert all(w.grad is not None for w in layer.trainable_weights)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"units": 3},
        {"units": 2, "activation": "relu", "dropout": 0.1, "return_sequences": True},
        {"units": 2, "kernel_regularizer": "l2", "unit_forget_bias": False},
    ],
    ids=["default", "options", "regularizer"],
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = LSTM(name="l", **kwargs).get_config()
    assert config == keras.layers.LSTM(name="l", **kwargs).get_config()
    assert LSTM.from_config(config).get_config() == config
    cell_config = LSTMCell(
        name="c", **{k: v for k, v in kwargs.items() if k != "return_sequences"}
    ).get_config()
    their_cell = keras.layers.LSTMCell(
        name="c", **{k: v for k, v in kwargs.items() if k != "return_sequences"}
    )
    assert cell_config == their_cell.get_config()


def test_loads_a_keras_config():
    config = keras.layers.LSTM(3, return_sequences=True, name="k").get_config()
    layer = LSTM.from_config(config)
    assert layer.units == 3 and layer.return_sequences and layer.name == "k"


def test_two_dimensional_input_names_layer_rank_and_shape():
    layer = LSTM(4, name="encoder")
    with pytest.raises(ValueError) as info:
        layer(torch.ones(8, 5))
    message = str(info.value)
    assert '"encoder"' in message and "expected ndim=3" in message
    assert "(8, 5)" in message


@pytest.mark.parametrize("units", [0, -2, 1.5, "3", True], ids=str)
def test_bad_units_are_refused(units):
    with pytest.raises(ValueError, match=r"`units` of `LSTM`: expected a positive"):
        LSTM(units)


def test_bad_use_cudnn_and_unknown_argument():
    with pytest.raises(ValueError, match="use_cudnn"):
        LSTM(2, use_cudnn="yes")
    with pytest.raises(TypeError, match=r"`LSTM`.*`unit`"):
        LSTM(2, unit=3)


def test_use_cudnn_true_refuses_a_configuration_it_cannot_fuse():
    layer = LSTM(2, activation="relu", use_cudnn=True)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        layer(torch.ones(1, 3, 2))


def test_wrong_number_of_initial_states_is_refused():
    layer = LSTM(2, name="enc")
    with pytest.raises(ValueError, match="'enc' expects 2 initial state"):
        layer(torch.ones(1, 3, 2), initial_state=[torch.zeros(1, 2)])
