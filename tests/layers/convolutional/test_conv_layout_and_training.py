"""channels_last runs without layout copies of the activations; a small CNN of
the family matches Keras and trains."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch.profiler import ProfilerActivity, profile

import ember
from ember.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from ember.layers.core.dense import Dense
from ember.layers.core.input_layer import Input
from ember.layers.reshaping.flatten import Flatten
from ember.models import Model, Sequential
from ember.optimizers import Adam

keras = pytest.importorskip("keras")

_COPIES = ("aten::copy_", "aten::clone", "aten::contiguous")


def activation_copies(fn, smallest_activation):
    """The copy ops (anywhere, also inside kernels and in backward) that move at
    least `smallest_activation` elements, except those of a padding op and
    `addmm`'s bias fill.

    A biased 1x1 convolution over channels_last data is `F.linear` (as in
    `Dense`), i.e. `addmm(bias, x, w)`. On CPU, `addmm` first writes the
    broadcast bias into its output buffer with a `copy_` straight under
    `aten::addmm`, then runs the GEMM with `beta=1` on top: the output being
    initialised, not an activation being moved (`mm` then `add_` would move the
    same bytes; CUDA fuses the bias into the GEMM instead). A layout copy of an
    operand inside `addmm` goes through `aten::clone` and is still counted.
    """
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        fn()
    found = []
    for event in prof.events():
        if event.name not in _COPIES:
            continue
        size = max((math.prod(s) for s in event.input_shapes if s), default=0)
        parents, parent = [], event.cpu_parent
        while parent is not None:
            parents.append(parent.name)
            parent = parent.cpu_parent
        bias_fill = event.name == "aten::copy_" and parents[:1] == ["aten::addmm"]
        if (
            size >= smallest_activation
            and "aten::constant_pad_nd" not in parents
            and not bias_fill
        ):
            found.append((event.name, event.input_shapes[0], parents[:3]))
    return found


# Layers whose channels_last call has no padding op at all (symmetric or no pads).
NO_PAD = {
    "conv1d-same": (Conv1D(8, 3, padding="same"), (4, 64, 8)),
    "conv1d-s2": (Conv1D(8, 3, strides=2), (4, 64, 8)),
    "conv2d-valid": (Conv2D(8, 3), (4, 16, 16, 8)),
    "conv2d-same": (Conv2D(8, 3, padding="same", activation="relu"), (4, 16, 16, 8)),
    "conv2d-same-s2-odd": (Conv2D(8, 3, strides=2, padding="same"), (4, 17, 17, 8)),
    "conv2d-1x1": (Conv2D(8, 1), (4, 16, 16, 8)),  # a GEMM (`F.linear`)
    "conv3d-1x1-nobias": (Conv3D(8, 1, use_bias=False), (2, 8, 8, 8, 8)),
    "conv2d-groups": (Conv2D(8, 3, groups=2, padding="same"), (4, 16, 16, 8)),
    "conv3d-same": (Conv3D(8, 3, padding="same"), (2, 8, 8, 8, 8)),
    "conv1d-transpose-same-s2": (
        Conv1DTranspose(8, 3, strides=2, padding="same"),
        (4, 64, 8),
    ),
    "conv2d-transpose-same-s2": (
        Conv2DTranspose(8, 3, strides=2, padding="same"),
        (4, 16, 16, 8),
    ),
    "conv2d-transpose-valid-outpad": (
        Conv2DTranspose(8, 3, strides=2, output_padding=1, use_bias=False),
        (4, 16, 16, 8),
    ),
    "conv3d-transpose-same-s2": (
        Conv3DTranspose(8, 3, strides=2, padding="same"),
        (2, 8, 8, 8, 8),
    ),
    "depthwise1d": (DepthwiseConv1D(3, padding="same"), (4, 64, 8)),
    "depthwise2d": (DepthwiseConv2D(3, depth_multiplier=2), (4, 16, 16, 8)),
    "separable1d": (SeparableConv1D(8, 3), (4, 64, 8)),
    "separable2d": (SeparableConv2D(8, 3, padding="same"), (4, 16, 16, 8)),
}


@pytest.mark.parametrize("layer,shape", NO_PAD.values(), ids=NO_PAD)
def test_channels_last_copies_no_activation_forward_or_backward(layer, shape):
    x = torch.randn(shape, requires_grad=True)
    out = layer(x)  # builds
    # Channel-last in, channel-last out: a dense, contiguous result.
    assert out.is_contiguous()
    grad = torch.randn_like(out)
    smallest = min(x.numel(), out.numel())
    assert max(w.numel() for w in layer.weights) < smallest  # weights don't count

    def step():
        layer(x).backward(grad)

    assert activation_copies(step, smallest) == []
    assert x.grad.is_contiguous()


# Asymmetric "same" and causal padding pad once: no other activation copy.
PADDED = {
    "conv2d-same-s2-even": (Conv2D(8, 3, strides=2, padding="same"), (4, 16, 16, 8)),
    "conv2d-same-even-kernel": (Conv2D(8, 2, padding="same"), (4, 16, 16, 8)),
    "conv1d-causal": (Conv1D(8, 3, padding="causal", dilation_rate=2), (4, 64, 8)),
    "separable2d-same-s2": (
        SeparableConv2D(8, 3, strides=2, padding="same"),
        (4, 16, 16, 8),
    ),
    "separable1d-same-s2": (
        SeparableConv1D(8, 3, strides=2, padding="same"),
        (4, 64, 8),
    ),
    "depthwise2d-same-s2": (
        DepthwiseConv2D(3, strides=2, padding="same"),
        (4, 16, 16, 8),
    ),
    "conv3d-same-s2-even": (
        Conv3D(8, 3, strides=2, padding="same"),
        (2, 16, 16, 16, 4),
    ),
}


@pytest.mark.parametrize("layer,shape", PADDED.values(), ids=PADDED)
def test_padding_is_the_only_activation_copy(layer, shape):
    x = torch.randn(shape, requires_grad=True)
    out = layer(x)
    assert out.is_contiguous()
    grad = torch.randn_like(out)

    def step():
        layer(x).backward(grad)

    smallest = min(x.numel(), out.numel())
    assert activation_copies(step, smallest) == []


def test_channels_first_stays_contiguous():
    layer = Conv2D(8, 3, padding="same", data_format="channels_first")
    out = layer(torch.randn(2, 4, 9, 9))
    assert out.shape == (2, 8, 9, 9) and out.is_contiguous()


def test_the_detector_sees_a_layout_copy():
    # The check above would notice Keras's torch backend's `.contiguous()`.
    x = torch.randn(4, 16, 16, 8)

    def copy_then_conv():
        torch.nn.functional.conv2d(
            x.permute(0, 3, 1, 2).contiguous(), torch.randn(8, 8, 3, 3)
        )

    assert activation_copies(copy_then_conv, x.numel())


def test_the_detector_sees_a_layout_copy_before_a_linear():
    # `addmm`'s bias fill is not counted; a channel-moving copy still is.
    x, w, b = torch.randn(4, 8, 62), torch.randn(8, 8), torch.randn(8)
    x_last = x.transpose(1, 2).contiguous()

    def copy_then_linear():
        torch.nn.functional.linear(x.transpose(1, 2).contiguous(), w, b)

    found = activation_copies(copy_then_linear, x.numel())
    assert ("aten::copy_", [4, 62, 8], ["aten::clone", "aten::contiguous"]) in [
        (name, shape, parents[:2]) for name, shape, parents in found
    ]
    assert activation_copies(lambda: torch.nn.functional.linear(x_last, w, b), 1) == []


# --- A small CNN -------------------------------------------------------------------


def small_cnn(lib):
    L = lib.layers
    inputs = lib.Input(shape=(8, 8, 2), name="image")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inputs)
    x = L.SeparableConv2D(6, 3, strides=2, padding="same", name="sep")(x)
    x = L.DepthwiseConv2D(3, padding="same", activation="relu", name="dw")(x)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same", name="up")(x)
    x = L.Flatten(name="flat")(x)
    outputs = L.Dense(3, activation="softmax", name="probs")(x)
    return lib.Model(inputs, outputs, name="cnn")


MINE = SimpleNamespace(
    Input=Input,
    Model=Model,
    layers=SimpleNamespace(
        Conv2D=Conv2D,
        SeparableConv2D=SeparableConv2D,
        DepthwiseConv2D=DepthwiseConv2D,
        Conv2DTranspose=Conv2DTranspose,
        Flatten=Flatten,
        Dense=Dense,
    ),
)


def test_small_cnn_matches_keras():
    ours, theirs = small_cnn(MINE), small_cnn(keras)
    assert ours.count_params() == theirs.count_params()
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    x = np.random.default_rng(0).standard_normal((3, 8, 8, 2)).astype("float32")
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(x).detach().numpy(), expected, atol=1e-5)


def test_small_cnn_trains():
    ember.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8, 8, 2)).astype("float32")
    # Two local features decide the class: the top half of channel 0 and the
    # bottom half of channel 1.
    y = (x[:, :4, :, 0].mean(axis=(1, 2)) > 0).astype("int64") + (
        x[:, 4:, :, 1].mean(axis=(1, 2)) > 0
    ).astype("int64")
    model = Sequential(
        [
            Input(shape=(8, 8, 2)),
            Conv2D(8, 3, padding="same", activation="relu"),
            SeparableConv2D(8, 3, strides=2, padding="same", activation="relu"),
            Conv2DTranspose(4, 3, strides=2, padding="same"),
            Flatten(),
            Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.5 * losses[0]
