"""`ConvLSTM1D/2D/3D` against real Keras 3: both data formats, paddings,
strides, dilations, masks, states, dropout, config, training and errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras
from rnn_testing import (
    assert_matches_keras_in_training,
    assert_stateful_matches_keras,
)

import ember
from ember.layers.rnn import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

LAYERS = {1: ConvLSTM1D, 2: ConvLSTM2D, 3: ConvLSTM3D}
SPATIAL = {1: (9,), 2: (7, 6), 3: (5, 4, 6)}
MASK = np.array([[1, 1, 0], [1, 0, 0]], dtype=bool)


def _inputs(rank, data_format, batch=2, steps=3, channels=2, seed=0):
    spatial = SPATIAL[rank]
    if data_format == "channels_last":
        shape = (batch, steps, *spatial, channels)
    else:
        shape = (batch, steps, channels, *spatial)
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


CASES = {
    "same": ({"padding": "same"}, {}),
    "valid_sequences_state": (
        {"return_sequences": True, "return_state": True},
        {},
    ),
    "strided_backwards": (
        {"strides": 2, "padding": "same", "go_backwards": True},
        {},
    ),
    "dilated_no_bias": ({"dilation_rate": 2, "padding": "same", "use_bias": False}, {}),
    "even_kernel_same": ({"kernel_size": 2, "padding": "same"}, {}),
    "mask": (
        {"padding": "same", "return_sequences": True, "return_state": True},
        {"mask": MASK},
    ),
    "activations": (
        {"activation": "relu", "recurrent_activation": "hard_sigmoid"},
        {},
    ),
}


# Outputs within 1e-5 of Keras's (absolute, plus 1e-5 relative), as for every layer.
# Every case in 2-D, in both data formats (the channels-first repeats of the
# layout-independent cases are slow-marked); 1-D and 3-D share the code, so
# they cover the shape-specific cases in one data format each.
_SLOW = {(2, "channels_first", c) for c in ("valid_sequences_state", "activations")}
MATCH_PARAMS = [
    pytest.param(
        rank,
        data_format,
        *CASES[case],
        id=f"{rank}d-{data_format}-{case}",
        marks=[pytest.mark.slow] if (rank, data_format, case) in _SLOW else [],
    )
    for rank, data_format, cases in [
        (2, "channels_last", CASES),
        (2, "channels_first", CASES),
        (1, "channels_first", ["valid_sequences_state", "strided_backwards", "mask"]),
        (1, "channels_last", ["dilated_no_bias", "even_kernel_same"]),
        (3, "channels_last", ["valid_sequences_state", "strided_backwards"]),
        (3, "channels_first", ["even_kernel_same", "mask"]),
    ]
    for case in cases
]


@pytest.mark.parametrize("rank,data_format,kwargs,call_kwargs", MATCH_PARAMS)
def test_matches_keras(rank, data_format, kwargs, call_kwargs):
    init = {"filters": 4, "kernel_size": 3, "data_format": data_format, **kwargs}
    assert_matches_keras(
        LAYERS[rank],
        init,
        _inputs(rank, data_format),
        call_kwargs=call_kwargs,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    "rank,data_format",
    [(1, "channels_last"), (2, "channels_first"), (3, "channels_last")],
    ids=["1d", "2d_channels_first", "3d"],
)
def test_training_with_seeded_dropout_matches_keras(rank, data_format):
    kwargs = {
        "filters": 3,
        "kernel_size": 2,
        "padding": "same",
        "data_format": data_format,
        "dropout": 0.3,
        "recurrent_dropout": 0.2,
        "seed": rank,
    }
    keras_cls = getattr(keras.layers, LAYERS[rank].__name__)
    assert_matches_keras_in_training(
        LAYERS[rank](**kwargs), keras_cls(**kwargs), _inputs(rank, data_format)
    )


def test_stateful_two_calls_and_reset_match_keras():
    kwargs = {"filters": 3, "kernel_size": 3, "stateful": True, "padding": "same"}
    assert_stateful_matches_keras(
        ConvLSTM2D(**kwargs),
        keras.layers.ConvLSTM2D(**kwargs),
        _inputs(2, "channels_last"),
    )


def test_weights_have_keras_names_shapes_and_forget_bias():
    layer = ConvLSTM2D(3, (2, 3))
    layer(torch.as_tensor(_inputs(2, "channels_last")))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(2, 3, 2, 12), (2, 3, 3, 12), (12,)]
    assert layer.cell.bias.tolist() == [0.0] * 3 + [1.0] * 3 + [0.0] * 6


def test_hand_computed_single_pixel():
    layer = ConvLSTM1D(1, 1, return_state=True)
    layer.build((1, 1, 1, 1))
    # Only the candidate input weight is set (gates i, f, c, o).
    kernel = np.array([0.0, 0.0, 1.0, 0.0]).reshape(1, 1, 4)
    layer.set_weights([kernel, np.zeros((1, 1, 4)), np.zeros(4)])
    _, h, c = layer(torch.full((1, 1, 1, 1), 2.0))
    expected_c = 0.5 * np.tanh(2.0)
    np.testing.assert_allclose(c.item(), expected_c, rtol=1e-6)
    np.testing.assert_allclose(h.item(), 0.5 * np.tanh(expected_c), rtol=1e-6)


@pytest.mark.parametrize(
    "rank,kwargs,input_shape,shapes",
    [
        (1, {"filters": 2, "kernel_size": 3}, (2, 3, 8, 2), (2, 6, 2)),
        (
            2,
            {
                "filters": 2,
                "kernel_size": 3,
                "strides": 2,
                "padding": "same",
                "return_sequences": True,
                "return_state": True,
            },
            (2, 3, 5, 6, 1),
            [(2, 3, 3, 3, 2), (2, 3, 3, 2), (2, 3, 3, 2)],
        ),
        (
            3,
            {"filters": 2, "kernel_size": 2, "data_format": "channels_first"},
            (2, 2, 1, 3, 3, 3),
            (2, 2, 2, 2, 2),
        ),
    ],
    ids=["1d", "2d_strided_states", "3d_channels_first"],
)
def test_layer_harness(rank, kwargs, input_shape, shapes):
    run_layer_test(
        LAYERS[rank],
        kwargs,
        input_shape=input_shape,
        expected_output_shape=shapes,
        expected_num_trainable_weights=3,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"filters": 4, "kernel_size": 3},
        {
            "filters": 2,
            "kernel_size": 2,
            "strides": 2,
            "padding": "SAME",
            "return_sequences": True,
            "dropout": 0.1,
            "data_format": "channels_first",
            "kernel_regularizer": "l2",
        },
    ],
    ids=["default", "options"],
)
@pytest.mark.parametrize("rank", [1, 2, 3], ids=["1d", "2d", "3d"])
def test_get_config_matches_keras_and_round_trips(rank, kwargs):
    cls = LAYERS[rank]
    config = cls(name="c", **kwargs).get_config()
    assert (
        config == getattr(keras.layers, cls.__name__)(name="c", **kwargs).get_config()
    )
    assert cls.from_config(config).get_config() == config


def test_trains_with_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3, 5, 5, 1)).astype("float32")
    y = x[:, :, 1:4, 1:4, 0].mean(1).reshape(32, -1).sum(1, keepdims=True)
    ember.utils.set_random_seed(0)
    model = ember.Sequential(
        [
            ember.Input(shape=(3, 5, 5, 1)),
            ConvLSTM2D(4, 3),
            ember.layers.Flatten(),
            ember.layers.Dense(1),
        ]
    )
    model.compile(optimizer=ember.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, epochs=6, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses


def test_symbolic_shapes_with_unknown_timesteps():
    inputs = ember.Input(shape=(None, 8, 8, 3))
    out, h, c = ConvLSTM2D(4, 3, strides=2, return_state=True, return_sequences=True)(
        inputs
    )
    assert tuple(out.shape) == (None, None, 3, 3, 4)
    assert tuple(h.shape) == tuple(c.shape) == (None, 3, 3, 4)


def test_wrong_rank_names_the_layer_and_the_expected_rank():
    layer = ConvLSTM2D(2, 3, name="frames")
    with pytest.raises(ValueError) as info:
        layer(torch.ones(2, 3, 8, 3))
    message = str(info.value)
    assert '"frames"' in message and "expected ndim=5" in message
    assert "(2, 3, 8, 3)" in message


def test_other_spatial_sizes_are_refused_after_build():
    layer = ConvLSTM1D(2, 3, name="signal")
    layer(torch.ones(2, 3, 8, 1))
    with pytest.raises(ValueError, match='"signal".*(2, 3, 9, 1)'):
        layer(torch.ones(2, 3, 9, 1))


def test_unknown_spatial_size_is_refused():
    with pytest.raises(ValueError, match=r"'c' \(ConvLSTM2D\).*static spatial"):
        ConvLSTM2D(2, 3, name="c")(ember.Input(shape=(4, None, 8, 3)))


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"filters": 0, "kernel_size": 3}, "filters"),
        ({"filters": 2, "kernel_size": (3, 3)}, "kernel_size"),
        ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding"),
        ({"filters": 2, "kernel_size": 3, "strides": 0}, "strides"),
    ],
    ids=["filters", "kernel_size", "padding", "strides"],
)
def test_bad_arguments_name_the_layer_and_argument(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}` of `ConvLSTM1D`"):
        ConvLSTM1D(**kwargs)


def test_strides_and_dilation_together_are_refused():
    with pytest.raises(ValueError, match="strides.*dilation_rate"):
        ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
