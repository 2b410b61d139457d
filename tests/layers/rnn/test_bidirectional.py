"""`Bidirectional` against real Keras 3: merge modes, masks, states, a custom
backward layer, stateful use, config, training and errors."""

import numpy as np
import pytest
import torch
from rnn_testing import (
    RIGHT_PADDED,
    WITH_GAPS,
    assert_outputs_close,
    sequences,
    to_numpy,
)

import ember
from ember.layers.rnn import GRU, LSTM, RNN, Bidirectional, GRUCell, SimpleRNN
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

STATES = [
    np.random.default_rng(i).standard_normal((4, 3)).astype("float32") for i in range(4)
]


def _compare(make, call_kwargs=None, x=None):
    """Builds the layer from `ember.layers` and from `keras.layers`, copies
    Keras's weights into ours, and compares the outputs."""
    x = sequences() if x is None else x
    call_kwargs = dict(call_kwargs or {})
    theirs, ours = make(keras.layers), make(ember.layers)
    their_out = theirs(x, **call_kwargs)
    tensors = {
        k: torch.as_tensor(v)
        if isinstance(v, np.ndarray)
        else [torch.as_tensor(s) for s in v]
        if isinstance(v, list)
        else v
        for k, v in call_kwargs.items()
    }
    ours(torch.as_tensor(x), **tensors)
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    if ours.stateful:
        ours.reset_states()
        theirs.reset_states()
        their_out = theirs(x, **call_kwargs)
    assert_outputs_close(ours(torch.as_tensor(x), **tensors), their_out)
    return ours, theirs


MERGE_MODES = ["concat", "sum", "mul", "ave", None]
OPTIONS = {
    "sequences": ({"return_sequences": True}, {}),
    "last_mask": ({}, {"mask": RIGHT_PADDED}),
    "sequences_state_mask": (
        {"return_sequences": True, "return_state": True},
        {"mask": RIGHT_PADDED},
    ),
    "mask_with_gaps": ({"return_sequences": True}, {"mask": WITH_GAPS}),
}


@pytest.mark.parametrize("options,call_kwargs", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("merge_mode", MERGE_MODES, ids=str)
def test_lstm_matches_keras_in_every_merge_mode(merge_mode, options, call_kwargs):
    _compare(
        lambda L: L.Bidirectional(L.LSTM(3, **options), merge_mode=merge_mode),
        call_kwargs,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.GRU(3, return_sequences=True, return_state=True),
        lambda L: L.GRU(3, reset_after=False),
        lambda L: L.SimpleRNN(3, return_sequences=True, activation="relu"),
        lambda L: L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True),
    ],
    ids=["gru", "gru_reset_before", "simple_rnn", "stacked_cells"],
)
@pytest.mark.parametrize("merge_mode", ["concat", None], ids=str)
def test_other_recurrent_layers_match_keras(make, merge_mode):
    _compare(
        lambda L: L.Bidirectional(make(L), merge_mode=merge_mode),
        {"mask": RIGHT_PADDED},
    )


def test_custom_backward_layer_matches_keras():
    ours, _ = _compare(
        lambda L: L.Bidirectional(
            L.LSTM(3, return_sequences=True),
            backward_layer=L.GRU(2, go_backwards=True, return_sequences=True),
        ),
        {"mask": RIGHT_PADDED},
    )
    assert isinstance(ours.backward_layer, GRU)
    assert tuple(ours(torch.as_tensor(sequences())).shape) == (4, 6, 5)


def test_initial_states_split_between_directions_as_in_keras():
    _compare(
        lambda L: L.Bidirectional(L.LSTM(3, return_sequences=True, return_state=True)),
        {"initial_state": STATES},
    )


def test_stateful_matches_keras_over_two_calls():
    x = sequences(batch=2)
    ours, theirs = _compare(
        lambda L: L.Bidirectional(L.LSTM(3, stateful=True, return_sequences=True)),
        x=x,
    )
    assert_outputs_close(ours(torch.as_tensor(x)), theirs(x))
    assert ours.states is not None and len(ours.states) == 4
    ours.reset_states()
    theirs.reset_states()
    assert_outputs_close(ours(torch.as_tensor(x)), theirs(x))


def test_directions_are_fresh_copies_named_as_in_keras():
    layer = LSTM(3, name="enc")
    bi = Bidirectional(layer)
    assert bi.forward_layer is not layer
    assert (bi.forward_layer.name, bi.backward_layer.name) == (
        "forward_enc",
        "backward_enc",
    )
    assert not bi.forward_layer.go_backwards and bi.backward_layer.go_backwards
    bi(torch.as_tensor(sequences()))
    assert len(bi.weights) == 6 and not layer.built


