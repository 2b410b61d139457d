"""`GRU` and `GRUCell` against real Keras 3: both reset conventions, fused and
loop paths, masks, states, dropout, config, errors."""

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

from ember.layers.rnn.gru import GRU, GRUCell
from ember.layers.rnn.rnn import RNN
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

INITIAL_STATE = np.random.default_rng(1).standard_normal((4, 5)).astype("float32")

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
    "relu_activation": (
        {"units": 5, "activation": "relu", "return_sequences": True},
        {"mask": RIGHT_PADDED},
    ),
    "hard_sigmoid_gates": (
        {"units": 5, "recurrent_activation": "hard_sigmoid", "return_state": True},
        {},
    ),
    "unroll": ({"units": 3, "unroll": True, "return_sequences": True}, {}),
    "initial_state": (
        {"units": 5, "return_sequences": True},
        {"initial_state": [INITIAL_STATE]},
    ),
    "initial_state_tensor": ({"units": 5}, {"initial_state": INITIAL_STATE}),
    "inference_with_dropout": (
        {"units": 5, "dropout": 0.5, "recurrent_dropout": 0.3},
        {},
    ),
    "reset_before": (
        {"units": 5, "reset_after": False, "return_sequences": True},
        {},
    ),
    "reset_before_state_backwards": (
        {"units": 5, "reset_after": False, "return_state": True, "go_backwards": True},
        {},
    ),
    "reset_before_mask": (
        {"units": 5, "reset_after": False, "return_sequences": True},
        {"mask": RIGHT_PADDED},
    ),
    "reset_before_no_bias": ({"units": 4, "reset_after": False, "use_bias": False}, {}),
}


@pytest.mark.parametrize("kwargs,call_kwargs", CASES.values(), ids=CASES.keys())
def test_matches_keras(kwargs, call_kwargs):
    assert_matches_keras(GRU, kwargs, sequences(), call_kwargs=call_kwargs)


FUSED = {
    "default": ({"units": 5}, {}, "fused"),
    "no_bias": ({"units": 5, "use_bias": False}, {}, "fused"),
    "mask": ({"units": 5}, {"mask": RIGHT_PADDED}, "fused"),
    "dropout_in_training": ({"units": 5, "dropout": 0.2}, {"training": True}, "fused"),
    "reset_before": ({"units": 5, "reset_after": False}, {}, "loop"),
    "mask_with_gaps": ({"units": 5}, {"mask": WITH_GAPS}, "loop"),
    "recurrent_dropout_training": (
        {"units": 5, "recurrent_dropout": 0.2},
        {"training": True},
        "loop",
    ),
    "recurrent_dropout_inference": (
        {"units": 5, "recurrent_dropout": 0.2},
        {},
        "fused",
    ),
    "relu": ({"units": 5, "activation": "relu"}, {}, "loop"),
    "unroll": ({"units": 5, "unroll": True}, {}, "loop"),
    "use_cudnn_false": ({"units": 5, "use_cudnn": False}, {}, "loop"),
}


@pytest.mark.parametrize("kwargs,call_kwargs,path", FUSED.values(), ids=FUSED.keys())
def test_fused_kernel_runs_when_the_configuration_allows(kwargs, call_kwargs, path):
    layer = GRU(**kwargs)
    layer(torch.as_tensor(sequences()), **call_kwargs)
    assert layer._last_call_path == path


@pytest.mark.parametrize(
    "options",
    [
        {"return_sequences": True, "return_state": True},
        {"go_backwards": True, "return_state": True, "use_bias": False},
        {"return_sequences": True, "go_backwards": True, "mask": RIGHT_PADDED},
        {"return_sequences": True, "mask": RIGHT_PADDED, "zero_output_for_mask": True},
    ],
    ids=["sequences", "backwards_no_bias", "mask_backwards", "zero_output_for_mask"],
)
def test_fused_and_loop_agree_in_values_and_gradients(options):
    options = dict(options)
    mask = options.pop("mask", None)
    assert_fused_matches_loop(GRU, 4, options, mask)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"units": 5, "dropout": 0.3, "seed": 1, "return_sequences": True},
        {"units": 5, "dropout": 0.3, "recurrent_dropout": 0.4, "seed": 2},
        {"units": 5, "dropout": 0.3, "seed": 3, "reset_after": False},
        {"units": 5, "recurrent_dropout": 0.4, "seed": 4, "reset_after": False},
    ],
    ids=["dropout_fused", "both_dropouts", "dropout_reset_before", "recurrent_before"],
)
def test_training_with_seeded_dropout_matches_keras(kwargs):
    assert_matches_keras_in_training(
        GRU(**kwargs), keras.layers.GRU(**kwargs), sequences()
    )


@pytest.mark.parametrize("reset_after", [True, False], ids=["after", "before"])
def test_stateful_two_calls_and_reset_match_keras(reset_after):
    kwargs = {"units": 4, "stateful": True, "reset_after": reset_after}
    layer = GRU(**kwargs)
    assert_stateful_matches_keras(layer, keras.layers.GRU(**kwargs), sequences(2))
    assert len(layer.weights) == 3  # the state is not a weight


