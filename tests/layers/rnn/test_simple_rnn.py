"""`SimpleRNN` and `SimpleRNNCell` against real Keras 3: fused (tanh and relu)
and loop paths, masks, states, dropout, config, errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras
from rnn_testing import (
    RIGHT_PADDED,
    WITH_GAPS,
    assert_matches_keras_in_training,
    assert_outputs_close,
    assert_stateful_matches_keras,
    sequences,
    twin_layers,
)

from ember.layers.rnn.rnn import RNN
from ember.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
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
        {"units": 5, "return_sequences": True, "go_backwards": True},
        {"mask": RIGHT_PADDED},
    ),
    "mask_with_gaps": ({"units": 5, "return_sequences": True}, {"mask": WITH_GAPS}),
    "relu": ({"units": 5, "activation": "relu", "return_sequences": True}, {}),
    "relu_mask": (
        {"units": 5, "activation": "relu", "return_state": True},
        {"mask": RIGHT_PADDED},
    ),
    "sigmoid": ({"units": 5, "activation": "sigmoid"}, {}),
    "unroll": ({"units": 3, "unroll": True, "return_sequences": True}, {}),
    "initial_state": (
        {"units": 5, "return_sequences": True},
        {
            "initial_state": [
                np.random.default_rng(1).standard_normal((4, 5)).astype("float32")
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
    assert_matches_keras(SimpleRNN, kwargs, sequences(), call_kwargs=call_kwargs)


FUSED = {
    "default": ({"units": 5}, {}, "fused"),
    "relu": ({"units": 5, "activation": "relu"}, {}, "fused"),
    "mask": ({"units": 5}, {"mask": RIGHT_PADDED}, "fused"),
    "dropout_in_training": ({"units": 5, "dropout": 0.2}, {"training": True}, "fused"),
    "sigmoid": ({"units": 5, "activation": "sigmoid"}, {}, "loop"),
    "mask_with_gaps": ({"units": 5}, {"mask": WITH_GAPS}, "loop"),
    "recurrent_dropout_training": (
        {"units": 5, "recurrent_dropout": 0.2},
        {"training": True},
        "loop",
    ),
    "unroll": ({"units": 5, "unroll": True}, {}, "loop"),
}


@pytest.mark.parametrize("kwargs,call_kwargs,path", FUSED.values(), ids=FUSED.keys())
def test_fused_kernel_runs_when_the_configuration_allows(kwargs, call_kwargs, path):
    layer = SimpleRNN(**kwargs)
    layer(torch.as_tensor(sequences()), **call_kwargs)
    assert layer._last_call_path == path


@pytest.mark.parametrize(
    "options,mask",
    [
        ({"return_sequences": True, "return_state": True}, None),
        ({"activation": "relu", "go_backwards": True, "use_bias": False}, None),
        ({"return_sequences": True, "go_backwards": True}, RIGHT_PADDED),
    ],
    ids=["sequences", "relu_backwards_no_bias", "mask_backwards"],
)
def test_fused_and_loop_agree_in_values_and_gradients(options, mask):
    # SimpleRNN has no `use_cudnn`: `unroll=True` forces the loop.
    fused, loop = SimpleRNN(4, **options), SimpleRNN(4, unroll=True, **options)
    x = torch.as_tensor(sequences())
    fused(x)
    loop(x)
    loop.set_weights(fused.get_weights())
    mask = None if mask is None else torch.as_tensor(mask)
    grads = []
    for layer in (fused, loop):
        weights = layer.trainable_weights
        out = layer(x, mask=mask)
        first = out[0] if isinstance(out, tuple) else out
        grads.append(torch.autograd.grad(first.square().sum(), weights))
        grads[-1] = (first,) + grads[-1]
    assert fused._last_call_path == "fused" and loop._last_call_path == "loop"
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"units": 5, "dropout": 0.3, "seed": 1, "return_sequences": True},
        {"units": 5, "dropout": 0.3, "recurrent_dropout": 0.4, "seed": 2},
    ],
    ids=["dropout_fused", "both_dropouts"],
)
def test_training_with_seeded_dropout_matches_keras(kwargs):
    assert_matches_keras_in_training(
        SimpleRNN(**kwargs), keras.layers.SimpleRNN(**kwargs), sequences()
    )


def test_stateful_two_calls_and_reset_match_keras():
    kwargs = {"units": 4, "stateful": True, "return_sequences": True}
    assert_stateful_matches_keras(
        SimpleRNN(**kwargs), keras.layers.SimpleRNN(**kwargs), sequences(2)
    )


def test_cell_matches_keras_and_simple_rnn():
    x = sequences()
    ours, theirs = twin_layers(SimpleRNNCell(4), keras.layers.SimpleRNNCell(4), (4, 3))
    state = np.full((4, 4), 0.1, "float32")
    h, (h_state,) = ours(torch.as_tensor(x[:, 0]), [torch.as_tensor(state)])
    their_h, _ = theirs(x[:, 0], [state])
    assert_outputs_close(h, their_h)
    assert torch.equal(h, h_state)
    rnn = RNN(SimpleRNNCell(4), return_sequences=True)
    layer = SimpleRNN(4, return_sequences=True)
    rnn(torch.as_tensor(x))
    layer.build(x.shape)
    layer.set_weights(rnn.get_weights())
    assert_outputs_close(rnn(x), layer(x))


def test_hand_computed_two_steps():
    layer = SimpleRNN(1, return_sequences=True, activation="relu")
    layer.build((1, 2, 1))
    layer.set_weights([np.array([[2.0]]), np.array([[0.5]]), np.array([1.0])])
    out = layer(torch.tensor([[[1.0], [-1.0]]]))[0, :, 0].tolist()
    # h1 = relu(2 * 1 + 1) = 3; h2 = relu(2 * -1 + 0.5 * 3 + 1) = 0.5.
    assert out == [3.0, 0.5]


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({"units": 3}, (4, 3)),
        (
            {"units": 3, "return_sequences": True, "return_state": True},
            [(4, 5, 3), (4, 3)],
        ),
        ({"units": 2, "dropout": 0.5, "recurrent_dropout": 0.5}, (4, 2)),
    ],
    ids=["default", "sequences_state", "dropouts"],
)
def test_layer_harness(kwargs, shapes):
    run_layer_test(
        SimpleRNN,
        kwargs,
        input_shape=(4, 5, 6),
        expected_output_shape=shapes,
        expected_num_trainable_weights=3,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"units": 3},
        {"units": 2, "activation": "relu", "dropout": 0.1, "seed": 5},
        {"units": 2, "bias_regularizer": "l2", "use_bias": False, "go_backwards": True},
    ],
    ids=["default", "options", "regularizer"],
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = SimpleRNN(name="s", **kwargs).get_config()
    assert config == keras.layers.SimpleRNN(name="s", **kwargs).get_config()
    assert SimpleRNN.from_config(config).get_config() == config
    cell_kwargs = {k: v for k, v in kwargs.items() if k != "go_backwards"}
    cell_config = SimpleRNNCell(name="c", **cell_kwargs).get_config()
    their_cell = keras.layers.SimpleRNNCell(name="c", **cell_kwargs)
    assert cell_config == their_cell.get_config()


def test_two_dimensional_input_names_layer_rank_and_shape():
    layer = SimpleRNN(4, name="rnn_in")
    with pytest.raises(ValueError) as info:
        layer(torch.ones(8, 5))
    message = str(info.value)
    assert '"rnn_in"' in message and "expected ndim=3" in message
    assert "(8, 5)" in message


@pytest.mark.parametrize("rate", ["0.5", None, True], ids=str)
def test_bad_dropout_is_refused(rate):
    with pytest.raises(ValueError, match=r"`dropout` of `SimpleRNN`"):
        SimpleRNN(2, dropout=rate)


def test_bad_units_are_refused():
    with pytest.raises(ValueError, match=r"`units` of `SimpleRNNCell`: expected"):
        SimpleRNNCell(0)
