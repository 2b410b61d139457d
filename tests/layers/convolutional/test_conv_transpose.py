"""`Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose` against real Keras 3."""

import pytest
import torch
from conv_cases import image
from keras_oracle import assert_matches_keras

from ember.layers.convolutional import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Convolution1DTranspose,
    Convolution2DTranspose,
    Convolution3DTranspose,
)
from ember.layers.core.input_layer import Input
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

CLS = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}
CF = "channels_first"


def case(rank, size, id, data_format="channels_last", **kwargs):
    return pytest.param(rank, size, data_format, kwargs, id=id)


CASES = [
    case(1, 5, "1d-valid", filters=3, kernel_size=3),
    case(1, 5, "1d-valid-s2", filters=3, kernel_size=3, strides=2),
    case(1, 5, "1d-valid-s3-k2", filters=3, kernel_size=2, strides=3),
    case(1, 5, "1d-same", filters=3, kernel_size=3, padding="same"),
    case(1, 5, "1d-same-s2-odd-k", filters=3, kernel_size=3, strides=2,
         padding="same"),
    case(1, 6, "1d-same-s2-even-k", filters=3, kernel_size=4, strides=2,
         padding="same"),
    case(1, 5, "1d-same-s3-k1", filters=3, kernel_size=1, strides=3,
         padding="same"),
    case(1, 5, "1d-valid-outpad", filters=3, kernel_size=3, strides=2,
         output_padding=1),
    case(1, 5, "1d-same-outpad", filters=3, kernel_size=3, strides=3,
         padding="same", output_padding=2),
    case(1, 5, "1d-same-outpad0", filters=3, kernel_size=4, strides=2,
         padding="same", output_padding=0),
    case(1, 5, "1d-dil2-same", filters=3, kernel_size=3, dilation_rate=2,
         padding="same"),
    case(1, 5, "1d-cf-same-s2", CF, filters=3, kernel_size=3, strides=2,
         padding="same"),
    case(2, 4, "2d-valid", filters=3, kernel_size=3),
    case(2, 4, "2d-same-s2", filters=3, kernel_size=3, strides=2, padding="same"),
    case(2, 5, "2d-same-s2-odd-input", filters=3, kernel_size=3, strides=2,
         padding="same"),
    case(2, 4, "2d-same-s2-k2", filters=3, kernel_size=2, strides=2,
         padding="same"),
    case(2, (4, 5), "2d-rect-outpad", filters=3, kernel_size=(3, 2),
         strides=(2, 3), padding="same", output_padding=(1, 0)),
    case(2, 4, "2d-valid-outpad", filters=3, kernel_size=3, strides=2,
         output_padding=1),
    case(2, 5, "2d-dil2", filters=3, kernel_size=3, dilation_rate=2),
    case(2, 4, "2d-nobias-relu", filters=3, kernel_size=3, strides=2,
         padding="same", use_bias=False, activation="relu"),
    case(2, 4, "2d-cf-same-s2", CF, filters=3, kernel_size=3, strides=2,
         padding="same"),
    case(2, 5, "2d-cf-valid-outpad", CF, filters=3, kernel_size=4, strides=2,
         output_padding=1),
    case(3, 3, "3d-same-s2", filters=2, kernel_size=3, strides=2, padding="same"),
    case(3, 3, "3d-valid-outpad", filters=2, kernel_size=2, strides=2,
         output_padding=1),
    case(3, 3, "3d-cf-same", CF, filters=2, kernel_size=3, padding="same",
         activation="tanh"),
]  # fmt: skip


@pytest.mark.parametrize("rank,size,data_format,kwargs", CASES)
def test_matches_keras(rank, size, data_format, kwargs):
    kwargs = {**kwargs, "data_format": data_format}
    assert_matches_keras(CLS[rank], kwargs, image(rank, size, 4, data_format))


LAYER_TESTS = {
    "1d-same-s2": (Conv1DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2,
                                     "padding": "same"}, (2, 5, 4), (2, 10, 3)),
    "2d-valid-outpad": (Conv2DTranspose, {"filters": 3, "kernel_size": 3,
                                          "strides": 2, "output_padding": 1},
                        (2, 4, 4, 2), (2, 10, 10, 3)),
    "2d-cf-nobias": (Conv2DTranspose, {"filters": 3, "kernel_size": 2,
                                       "use_bias": False, "data_format": CF},
                     (2, 2, 4, 4), (2, 3, 5, 5)),
    "3d-same-s2": (Conv3DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2,
                                     "padding": "same"}, (1, 2, 3, 2, 3),
                   (1, 4, 6, 4, 2)),
}  # fmt: skip


@pytest.mark.parametrize("cls,kwargs,shape,out", LAYER_TESTS.values(), ids=LAYER_TESTS)
def test_standard_layer_checks(cls, kwargs, shape, out):
    run_layer_test(
        cls,
        kwargs,
        input_shape=shape,
        expected_output_shape=out,
        expected_num_trainable_weights=1 if kwargs.get("use_bias") is False else 2,
    )


