"""`Conv1D`, `Conv2D`, `Conv3D` against real Keras 3 and by hand."""

import numpy as np
import pytest
import torch
from conv_cases import image
from keras_oracle import assert_matches_keras

from ember.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv3D,
    Convolution1D,
    Convolution2D,
    Convolution3D,
)
from ember.layers.core.input_layer import Input
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")

CLS = {1: Conv1D, 2: Conv2D, 3: Conv3D}
CF = "channels_first"


def case(rank, size, id, data_format="channels_last", channels=4, **kwargs):
    return pytest.param(rank, size, data_format, channels, kwargs, id=id)


CASES = [
    # 1-D: valid/same/causal, strides, dilation, groups, both layouts.
    case(1, 9, "1d-valid", filters=5, kernel_size=3),
    case(1, 9, "1d-same-odd", filters=5, kernel_size=3, padding="same"),
    case(1, 8, "1d-same-even-k", filters=5, kernel_size=4, padding="same"),
    case(1, 8, "1d-same-s2-even", filters=3, kernel_size=3, strides=2, padding="same"),
    case(1, 9, "1d-same-s2-odd", filters=3, kernel_size=3, strides=2, padding="same"),
    case(1, 9, "1d-causal", filters=5, kernel_size=3, padding="causal"),
    case(1, 9, "1d-causal-dil2", filters=5, kernel_size=3, padding="causal",
         dilation_rate=2),
    case(1, 9, "1d-causal-s2", filters=5, kernel_size=3, padding="CAUSAL",
         strides=2),
    case(1, 9, "1d-cf-causal", CF, filters=5, kernel_size=3, padding="causal"),
    case(1, 9, "1d-cf-same-s2", CF, filters=5, kernel_size=3, strides=2,
         padding="same"),
    case(1, 10, "1d-dil2", filters=5, kernel_size=3, dilation_rate=2),
    case(1, 9, "1d-groups", filters=6, kernel_size=3, groups=2),
    case(1, 9, "1d-nobias-tanh", filters=5, kernel_size=2, use_bias=False,
         activation="tanh"),
    # 2-D.
    case(2, 7, "2d-valid", filters=5, kernel_size=3),
    case(2, 8, "2d-valid-s2-even", filters=5, kernel_size=3, strides=2),
    case(2, 7, "2d-same", filters=5, kernel_size=3, padding="same"),
    case(2, 8, "2d-same-s2-even", filters=5, kernel_size=3, strides=2,
         padding="same"),
    case(2, 7, "2d-same-s2-odd", filters=5, kernel_size=3, strides=2,
         padding="same"),
    case(2, 8, "2d-same-k2", filters=5, kernel_size=2, padding="same"),
    case(2, (7, 8), "2d-same-rect", filters=5, kernel_size=(3, 2),
         strides=(2, 1), padding="same"),
    case(2, 9, "2d-dil2", filters=5, kernel_size=3, dilation_rate=2),
    case(2, 9, "2d-same-dil2", filters=5, kernel_size=3, dilation_rate=(2, 1),
         padding="same"),
    case(2, 7, "2d-groups", filters=6, kernel_size=3, groups=2, padding="same"),
    case(2, 7, "2d-groups-depthwise", filters=8, kernel_size=3, groups=4),
    case(2, 7, "2d-nobias-relu", filters=5, kernel_size=3, use_bias=False,
         activation="relu"),
    case(2, 7, "2d-cf-valid", CF, filters=5, kernel_size=3),
    case(2, 8, "2d-cf-same-s2", CF, filters=5, kernel_size=3, strides=2,
         padding="same"),
    case(2, 9, "2d-cf-dil2-groups", CF, filters=6, kernel_size=3,
         dilation_rate=2, groups=2),
    case(2, 6, "2d-1x1", filters=3, kernel_size=1),
    # 3-D.
    case(3, 5, "3d-valid", filters=3, kernel_size=3),
    case(3, 6, "3d-same-s2-even", filters=3, kernel_size=3, strides=2,
         padding="same"),
    case(3, 5, "3d-same-s2-odd", filters=3, kernel_size=(3, 2, 3), strides=2,
         padding="same"),
    case(3, 7, "3d-dil2", filters=3, kernel_size=3, dilation_rate=2,
         activation="sigmoid"),
    case(3, 5, "3d-cf-same", CF, filters=4, kernel_size=3, padding="same",
         groups=2),
    case(3, 6, "3d-cf-same-s2-nobias", CF, filters=3, kernel_size=2, strides=2,
         padding="same", use_bias=False),
]  # fmt: skip


