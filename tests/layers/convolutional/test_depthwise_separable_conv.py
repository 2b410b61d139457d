"""`DepthwiseConv1D/2D` and `SeparableConv1D/2D` against real Keras 3."""

import pytest
import torch
from conv_cases import image
from keras_oracle import assert_matches_keras

from ember.layers.convolutional import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

CF = "channels_first"
DEPTHWISE = {1: DepthwiseConv1D, 2: DepthwiseConv2D}
SEPARABLE = {1: SeparableConv1D, 2: SeparableConv2D}


def case(rank, size, id, data_format="channels_last", **kwargs):
    return pytest.param(rank, size, data_format, kwargs, id=id)


DEPTHWISE_CASES = [
    case(1, 9, "1d-valid", kernel_size=3),
    case(1, 8, "1d-same-s2-mult2", kernel_size=3, strides=2, padding="same",
         depth_multiplier=2),
    case(1, 9, "1d-cf-dil2", CF, kernel_size=3, dilation_rate=2),
    case(1, 9, "1d-cf-same-mult3", CF, kernel_size=2, padding="same",
         depth_multiplier=3),
    case(2, 7, "2d-valid", kernel_size=3),
    case(2, 8, "2d-same-s2-even", kernel_size=3, strides=2, padding="same"),
    case(2, 7, "2d-same-s2-odd-mult2", kernel_size=3, strides=2, padding="same",
         depth_multiplier=2),
    case(2, 9, "2d-dil2-nobias-relu", kernel_size=3, dilation_rate=2,
         use_bias=False, activation="relu"),
    case(2, (7, 6), "2d-cf-same-rect", CF, kernel_size=(3, 2), padding="same",
         depth_multiplier=2),
    case(2, 8, "2d-cf-s2", CF, kernel_size=3, strides=2),
    case(1, 8, "1d-cf-same-s2", CF, kernel_size=3, strides=2, padding="same"),
    case(2, 8, "2d-cf-same-s2-mult2", CF, kernel_size=3, strides=2, padding="same",
         depth_multiplier=2),
]  # fmt: skip


@pytest.mark.parametrize("rank,size,data_format,kwargs", DEPTHWISE_CASES)
def test_depthwise_matches_keras(rank, size, data_format, kwargs):
    kwargs = {**kwargs, "data_format": data_format}
    assert_matches_keras(DEPTHWISE[rank], kwargs, image(rank, size, 3, data_format))


SEPARABLE_CASES = [
    case(1, 9, "1d-valid", filters=4, kernel_size=3),
    case(1, 8, "1d-same-s2-mult2", filters=4, kernel_size=3, strides=2,
         padding="same", depth_multiplier=2),
    case(1, 9, "1d-cf-dil2", CF, filters=4, kernel_size=3, dilation_rate=2),
    case(2, 7, "2d-valid", filters=5, kernel_size=3),
    case(2, 8, "2d-same-s2-even", filters=5, kernel_size=3, strides=2,
         padding="same"),
    case(2, 7, "2d-same-s2-odd", filters=5, kernel_size=3, strides=2,
         padding="same", depth_multiplier=2),
    case(2, 9, "2d-dil2-nobias-elu", filters=5, kernel_size=3, dilation_rate=2,
         use_bias=False, activation="elu"),
    case(2, 7, "2d-cf-same-mult2", CF, filters=5, kernel_size=3, padding="same",
         depth_multiplier=2),
    case(1, 8, "1d-cf-same-s2", CF, filters=4, kernel_size=3, strides=2,
         padding="same"),
    case(1, 9, "1d-same-dil2-nobias", filters=4, kernel_size=3, dilation_rate=2,
         padding="same", use_bias=False),
    case(2, 8, "2d-cf-same-s2-nobias", CF, filters=5, kernel_size=(3, 2),
         strides=2, padding="same", use_bias=False),
]  # fmt: skip


@pytest.mark.parametrize("rank,size,data_format,kwargs", SEPARABLE_CASES)
def test_separable_matches_keras(rank, size, data_format, kwargs):
    kwargs = {**kwargs, "data_format": data_format}
    assert_matches_keras(SEPARABLE[rank], kwargs, image(rank, size, 3, data_format))


LAYER_TESTS = {
    "depthwise1d": (DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2},
                    (2, 7, 3), (2, 5, 6), 2),
    "depthwise2d-cf-nobias": (DepthwiseConv2D, {"kernel_size": 3, "use_bias": False,
                                                "data_format": CF, "strides": 2,
                                                "padding": "same"},
                              (2, 3, 6, 6), (2, 3, 3, 3), 1),
    "separable1d-same": (SeparableConv1D, {"filters": 4, "kernel_size": 3,
                                           "padding": "same"}, (2, 7, 3),
                         (2, 7, 4), 3),
    "separable2d-s2": (SeparableConv2D, {"filters": 4, "kernel_size": 3,
                                         "strides": 2, "depth_multiplier": 2,
                                         "activation": "relu"},
                       (2, 7, 7, 3), (2, 3, 3, 4), 3),
}  # fmt: skip