def test_hand_computed():
    # Each input value stamps the kernel [1, 1, 1] at steps of 2; "same" keeps
    # the first 2 * length positions of the overlapping stamps.
    layer = Conv1DTranspose(1, 3, strides=2, padding="same", kernel_initializer="ones")
    out = layer(torch.tensor([[[1.0], [10.0]]]))
    assert out.flatten().tolist() == [1.0, 1.0, 11.0, 10.0]
    valid = Conv1DTranspose(1, 3, strides=2, kernel_initializer="ones")
    assert valid(torch.tensor([[[1.0], [10.0]]])).flatten().tolist() == [
        1.0,
        1.0,
        11.0,
        10.0,
        10.0,
    ]


def test_weights_have_keras_names_and_shapes():
    layer = Conv2DTranspose(5, (3, 2))
    layer(torch.ones(1, 4, 4, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    # Note the order: (..., filters, input_channels).
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2, 5, 3), (5,)]


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "nobias"])
def test_forward_and_gradients_match_plain_torch(use_bias):
    # "same" with stride 2 and kernel 3: torch's full output minus its last
    # position on each spatial axis.
    layer = Conv2DTranspose(3, 3, strides=2, padding="same", use_bias=use_bias)
    x = torch.randn(2, 4, 4, 5, requires_grad=True)
    out = layer(x)
    grad = torch.randn_like(out)
    out.backward(grad)
    ref_x = x.detach().clone().requires_grad_(True)
    ref_k = layer.kernel.detach().clone().requires_grad_(True)
    full = torch.nn.functional.conv_transpose2d(
        ref_x.permute(0, 3, 1, 2), ref_k.permute(3, 2, 0, 1), stride=2
    )
    ref = full[:, :, :-1, :-1].permute(0, 2, 3, 1)
    if use_bias:
        ref_b = layer.bias.detach().clone().requires_grad_(True)
        ref = ref + ref_b
    ref.backward(grad)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, ref_x.grad)
    torch.testing.assert_close(layer.kernel.grad, ref_k.grad)
    if use_bias:
        torch.testing.assert_close(layer.bias.grad, ref_b.grad)
        assert out.is_contiguous()


@pytest.mark.parametrize("shape", [(None, None, 3), (5, 4, 3)], ids=["none", "fixed"])
def test_symbolic_shapes_match_keras(shape):
    kwargs = {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}
    ours = Conv2DTranspose(**kwargs)(Input(shape=shape))
    theirs = keras.layers.Conv2DTranspose(**kwargs)(keras.Input(shape=shape))
    assert ours.shape == tuple(theirs.shape)


CONFIGS = {
    "defaults": (Conv2DTranspose, {"filters": 3, "kernel_size": 2}),
    "1d-outpad": (Conv1DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2,
                                    "output_padding": 1, "activation": "relu"}),
    "3d-everything": (Conv3DTranspose, {
        "filters": 2, "kernel_size": 3, "padding": "same", "data_format": CF,
        "dilation_rate": 2, "use_bias": False, "kernel_regularizer": "l2",
        "kernel_constraint": "unit_norm", "bias_initializer": "ones"}),
}  # fmt: skip


@pytest.mark.parametrize("cls,kwargs", CONFIGS.values(), ids=CONFIGS)
def test_get_config_matches_keras_and_round_trips(cls, kwargs):
    config = cls(name="t", **kwargs).get_config()
    assert (
        config == getattr(keras.layers, cls.__name__)(name="t", **kwargs).get_config()
    )
    assert cls.from_config(config).get_config() == config


def test_conv3d_transpose_takes_data_format_before_output_padding():
    # Keras's positional order for Conv3DTranspose differs from 1D/2D.
    layer = Conv3DTranspose(2, 3, 1, "valid", CF)
    assert layer.data_format == CF and layer.output_padding is None


def test_keras_aliases():
    assert Convolution1DTranspose is Conv1DTranspose
    assert Convolution2DTranspose is Conv2DTranspose
    assert Convolution3DTranspose is Conv3DTranspose


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError, match=r"`Conv2DTranspose`.*rank 4.*\(4, 4, 3\)"):
        Conv2DTranspose(2, 3)(torch.ones(4, 4, 3))


def test_output_padding_must_stay_below_strides():
    with pytest.raises(ValueError, match=r"`output_padding` of `Conv2DTranspose`"):
        Conv2DTranspose(2, 3, strides=2, output_padding=2)


def test_strides_and_dilation_are_exclusive():
    with pytest.raises(ValueError, match=r"`dilation_rate` of `Conv1DTranspose`"):
        Conv1DTranspose(2, 3, strides=2, dilation_rate=2)


def test_causal_padding_is_refused():
    with pytest.raises(ValueError, match=r"`padding` of `Conv1DTranspose`"):
        Conv1DTranspose(2, 3, padding="causal")