@pytest.mark.parametrize("rank,size,data_format,channels,kwargs", CASES)
def test_matches_keras(rank, size, data_format, channels, kwargs):
    kwargs = {**kwargs, "data_format": data_format}
    x = image(rank, size, channels, data_format)
    assert_matches_keras(CLS[rank], kwargs, x)


LAYER_TESTS = {
    "1d-causal": (Conv1D, {"filters": 3, "kernel_size": 3, "padding": "causal"},
                  (2, 9, 4), (2, 9, 3)),
    "1d-cf-s2": (Conv1D, {"filters": 3, "kernel_size": 3, "strides": 2,
                          "data_format": CF}, (2, 4, 9), (2, 3, 4)),
    "2d-same-s2-relu": (Conv2D, {"filters": 6, "kernel_size": 3, "strides": 2,
                                 "padding": "same", "activation": "relu",
                                 "groups": 2}, (2, 8, 8, 4), (2, 4, 4, 6)),
    "2d-cf-nobias": (Conv2D, {"filters": 6, "kernel_size": (3, 2),
                              "use_bias": False, "data_format": CF},
                     (2, 4, 7, 7), (2, 6, 5, 6)),
    "3d-same": (Conv3D, {"filters": 2, "kernel_size": 2, "padding": "same"},
                (2, 4, 4, 4, 3), (2, 4, 4, 4, 2)),
}  # fmt: skip


@pytest.mark.parametrize("cls,kwargs,shape,out", LAYER_TESTS.values(), ids=LAYER_TESTS)
def test_standard_layer_checks(cls, kwargs, shape, out):
    weights = 1 if kwargs.get("use_bias") is False else 2
    run_layer_test(
        cls,
        kwargs,
        input_shape=shape,
        expected_output_shape=out,
        expected_num_trainable_weights=weights,
        expected_num_non_trainable_weights=0,
    )


def test_hand_computed_1d():
    # A sum over a window of 2; causal padding puts one zero before the start.
    layer = Conv1D(1, 2, padding="causal", kernel_initializer="ones")
    x = torch.tensor([[[1.0], [2.0], [3.0]]])
    assert layer(x).flatten().tolist() == [1.0, 3.0, 5.0]
    valid = Conv1D(1, 2, kernel_initializer="ones", bias_initializer="ones")
    assert valid(x).flatten().tolist() == [4.0, 6.0]


def test_same_padding_with_stride_puts_the_extra_pixel_at_the_end():
    # Length 4, kernel 3, stride 2 -> 2 outputs, 1 pad pixel, at the end:
    # windows [x0, x1, x2] and [x2, x3, 0].
    layer = Conv1D(1, 3, strides=2, padding="same", kernel_initializer="ones")
    x = torch.tensor([[[1.0], [10.0], [100.0], [1000.0]]])
    assert layer(x).flatten().tolist() == [111.0, 1100.0]


def test_weights_have_keras_names_shapes_and_order():
    layer = Conv2D(6, (3, 2), groups=2)
    layer(torch.ones(1, 5, 5, 4))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2, 2, 6), (6,)]
    no_bias = Conv1D(3, 2, use_bias=False)
    no_bias(torch.ones(1, 5, 4))
    assert [w.name for w in no_bias.weights] == ["kernel"] and no_bias.bias is None


@pytest.mark.parametrize("data_format", ["channels_last", CF])
def test_forward_and_gradients_match_plain_torch(data_format):
    layer = Conv2D(5, 3, strides=2, padding="same", data_format=data_format)
    x = torch.randn(2, 8, 8, 4)
    if data_format == CF:
        x = x.permute(0, 3, 1, 2).contiguous()
    x.requires_grad_(True)
    out = layer(x)
    grad = torch.randn_like(out)
    out.backward(grad)
    # Reference: NCHW, Keras's "same" for even 8 / kernel 3 / stride 2 pads
    # (0, 1) on each spatial axis.
    ref_x = x.detach().clone().requires_grad_(True)
    ref_k = layer.kernel.detach().clone().requires_grad_(True)
    ref_b = layer.bias.detach().clone().requires_grad_(True)
    nchw = ref_x.permute(0, 3, 1, 2) if data_format != CF else ref_x
    ref = torch.nn.functional.conv2d(
        torch.nn.functional.pad(nchw, (0, 1, 0, 1)),
        ref_k.permute(3, 2, 0, 1),
        ref_b,
        stride=2,
    )
    if data_format != CF:
        ref = ref.permute(0, 2, 3, 1)
    ref.backward(grad)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, ref_x.grad)
    torch.testing.assert_close(layer.kernel.grad, ref_k.grad)
    torch.testing.assert_close(layer.bias.grad, ref_b.grad)