@pytest.mark.parametrize(
    "cls,kwargs,shape,out,num_weights", LAYER_TESTS.values(), ids=LAYER_TESTS
)
def test_standard_layer_checks(cls, kwargs, shape, out, num_weights):
    run_layer_test(
        cls,
        kwargs,
        input_shape=shape,
        expected_output_shape=out,
        expected_num_trainable_weights=num_weights,
    )


def test_depthwise_hand_computed_channels_stay_apart():
    # Channel c gets its own filters; output channel c * multiplier + m.
    layer = DepthwiseConv1D(1, depth_multiplier=2, use_bias=False)
    layer.build((1, 2, 2))
    kernel = torch.tensor([[[1.0, 10.0], [100.0, 1000.0]]])  # (1, in=2, mult=2)
    layer.set_weights([kernel.numpy()])
    out = layer(torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]))
    assert out.tolist() == [[[1.0, 10.0, 200.0, 2000.0], [3.0, 30.0, 400.0, 4000.0]]]


def test_weights_have_keras_names_and_shapes():
    depthwise = DepthwiseConv2D(3, depth_multiplier=2)
    depthwise(torch.ones(1, 5, 5, 4))
    assert [w.name for w in depthwise.weights] == ["kernel", "bias"]
    assert [tuple(w.shape) for w in depthwise.weights] == [(3, 3, 4, 2), (8,)]
    separable = SeparableConv1D(6, 3, depth_multiplier=2)
    separable(torch.ones(1, 5, 4))
    assert [w.name for w in separable.weights] == [
        "depthwise_kernel",
        "pointwise_kernel",
        "bias",
    ]
    assert [tuple(w.shape) for w in separable.weights] == [(3, 4, 2), (1, 8, 6), (6,)]


def test_separable_forward_and_gradients_match_plain_torch():
    layer = SeparableConv2D(5, 3, padding="same", depth_multiplier=2)
    x = torch.randn(2, 6, 6, 3, requires_grad=True)
    out = layer(x)
    grad = torch.randn_like(out)
    out.backward(grad)
    ref_x = x.detach().clone().requires_grad_(True)
    dw, pw, b = (
        w.detach().clone().requires_grad_(True)
        for w in (layer.depthwise_kernel, layer.pointwise_kernel, layer.bias)
    )
    conv2d = torch.nn.functional.conv2d
    mid = conv2d(
        ref_x.permute(0, 3, 1, 2),
        dw.reshape(3, 3, 1, 6).permute(3, 2, 0, 1),
        padding=1,
        groups=3,
    )
    ref = conv2d(mid, pw.permute(3, 2, 0, 1), b).permute(0, 2, 3, 1)
    ref.backward(grad)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, ref_x.grad)
    torch.testing.assert_close(layer.depthwise_kernel.grad, dw.grad)
    torch.testing.assert_close(layer.pointwise_kernel.grad, pw.grad)
    torch.testing.assert_close(layer.bias.grad, b.grad)


CONFIGS = {
    "depthwise2d": (DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2,
                                      "depthwise_regularizer": "l2",
                                      "depthwise_constraint": "non_neg"}),
    "depthwise1d-cf": (DepthwiseConv1D, {"kernel_size": 2, "data_format": CF,
                                         "padding": "same", "activation": "relu"}),
    "separable2d": (SeparableConv2D, {"filters": 3, "kernel_size": 3,
                                      "pointwise_initializer": "he_uniform",
                                      "pointwise_regularizer": "l2",
                                      "bias_constraint": "non_neg"}),
    "separable1d": (SeparableConv1D, {"filters": 3, "kernel_size": 3, "strides": 2,
                                      "depth_multiplier": 3, "use_bias": False}),
}  # fmt: skip


@pytest.mark.parametrize("cls,kwargs", CONFIGS.values(), ids=CONFIGS)
def test_get_config_matches_keras_and_round_trips(cls, kwargs):
    config = cls(name="d", **kwargs).get_config()
    assert (
        config == getattr(keras.layers, cls.__name__)(name="d", **kwargs).get_config()
    )
    assert cls.from_config(config).get_config() == config


def test_keras_aliases():
    assert SeparableConvolution1D is SeparableConv1D
    assert SeparableConvolution2D is SeparableConv2D


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError, match=r"`DepthwiseConv2D`.*rank 4.*\(2, 5, 3\)"):
        DepthwiseConv2D(3)(torch.ones(2, 5, 3))
    with pytest.raises(ValueError, match=r"`SeparableConv1D`.*rank 3.*\(5, 3\)"):
        SeparableConv1D(2, 3)(torch.ones(5, 3))


@pytest.mark.parametrize("cls", [DepthwiseConv2D, SeparableConv2D], ids=str)
def test_bad_depth_multiplier_is_refused(cls):
    args = (3,) if cls is DepthwiseConv2D else (2, 3)
    with pytest.raises(ValueError, match=f"`depth_multiplier` of `{cls.__name__}`"):
        cls(*args, depth_multiplier=0)


def test_causal_padding_is_refused_as_in_keras_3():
    with pytest.raises(ValueError, match=r"`padding` of `SeparableConv1D`"):
        SeparableConv1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"`padding` of `DepthwiseConv1D`"):
        DepthwiseConv1D(3, padding="causal")
