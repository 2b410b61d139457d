"""The generic `RNN` layer with user cells, `StackedRNNCells`, the loops of
`ember.ops.rnn`, recurrent layers in models (masks from `Embedding` and
`Masking`), and `fit()` on each recurrent layer."""

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
from ember.layers.rnn import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from ember.ops import rnn as rnn_ops
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def define_cells(lib):
    """The same two user cells written against Keras or against ember."""

    class MinimalCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), name="kernel"
            )
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), name="recurrent_kernel"
            )

        def call(self, inputs, states):
            h = lib.ops.matmul(inputs, self.kernel)
            output = lib.ops.tanh(h + lib.ops.matmul(states[0], self.recurrent_kernel))
            return output, [output]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class TwoStateCell(lib.layers.Layer):
        """Two states of different sizes and an `output_size`; uses `training`."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = [units, 2 * units]
            self.output_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), name="kernel"
            )

        def call(self, inputs, states, training=False):
            a, b = states
            y = lib.ops.matmul(inputs, self.kernel) + a
            if training:
                y = y * 0.5
            return y, [y, lib.ops.concatenate([b[:, self.units :], y], axis=-1)]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return MinimalCell, TwoStateCell


KERAS_CELLS = define_cells(keras)
EMBER_CELLS = MinimalCell, TwoStateCell = define_cells(ember)

USER_CELLS = {
    "minimal": lambda cells: cells[0](4),
    "two_states": lambda cells: cells[1](3),
    "list_of_cells": lambda cells: [cells[0](4), cells[1](3)],
}
OPTIONS = {
    "sequences_and_state": ({"return_sequences": True, "return_state": True}, {}),
    "backwards_mask": (
        {"return_sequences": True, "go_backwards": True},
        {"mask": RIGHT_PADDED},
    ),
    "mask_with_gaps_state": ({"return_state": True}, {"mask": WITH_GAPS}),
    "zero_output_for_mask": (
        {"return_sequences": True, "zero_output_for_mask": True},
        {"mask": WITH_GAPS},
    ),
    "unroll_training": (
        {"unroll": True, "return_sequences": True},
        {"training": True},
    ),
}


def _compare_with_keras(ours, theirs, call_kwargs, x=None):
    x = sequences() if x is None else x
    their_out = theirs(x, **call_kwargs)
    tensors = {
        k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v
        for k, v in call_kwargs.items()
    }
    ours(torch.as_tensor(x), **tensors)
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    assert_outputs_close(ours(torch.as_tensor(x), **tensors), their_out)
    return ours, theirs


@pytest.mark.parametrize("options,call_kwargs", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("make", USER_CELLS.values(), ids=USER_CELLS.keys())
def test_user_cells_match_keras(make, options, call_kwargs):
    _compare_with_keras(
        RNN(make(EMBER_CELLS), **options),
        keras.layers.RNN(make(KERAS_CELLS), **options),
        call_kwargs,
    )


BUILTIN_CELLS = {
    "lstm_cell": lambda lib: lib.LSTMCell(4),
    "gru_cell_reset_before": lambda lib: lib.GRUCell(4, reset_after=False),
    "stacked_cells": lambda lib: lib.StackedRNNCells(
        [lib.SimpleRNNCell(4), lib.LSTMCell(3), lib.GRUCell(2)]
    ),
    "list_of_builtin_cells": lambda lib: [lib.LSTMCell(4), lib.GRUCell(3)],
}


@pytest.mark.parametrize(
    "options,call_kwargs",
    [
        ({"return_sequences": True, "return_state": True}, {}),
        ({"go_backwards": True, "return_state": True}, {"mask": RIGHT_PADDED}),
    ],
    ids=["sequences_and_state", "backwards_mask"],
)
@pytest.mark.parametrize("make", BUILTIN_CELLS.values(), ids=BUILTIN_CELLS.keys())
def test_builtin_cells_in_rnn_match_keras(make, options, call_kwargs):
    ours, theirs = _compare_with_keras(
        RNN(make(ember.layers), **options),
        keras.layers.RNN(make(keras.layers), **options),
        call_kwargs,
    )
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]


def test_rnn_of_a_builtin_cell_takes_the_fused_kernel():
    # RNN(LSTMCell) is LSTM without `use_cudnn`: same path choice.
    layer = RNN(LSTMCell(3))
    layer(torch.as_tensor(sequences()))
    assert layer._last_call_path == "fused"
    stacked = RNN([LSTMCell(3), GRUCell(2)])
    stacked(torch.as_tensor(sequences()))
    assert stacked._last_call_path == "loop"


def test_stacked_cells_state_sizes_and_initial_state():
    cells = StackedRNNCells([LSTMCell(4), GRUCell(3), SimpleRNNCell(2)])
    assert cells.state_size == [[4, 4], 3, 2]
    assert cells.output_size == 2
    layer = RNN(cells, return_state=True)
    out, *states = layer(torch.as_tensor(sequences()))
    assert tuple(out.shape) == (4, 2)
    # The states come back as one list per cell, as Keras returns them.
    shapes = [[tuple(s.shape) for s in cell_states] for cell_states in states]
    assert shapes == [[(4, 4), (4, 4)], [(4, 3)], [(4, 2)]]
    again = layer(torch.as_tensor(sequences()), initial_state=states)
    assert tuple(again[0].shape) == (4, 2)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.RNN(lib.GRUCell(4, name="c"), name="r", return_state=True),
        lambda lib: lib.RNN(
            [lib.LSTMCell(4, name="a"), lib.SimpleRNNCell(3, name="b")],
            name="r",
            go_backwards=True,
        ),
    ],
    ids=["cell", "list_of_cells"],
)
def test_config_matches_keras_and_round_trips(make):
    config = make(ember.layers).get_config()
    their_config = make(keras.layers).get_config()
    # Keras names the wrapping StackedRNNCells with its own counter.
    their_config["cell"]["config"]["name"] = config["cell"]["config"]["name"]
    assert config == their_config
    assert RNN.from_config(config).get_config() == config
    assert RNN.from_config(their_config).get_config() == config


def test_user_cell_config_round_trips_with_custom_objects():
    cell_cls = EMBER_CELLS[0]
    config = RNN(cell_cls(5), return_sequences=True).get_config()
    assert config["cell"]["class_name"] == "MinimalCell"
    clone = RNN.from_config(config, custom_objects={"MinimalCell": cell_cls})
    assert isinstance(clone.cell, cell_cls) and clone.cell.units == 5
    with pytest.raises(ValueError, match="custom_objects"):
        RNN.from_config({**config, "cell": {**config["cell"], "module": None}})


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({"return_sequences": True}, (4, 5, 3)),
        ({"return_state": True, "go_backwards": True}, [(4, 3), (4, 3), (4, 6)]),
    ],
    ids=["sequences", "state_backwards"],
)
def test_layer_harness_with_a_user_cell(kwargs, shapes):
    # The cell class is found again by its module (this file) and name.
    run_layer_test(
        RNN,
        {"cell": TwoStateCell(3), **kwargs},
        input_shape=(4, 5, 6),
        expected_output_shape=shapes,
        expected_num_trainable_weights=1,
        supports_masking=True,
    )


def test_symbolic_shapes_and_masks_in_a_functional_model():
    inputs = ember.Input(shape=(None,), dtype="int32")
    embedded = ember.layers.Embedding(10, 4, mask_zero=True)(inputs)
    sequences_out = LSTM(5, return_sequences=True)(embedded)
    last, state = RNN(EMBER_CELLS[0](3), return_state=True)(sequences_out)
    assert tuple(sequences_out.shape) == (None, None, 5)
    assert tuple(last.shape) == (None, 3) and tuple(state.shape) == (None, 3)
    model = ember.Model(inputs, [sequences_out, last])
    outs = model(torch.tensor([[3, 1, 0], [2, 0, 0]]))
    assert tuple(outs[0].shape) == (2, 3, 5) and tuple(outs[1].shape) == (2, 3)


TOKENS = np.array([[3, 5, 2, 0, 0, 0], [1, 2, 3, 4, 5, 6], [7, 0, 0, 0, 0, 0]])


def _token_model(lib):
    inputs = lib.Input(shape=(6,), dtype="int32")
    x = lib.layers.Embedding(10, 4, mask_zero=True)(inputs)
    x = lib.layers.LSTM(5, return_sequences=True)(x)
    x = lib.layers.GRU(4, return_sequences=True, reset_after=False)(x)
    x = lib.layers.Bidirectional(lib.layers.GRU(3, return_sequences=True))(x)
    last = lib.layers.SimpleRNN(2)(x)
    return lib.Model(inputs, [x, last])


def _masking_model(lib):
    return lib.Sequential(
        [
            lib.Input(shape=(6, 3)),
            lib.layers.Masking(0.0),
            lib.layers.LSTM(4, return_sequences=True, go_backwards=True),
            lib.layers.GRU(3, return_state=True),
        ]
    )


def test_embedding_masks_flow_through_recurrent_layers_as_in_keras():
    theirs, ours = _token_model(keras), _token_model(ember)
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    assert_outputs_close(ours(torch.as_tensor(TOKENS)), theirs(TOKENS))
    lstm = [layer for layer in ours.layers if isinstance(layer, LSTM)][0]
    assert lstm._last_call_path == "fused"  # right-padded mask, packed


def test_masking_layer_masks_flow_through_recurrent_layers_as_in_keras():
    x = sequences(batch=3)
    x[0, 4:] = 0.0
    x[2, 1:] = 0.0
    theirs, ours = _masking_model(keras), _masking_model(ember)
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    assert_outputs_close(ours(torch.as_tensor(x)), theirs(x))


# ------------------------------------------------------------ ember.ops.rnn
def _running_sum(x, states):
    total = states[0] + x
    return total, [total]


@pytest.mark.parametrize(
    "go_backwards,zero_output,expected_outputs,expected_state",
    [
        (False, False, [1, 1, 5, 5], 5),
        (False, True, [1, 0, 5, 0], 5),
        (True, False, [0, 4, 4, 5], 5),
        (True, True, [0, 4, 0, 5], 5),
    ],
    ids=["forward", "forward_zeros", "backwards", "backwards_zeros"],
)
def test_rnn_loop_mask_semantics_by_hand(
    go_backwards, zero_output, expected_outputs, expected_state
):
    # Steps 1, 2, 4, 8 with the mask [1, 0, 1, 0]: masked steps keep the state
    # and repeat the previous output (or output zeros); backwards, the mask is
    # reversed with the steps, so the first (masked) step outputs zeros.
    x = torch.tensor([[[1.0], [2.0], [4.0], [8.0]]])
    mask = torch.tensor([[True, False, True, False]])
    last, outputs, states = rnn_ops.rnn(
        _running_sum,
        x,
        [torch.zeros(1, 1)],
        go_backwards=go_backwards,
        mask=mask,
        zero_output_for_mask=zero_output,
    )
    assert outputs[0, :, 0].tolist() == expected_outputs
    assert last.item() == expected_outputs[-1]
    assert states[0].item() == expected_state


def test_fused_rnn_matches_the_loop_and_declines_masks_with_gaps():
    cell = SimpleRNNCell(3)
    cell.build((4, 3))
    x = torch.as_tensor(sequences())
    h0 = [torch.zeros(4, 3)]
    weights = rnn_ops.simple_rnn_weights(cell.kernel, cell.recurrent_kernel, cell.bias)
    for mask in (None, torch.as_tensor(RIGHT_PADDED)):
        fused = rnn_ops.fused_rnn("rnn_tanh", x, h0, weights, mask=mask)
        loop = rnn_ops.rnn(lambda xt, s: cell(xt, list(s)), x, h0, mask=mask)
        assert_outputs_close(fused, loop)
    assert (
        rnn_ops.fused_rnn("rnn_tanh", x, h0, weights, mask=torch.as_tensor(WITH_GAPS))
        is None
    )


def test_gru_weights_reorder_gates_and_split_biases():
    kernel = torch.arange(6.0).reshape(1, 6)  # units=2: z = [0, 1], r = [2, 3]
    bias = torch.stack([torch.arange(6.0), torch.arange(6.0) + 10])
    w_ih, w_hh, b_ih, b_hh = rnn_ops.gru_weights(kernel, kernel, bias)
    assert w_ih[:, 0].tolist() == [2.0, 3.0, 0.0, 1.0, 4.0, 5.0]  # r, z, n
    assert b_ih.tolist() == [2.0, 3.0, 0.0, 1.0, 4.0, 5.0]
    assert b_hh.tolist() == [12.0, 13.0, 10.0, 11.0, 14.0, 15.0]


# ------------------------------------------------------------------- errors
def test_an_object_that_is_not_a_cell_is_refused():
    with pytest.raises(ValueError, match=r"`cell` of `RNN`: expected an RNN cell"):
        RNN(ember.layers.Dense(3))
    with pytest.raises(ValueError, match="`cells` of `StackedRNNCells`"):
        StackedRNNCells(LSTMCell(3))


def test_two_dimensional_input_names_the_layer_and_the_expected_rank():
    layer = RNN(EMBER_CELLS[0](3), name="loop")
    with pytest.raises(ValueError) as info:
        layer(torch.ones(4, 6))
    message = str(info.value)
    assert '"loop"' in message and "expected ndim>=3" in message and "(4, 6)" in message


def test_unroll_and_stateful_need_known_sizes():
    with pytest.raises(ValueError, match="'u' has `unroll=True`.*timesteps"):
        RNN(EMBER_CELLS[0](3), unroll=True, name="u")(ember.Input(shape=(None, 3)))
    with pytest.raises(ValueError, match="'s' is stateful.*batch_size"):
        LSTM(3, stateful=True, name="s")(ember.Input(shape=(5, 3)))


def test_reset_states_of_a_stateful_rnn_with_a_user_cell():
    layer = RNN(EMBER_CELLS[0](3), stateful=True)
    x = torch.as_tensor(sequences(batch=2))
    first = layer(x)
    assert not torch.allclose(layer(x), first)
    layer.reset_states()
    torch.testing.assert_close(layer(x), first)


# --------------------------------------------------------------------- fit
def _fit_losses(layers, x, y, loss="mse", epochs=6, shuffle=True, batch_size=16):
    ember.utils.set_random_seed(0)
    model = ember.Sequential([ember.Input(shape=x.shape[1:]), *layers])
    model.compile(optimizer=ember.optimizers.Adam(0.02), loss=loss)
    history = model.fit(
        x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=shuffle
    )
    return history.history["loss"]


def _regression_data(batch=32, steps=6):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, steps, 3)).astype("float32")
    y = x[:, :, :1].mean(1) * 3.0
    return x, y.astype("float32")


TRAINABLE = {
    "lstm": lambda: [LSTM(8), ember.layers.Dense(1)],
    "gru_dropouts": lambda: [
        GRU(8, dropout=0.1, recurrent_dropout=0.1, seed=1),
        ember.layers.Dense(1),
    ],
    "gru_reset_before": lambda: [GRU(8, reset_after=False), ember.layers.Dense(1)],
    "simple_rnn_stack": lambda: [
        SimpleRNN(8, return_sequences=True),
        SimpleRNN(8, activation="relu"),
        ember.layers.Dense(1),
    ],
    "user_cells": lambda: [
        RNN([EMBER_CELLS[0](8), EMBER_CELLS[1](4)]),
        ember.layers.Dense(1),
    ],
}


@pytest.mark.parametrize("make", TRAINABLE.values(), ids=TRAINABLE.keys())
def test_recurrent_layers_train_with_fit(make):
    losses = _fit_losses(make(), *_regression_data())
    assert losses[-1] < 0.7 * losses[0], losses


def test_masked_classifier_trains_with_fit():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 7, size=64)
    tokens = rng.integers(1, 10, size=(64, 6)) * (np.arange(6) < lengths[:, None])
    labels = (tokens == 3).any(1).astype("float32")[:, None]
    layers = [
        ember.layers.Embedding(10, 8, mask_zero=True),
        LSTM(8),
        ember.layers.Dense(1, activation="sigmoid"),
    ]
    ember.utils.set_random_seed(0)
    model = ember.Sequential([ember.Input(shape=(6,), dtype="int32"), *layers])
    model.compile(optimizer=ember.optimizers.Adam(0.02), loss="binary_crossentropy")
    history = model.fit(tokens, labels, epochs=10, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses
    assert layers[1]._last_call_path == "fused"


def test_stateful_layer_trains_with_fit():
    x, y = _regression_data(batch=32)
    layers = [LSTM(8, stateful=True), ember.layers.Dense(1)]
    ember.utils.set_random_seed(0)
    model = ember.Sequential([ember.Input(shape=(6, 3), batch_size=8), *layers])
    model.compile(optimizer=ember.optimizers.Adam(0.02), loss="mse")
    losses = []
    for _ in range(4):
        history = model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
        losses += history.history["loss"]
        layers[0].reset_states()
    assert losses[-1] < 0.7 * losses[0], losses


def test_shape_inference_runs_one_step_not_every_timestep():
    # Symbolic calls run on stand-in lengths (83 and 89 steps); one step per
    # pass is enough to know every shape.
    calls = []

    class CountingCell(MinimalCell):
        def call(self, inputs, states):
            calls.append(inputs.device.type)
            return super().call(inputs, states)

    out = RNN(CountingCell(3), return_sequences=True)(ember.Input(shape=(None, 2)))
    assert tuple(out.shape) == (None, None, 3)
    assert 0 < len(calls) <= 4, calls
    lstm_out = LSTM(3, return_sequences=True)(ember.Input(shape=(None, 2)))
    assert tuple(lstm_out.shape) == (None, None, 3)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("layer_cls", [LSTM, GRU], ids=["lstm", "gru"])
@pytest.mark.parametrize("mask", [None, RIGHT_PADDED], ids=["no_mask", "mask"])
def test_fused_cuda_kernel_matches_the_loop(layer_cls, mask):
    fused = layer_cls(4, return_sequences=True, return_state=True, go_backwards=True)
    loop = layer_cls(
        4, return_sequences=True, return_state=True, go_backwards=True, use_cudnn=False
    )
    x = torch.as_tensor(sequences())
    fused(x)
    loop(x)
    loop.set_weights(fused.get_weights())
    fused.to("cuda")
    loop.to("cuda")
    x = x.cuda()
    mask = None if mask is None else torch.as_tensor(mask).cuda()
    ours, expected = fused(x, mask=mask), loop(x, mask=mask)
    assert fused._last_call_path == "fused" and loop._last_call_path == "loop"
    # cuDNN's reductions differ from the loop's matmuls by float32 rounding.
    assert_outputs_close(ours, expected, atol=1e-4)