@pytest.mark.parametrize(
    "shape", [(None, None, 3), (9, 9, 3), (None, 8, 3)], ids=["none", "fixed", "mix"]
)
def test_symbolic_shapes_match_keras(shape):
    kwargs = {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}
    ours = Conv2D(**kwargs)(Input(shape=shape))
    theirs = keras.layers.Conv2D(**kwargs)(keras.Input(shape=shape))
    assert ours.shape == tuple(theirs.shape)


def test_integer_inputs_are_cast():
    layer = Conv1D(2, 2)
    out = layer(torch.arange(12).reshape(1, 4, 3))
    assert out.dtype == torch.float32 and out.shape == (1, 3, 2)


def test_mixed_precision_computes_in_bfloat16():
    layer = Conv2D(4, 3, padding="same", dtype="mixed_bfloat16")
    x = torch.randn(2, 6, 6, 3)
    out = layer(x)
    assert out.dtype == torch.bfloat16 and layer.kernel.dtype == torch.float32
    ref = Conv2D(4, 3, padding="same")
    ref.build(x.shape)
    ref.set_weights(layer.get_weights())
    # bfloat16 keeps ~3 significant digits.
    torch.testing.assert_close(out.float(), ref(x), atol=0.05, rtol=0.05)


CONFIGS = {
    "defaults": (Conv2D, {"filters": 3, "kernel_size": 2}),
    "conv1d-causal": (Conv1D, {"filters": 3, "kernel_size": 2, "padding": "causal",
                               "dilation_rate": 2, "activation": "relu"}),
    "conv2d-everything": (Conv2D, {
        "filters": 4, "kernel_size": (3, 1), "strides": 2, "padding": "same",
        "data_format": CF, "groups": 2, "use_bias": False,
        "kernel_initializer": "he_normal", "bias_initializer": "ones",
        "kernel_regularizer": "l2", "bias_regularizer": "l2",
        "activity_regularizer": "l2", "kernel_constraint": "max_norm",
        "bias_constraint": "non_neg"}),
    "conv3d": (Conv3D, {"filters": 2, "kernel_size": 3, "dilation_rate": 2}),
}  # fmt: skip


@pytest.mark.parametrize("cls,kwargs", CONFIGS.values(), ids=CONFIGS)
def test_get_config_matches_keras_and_round_trips(cls, kwargs):
    config = cls(name="c", **kwargs).get_config()
    assert (
        config == getattr(keras.layers, cls.__name__)(name="c", **kwargs).get_config()
    )
    assert cls.from_config(config).get_config() == config


def test_loads_a_keras_config_saved_as_json():
    import json

    theirs = keras.layers.Conv1D(3, 5, padding="causal", name="k")
    config = json.loads(json.dumps(theirs.get_config()))  # tuples become lists
    layer = Conv1D.from_config(config)
    assert layer.kernel_size == (5,) and layer.padding == "causal"
    assert layer.get_config() == theirs.get_config()


def test_keras_aliases():
    assert Convolution1D is Conv1D and Convolution2D is Conv2D
    assert Convolution3D is Conv3D


def test_regularizers_add_losses():
    layer = Conv1D(2, 2, kernel_regularizer="l2", kernel_initializer="ones")
    layer(torch.ones(1, 4, 3))
    (loss,) = layer.losses
    assert loss.item() == pytest.approx(0.01 * 12)


def test_repr_shows_the_non_default_config():
    text = repr(Conv2D(8, 3, strides=2, padding="same", name="c"))
    assert "name=c" in text and "filters=8" in text and "strides=(2, 2)" in text
    assert "dilation_rate" not in text