@pytest.mark.parametrize("reset_after", [True, False], ids=["after", "before"])
def test_cell_matches_keras_and_gru(reset_after):
    x = sequences()
    ours, theirs = twin_layers(
        GRUCell(4, reset_after=reset_after),
        keras.layers.GRUCell(4, reset_after=reset_after),
        (4, 3),
    )
    state = np.full((4, 4), 0.1, "float32")
    # A list of states comes back as a list, a bare tensor as a tensor.
    h, (h_state,) = ours(torch.as_tensor(x[:, 0]), [torch.as_tensor(state)])
    their_h, _ = theirs(x[:, 0], [state])
    assert_outputs_close(h, their_h)
    assert torch.equal(h, h_state)
    h, h_state = ours(torch.as_tensor(x[:, 0]), torch.as_tensor(state))
    assert isinstance(h_state, torch.Tensor)
    assert_outputs_close(h, their_h)
    rnn = RNN(GRUCell(4, reset_after=reset_after), return_sequences=True)
    gru = GRU(4, reset_after=reset_after, return_sequences=True)
    rnn(torch.as_tensor(x))
    gru.build(x.shape)
    gru.set_weights(rnn.get_weights())
    assert_outputs_close(rnn(x), gru(x))


def test_weights_have_keras_names_and_shapes():
    layer = GRU(3)
    layer(torch.ones(2, 4, 5))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(5, 9), (3, 9), (2, 9)]
    before = GRU(3, reset_after=False)
    before.build((2, 4, 5))
    assert [tuple(w.shape) for w in before.weights] == [(5, 9), (3, 9), (9,)]


@pytest.mark.parametrize("reset_after", [True, False], ids=["after", "before"])
def test_hand_computed_single_unit(reset_after):
    layer = GRU(1, reset_after=reset_after, return_sequences=True)
    layer.build((1, 2, 1))
    # Only the candidate weights are set: kernel 1 on x, recurrent 1 on h.
    bias = np.zeros((2, 3) if reset_after else 3)
    layer.set_weights([np.array([[0.0, 0.0, 1.0]]), np.array([[0.0, 0.0, 1.0]]), bias])
    out = layer(torch.tensor([[[2.0], [0.0]]]))[0, :, 0].tolist()
    # z = r = sigmoid(0) = 0.5; h1 = 0.5 * tanh(2); h2 = 0.5 * h1 +
    # 0.5 * tanh(r * h1) (the reset gate scales h1 before or after the matmul,
    # the same for one unit without bias).
    h1 = 0.5 * np.tanh(2.0)
    h2 = 0.5 * h1 + 0.5 * np.tanh(0.5 * h1)
    np.testing.assert_allclose(out, [h1, h2], rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({"units": 3}, (4, 3)),
        (
            {"units": 3, "return_sequences": True, "return_state": True},
            [(4, 5, 3), (4, 3)],
        ),
        (
            {
                "units": 2,
                "dropout": 0.5,
                "recurrent_dropout": 0.5,
                "go_backwards": True,
                "reset_after": False,
            },
            (4, 2),
        ),
        ({"units": 2, "kernel_regularizer": "l2", "use_bias": False}, (4, 2)),
    ],
    ids=["default", "sequences_state", "dropouts_backwards", "regularized_no_bias"],
)
def test_layer_harness(kwargs, shapes):
    run_layer_test(
        GRU,
        kwargs,
        input_shape=(4, 5, 6),
        expected_output_shape=shapes,
        expected_num_trainable_weights=2 if kwargs.get("use_bias") is False else 3,
        expected_num_non_trainable_weights=0,
        expected_num_losses=1 if "kernel_regularizer" in kwargs else 0,
        supports_masking=True,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"units": 3},
        {"units": 2, "activation": "relu", "dropout": 0.1, "reset_after": False},
        {"units": 2, "recurrent_regularizer": "l2", "use_bias": False, "seed": 3},
    ],
    ids=["default", "options", "regularizer"],
)
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = GRU(name="g", **kwargs).get_config()
    assert config == keras.layers.GRU(name="g", **kwargs).get_config()
    assert GRU.from_config(config).get_config() == config
    cell_config = GRUCell(name="c", **kwargs).get_config()
    assert cell_config == keras.layers.GRUCell(name="c", **kwargs).get_config()
    assert GRUCell.from_config(cell_config).get_config() == cell_config


def test_loads_a_keras_config():
    config = keras.layers.GRU(3, reset_after=False, name="k").get_config()
    layer = GRU.from_config(config)
    assert layer.units == 3 and layer.reset_after is False and layer.name == "k"


def test_two_dimensional_input_names_layer_rank_and_shape():
    layer = GRU(4, name="encoder")
    with pytest.raises(ValueError) as info:
        layer(torch.ones(8, 5))
    message = str(info.value)
    assert '"encoder"' in message and "expected ndim=3" in message
    assert "(8, 5)" in message


@pytest.mark.parametrize("units", [0, -2, 1.5, "3", None], ids=str)
def test_bad_units_are_refused(units):
    with pytest.raises(ValueError, match=r"`units` of `GRU`: expected a positive"):
        GRU(units)


def test_use_cudnn_true_refuses_reset_before():
    with pytest.raises(ValueError, match="use_cudnn"):
        GRU(2, use_cudnn="always")
    layer = GRU(2, reset_after=False, use_cudnn=True, name="g")
    with pytest.raises(ValueError, match="'g' has `use_cudnn=True`.*reset_after"):
        layer(torch.ones(1, 3, 2))


def test_wrong_number_of_initial_states_is_refused():
    layer = GRU(2, name="enc")
    with pytest.raises(ValueError, match="'enc' expects 1 initial state"):
        layer(torch.ones(1, 3, 2), initial_state=[torch.zeros(1, 2)] * 2)