def test_initial_weights_are_set_at_build():
    donor = Bidirectional(SimpleRNN(2))
    donor(torch.as_tensor(sequences()))
    weights = donor.get_weights()
    layer = Bidirectional(SimpleRNN(2), weights=weights)
    layer(torch.as_tensor(sequences()))
    for a, b in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.Bidirectional(L.LSTM(3, name="l"), name="b"),
        lambda L: L.Bidirectional(
            L.LSTM(3, name="l", return_sequences=True),
            backward_layer=L.GRU(2, go_backwards=True, return_sequences=True, name="g"),
            merge_mode=None,
            name="b",
        ),
    ],
    ids=["copied_backward", "custom_backward"],
)
def test_config_matches_keras_and_round_trips(make):
    config = make(ember.layers).get_config()
    their_config = make(keras.layers).get_config()
    assert config == their_config
    assert Bidirectional.from_config(config).get_config() == config
    assert Bidirectional.from_config(their_config).get_config() == config


@pytest.mark.parametrize(
    "layer,merge_mode,shapes",
    [
        (LSTM(3, return_sequences=True), "concat", (4, 5, 6)),
        (GRU(3), "ave", (4, 3)),
        (SimpleRNN(2, return_state=True), None, [(4, 2), (4, 2), (4, 2), (4, 2)]),
        (RNN(GRUCell(2), return_sequences=True), "mul", (4, 5, 2)),
    ],
    ids=["lstm_concat", "gru_ave", "simple_rnn_states", "rnn_mul"],
)
def test_layer_harness(layer, merge_mode, shapes):
    run_layer_test(
        Bidirectional,
        {"layer": layer, "merge_mode": merge_mode},
        input_shape=(4, 5, 6),
        expected_output_shape=shapes,
        supports_masking=True,
    )


def test_output_masks_follow_return_sequences():
    inputs = ember.Input(shape=(None,), dtype="int32")
    embedded = ember.layers.Embedding(10, 4, mask_zero=True)(inputs)
    sequences_out = Bidirectional(LSTM(3, return_sequences=True))(embedded)
    both = Bidirectional(GRU(2, return_sequences=True), merge_mode=None)(embedded)
    last = Bidirectional(LSTM(3))(embedded)
    tokens = torch.tensor([[3, 1, 0], [2, 0, 0]])
    model = ember.Model(inputs, [sequences_out, *both, last])
    outputs = model(tokens)
    assert [tuple(o.shape) for o in outputs] == [
        (2, 3, 6),
        (2, 3, 2),
        (2, 3, 2),
        (2, 6),
    ]
    expected = (tokens != 0).tolist()
    for out in outputs[:3]:
        assert out._keras_mask.tolist() == expected
    assert getattr(outputs[3], "_keras_mask", None) is None


def test_trains_with_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 6, 3)).astype("float32")
    # The target needs both directions: the first and the last step.
    y = (x[:, 0, :1] - x[:, -1, :1]).astype("float32")
    ember.utils.set_random_seed(0)
    model = ember.Sequential(
        [
            ember.Input(shape=(6, 3)),
            Bidirectional(GRU(8, return_sequences=True), merge_mode="sum"),
            Bidirectional(LSTM(8)),
            ember.layers.Dense(1),
        ]
    )
    model.compile(optimizer=ember.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, epochs=6, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="`layer` of `Bidirectional`"):
        Bidirectional(torch.nn.LSTM(3, 3))
    with pytest.raises(ValueError, match="`merge_mode` of `Bidirectional`"):
        Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="`backward_layer` of `Bidirectional`"):
        Bidirectional(LSTM(3), backward_layer="gru")


def test_directions_must_disagree_on_go_backwards_and_agree_on_outputs():
    with pytest.raises(ValueError, match="go_backwards=False.*`go_backwards=True`"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3))
    with pytest.raises(ValueError, match="agree on `return_sequences`"):
        Bidirectional(
            LSTM(3), backward_layer=LSTM(3, go_backwards=True, return_sequences=True)
        )


def test_two_dimensional_input_names_the_layer_and_the_expected_rank():
    layer = Bidirectional(LSTM(3), name="bi")
    with pytest.raises(ValueError) as info:
        layer(torch.ones(4, 6))
    message = str(info.value)
    assert "expected ndim=3" in message and "(4, 6)" in message