# --- Errors ------------------------------------------------------------------------


def test_conv2d_on_a_3d_input_names_layer_rank_and_shape():
    layer = Conv2D(4, 3, name="features")
    with pytest.raises(ValueError) as info:
        layer(torch.ones(28, 28, 1))
    message = str(info.value)
    assert "`Conv2D` (layer 'features')" in message
    assert "rank 4" in message and "(batch_size, height, width, channels)" in message
    assert "(28, 28, 1)" in message and "add a batch axis" in message


def test_symbolic_input_of_wrong_rank_is_refused():
    with pytest.raises(ValueError, match=r"Conv1D.*rank 3.*\(None, 5, 4, 3\)"):
        Conv1D(2, 3)(Input(shape=(5, 4, 3)))


def test_wrong_channels_after_build_names_layer_and_sizes():
    layer = Conv2D(2, 3, name="c2")
    layer(torch.ones(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r'"c2".*value 3.*\(1, 5, 5, 4\)'):
        layer(torch.ones(1, 5, 5, 4))


def test_kernel_larger_than_input_is_refused_at_build():
    with pytest.raises(ValueError, match=r"Conv2D.*at least 5.*\(1, 4, 4, 1\)"):
        Conv2D(2, 5)(torch.ones(1, 4, 4, 1))


def test_unknown_channels_are_refused():
    with pytest.raises(ValueError, match="known number of input channels"):
        Conv2D(2, 3)(Input(shape=(8, 8, None)))


def test_groups_must_divide_input_channels():
    with pytest.raises(ValueError, match=r"groups=2.*3 channels"):
        Conv2D(4, 3, groups=2)(torch.ones(1, 5, 5, 3))


BAD_ARGUMENTS = {
    "filters": ({"filters": 0, "kernel_size": 3}, "filters", "a positive integer"),
    "kernel_size": ({"filters": 2, "kernel_size": (3, 0)}, "kernel_size",
                    "a positive integer or a tuple of 2 positive integers"),
    "kernel_size_len": ({"filters": 2, "kernel_size": (3, 3, 3)}, "kernel_size",
                        "tuple of 2"),
    "strides": ({"filters": 2, "kernel_size": 3, "strides": 0}, "strides",
                "positive"),
    "strides_and_dilation": ({"filters": 2, "kernel_size": 3, "strides": 2,
                              "dilation_rate": 2}, "dilation_rate",
                             "1 when `strides` is above 1"),
    "padding": ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding",
                "one of 'valid', 'same'"),
    "groups": ({"filters": 5, "kernel_size": 3, "groups": 2}, "groups",
               "a divisor of `filters` \\(5\\)"),
    "data_format": ({"filters": 2, "kernel_size": 3, "data_format": "nhwc"},
                    "data_format", "channels_first"),
    "lora": ({"filters": 2, "kernel_size": 3, "lora_rank": 4}, "lora_rank",
             "None \\(ember does not implement LoRA"),
}  # fmt: skip


@pytest.mark.parametrize("kwargs,argument,expected", BAD_ARGUMENTS.values(),
                         ids=BAD_ARGUMENTS)  # fmt: skip
def test_bad_arguments_name_the_layer_and_argument(kwargs, argument, expected):
    with pytest.raises(ValueError, match=f"`{argument}`.*{expected}"):
        Conv2D(**kwargs)


def test_bad_argument_message_has_the_standard_form():
    with pytest.raises(ValueError) as info:
        Conv3D(0, 3)
    assert str(info.value).startswith(
        "Invalid value for argument `filters` of `Conv3D`: expected a positive "
        "integer. Received: filters=0"
    )


def test_causal_is_only_for_conv1d_and_default_lora_is_accepted():
    Conv1D(2, 3, padding="causal", lora_rank=None, lora_alpha=None)
    with pytest.raises(ValueError, match="`padding` of `Conv3D`"):
        Conv3D(2, 3, padding="causal")


def test_outputs_are_finite_after_a_training_step():
    layer = Conv2D(3, 3, padding="same", activation="relu")
    x = np.random.default_rng(0).standard_normal((2, 5, 5, 2)).astype("float32")
    out = layer(torch.as_tensor(x))
    out.sum().backward()
    assert torch.isfinite(layer.kernel.grad).all()
