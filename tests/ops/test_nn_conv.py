"""`ember.ops.nn_conv` (`conv`, `conv_transpose`, `depthwise_conv`,
`separable_conv`) against `keras.ops` on the torch backend."""

import itertools

import numpy as np
import pytest
import torch
from ops_testing import assert_same

from ember.backend import KerasTensor
from ember.ops import nn_conv

keras = pytest.importorskip("keras")

CL, CF = "channels_last", "channels_first"


def data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def inputs(rank, size, channels, data_format):
    spatial = (size,) * rank
    shape = (2, *spatial, channels) if data_format == CL else (2, channels, *spatial)
    return data(shape)


def window_cases():
    """Both layouts x ranks x padding x strides/dilation x odd/even sizes."""
    for rank, df, padding, (s, d), size in itertools.product(
        (1, 2, 3), (CL, CF), ("valid", "same"), ((1, 1), (2, 1), (1, 2)), (6, 7)
    ):
        if rank == 3 and (size == 7 or df == CF):
            continue  # keep the 3-D cases few
        yield pytest.param(
            rank,
            df,
            padding,
            s,
            d,
            size,
            id=f"{rank}d-{df[9:]}-{padding}-s{s}d{d}-n{size}",
        )


WINDOWS = list(window_cases())


@pytest.mark.parametrize("rank,data_format,padding,strides,dilation,size", WINDOWS)
def test_conv_matches_keras(rank, data_format, padding, strides, dilation, size):
    x = inputs(rank, size, 4, data_format)
    kernel = data((3,) * rank + (2, 6), seed=1)  # two groups
    args = (strides, padding, data_format, dilation)
    assert_same(nn_conv.conv(x, kernel, *args), keras.ops.conv(x, kernel, *args))


@pytest.mark.parametrize("rank,data_format,padding,strides,dilation,size", WINDOWS)
def test_depthwise_and_separable_match_keras(
    rank, data_format, padding, strides, dilation, size
):
    x = inputs(rank, size, 4, data_format)
    depthwise = data((2,) * rank + (4, 2), seed=1)
    pointwise = data((1,) * rank + (8, 3), seed=2)
    args = (strides, padding, data_format, dilation)
    assert_same(
        nn_conv.depthwise_conv(x, depthwise, *args),
        keras.ops.depthwise_conv(x, depthwise, *args),
    )
    assert_same(
        nn_conv.separable_conv(x, depthwise, pointwise, *args),
        keras.ops.separable_conv(x, depthwise, pointwise, *args),
    )


TRANSPOSE = [
    pytest.param(rank, df, padding, s, d, k, op, id=f"{rank}d-{df[9:]}-{padding}-s{s}"
                 f"d{d}-k{k}-op{op}")
    for rank, df in ((1, CL), (1, CF), (2, CL), (2, CF), (3, CL))
    for padding in ("valid", "same")
    for s, d, k, op in (
        (1, 1, 3, None), (2, 1, 3, None), (2, 1, 4, None), (3, 1, 2, None),
        (3, 1, 1, None), (2, 1, 3, 1), (3, 1, 4, 2), (2, 1, 2, 0), (1, 2, 3, None),
        (1, 3, 2, None), (1, 3, 4, None),
    )
    if rank < 3 or (s, d, k, op) in ((2, 1, 3, None), (2, 1, 3, 1))
]  # fmt: skip


@pytest.mark.parametrize("rank,data_format,padding,strides,dilation,k,op", TRANSPOSE)
def test_conv_transpose_matches_keras(
    rank, data_format, padding, strides, dilation, k, op
):
    x = inputs(rank, 5, 4, data_format)
    kernel = data((k,) * rank + (3, 4), seed=1)
    args = (strides, padding, op, data_format, dilation)
    assert_same(
        nn_conv.conv_transpose(x, kernel, *args),
        keras.ops.conv_transpose(x, kernel, *args),
    )


def test_conv_transpose_gradients_match_plain_torch_in_the_fallback_path():
    # Dilation 3 with an even kernel: the output is trimmed rather than shifted.
    x = torch.randn(2, 6, 4, requires_grad=True)
    kernel = torch.randn(2, 3, 4, requires_grad=True)
    out = nn_conv.conv_transpose(x, kernel, padding="same", dilation_rate=3)
    grad = torch.randn_like(out)
    out.backward(grad)
    ref_x = x.detach().clone().requires_grad_(True)
    ref_k = kernel.detach().clone().requires_grad_(True)
    full = torch.nn.functional.conv_transpose1d(
        ref_x.permute(0, 2, 1), ref_k.permute(2, 1, 0), dilation=3
    )
    # Keras: span 4, pads (2, 1) -> crop 1 at the start and 2 at the end.
    ref = full[:, :, 1:-2].permute(0, 2, 1)
    ref.backward(grad)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, ref_x.grad)
    torch.testing.assert_close(kernel.grad, ref_k.grad)


def test_defaults_follow_the_image_data_format(monkeypatch):
    from ember.backend import config

    monkeypatch.setattr(config, "_IMAGE_DATA_FORMAT", CF)
    out = nn_conv.conv(torch.ones(1, 3, 5, 5), torch.ones(3, 3, 3, 2))
    assert out.shape == (1, 2, 3, 3)


def test_padding_is_case_insensitive():
    out = nn_conv.conv(torch.ones(1, 5, 2), torch.ones(3, 2, 1), padding="SAME")
    assert out.shape == (1, 5, 1)


SYMBOLIC = {
    "conv": (nn_conv.conv, keras.ops.conv, [(None, 9, 9, 4), (3, 3, 4, 5)],
             {"strides": 2, "padding": "same"}),
    "conv-none-spatial": (nn_conv.conv, keras.ops.conv, [(2, None, 7, 4), (3, 3, 4, 6)],
                          {}),
    "depthwise": (nn_conv.depthwise_conv, keras.ops.depthwise_conv,
                  [(None, 8, 4), (3, 4, 2)], {"dilation_rate": 2}),
    "separable": (nn_conv.separable_conv, keras.ops.separable_conv,
                  [(None, 4, 8, 8), (3, 3, 4, 1), (1, 1, 4, 2)],
                  {"data_format": CF}),
    "transpose": (nn_conv.conv_transpose, keras.ops.conv_transpose,
                  [(None, 5, 5, 4), (3, 3, 6, 4)], {"strides": 2, "padding": "same"}),
}  # fmt: skip


@pytest.mark.parametrize("ours,theirs,shapes,kwargs", SYMBOLIC.values(), ids=SYMBOLIC)
def test_symbolic_shapes_match_keras(ours, theirs, shapes, kwargs):
    out = ours(*[KerasTensor(s) for s in shapes], **kwargs)
    expected = theirs(*[keras.KerasTensor(s) for s in shapes], **kwargs)
    assert isinstance(out, KerasTensor)
    assert out.shape == tuple(expected.shape)


def test_inputs_of_the_wrong_rank_are_refused():
    with pytest.raises(ValueError, match=r"`conv` expects inputs of rank 3, 4 or 5"):
        nn_conv.conv(torch.ones(4, 4), torch.ones(3, 4, 2))
    with pytest.raises(ValueError, match=r"kernel must have the rank of the inputs"):
        nn_conv.conv(torch.ones(1, 5, 5, 4), torch.ones(3, 4, 2))


def test_channel_mismatches_are_refused():
    with pytest.raises(ValueError, match=r"multiple of the kernel's input channels"):
        nn_conv.conv(torch.ones(1, 5, 5, 5), torch.ones(3, 3, 2, 2))
    with pytest.raises(ValueError, match=r"input channels=5, kernel input channels=4"):
        nn_conv.depthwise_conv(torch.ones(1, 5, 5, 5), torch.ones(3, 3, 4, 1))
    with pytest.raises(ValueError, match=r"`conv_transpose`.*kernel input channels=3"):
        nn_conv.conv_transpose(torch.ones(1, 5, 4), torch.ones(3, 2, 3))


@pytest.mark.parametrize(
    "kwargs,argument",
    [({"strides": 0}, "strides"), ({"dilation_rate": (1, 2, 3)}, "dilation_rate"),
     ({"padding": "full"}, "padding")],
    ids=["strides", "dilation", "padding"],
)  # fmt: skip
def test_bad_window_arguments_are_refused(kwargs, argument):
    with pytest.raises(ValueError, match=f"Invalid value for argument `{argument}`"):
        nn_conv.conv(torch.ones(1, 5, 5, 2), torch.ones(3, 3, 2, 1), **kwargs)


def test_mixed_dtypes_are_promoted():
    out = nn_conv.conv(np.ones((1, 5, 2), "int32"), torch.ones(3, 2, 1))
    assert out.dtype == torch.float32 and out.flatten().tolist() == [6.0] * 3


@pytest.mark.parametrize(
    "name", ["conv", "conv_transpose", "depthwise_conv", "separable_conv"]
)
def test_exported_as_keras_names_them(name):
    from ember import ops

    assert getattr(ops, name) is getattr(ops.nn, name) is getattr(nn_conv, name)
    assert name in ops.__all__
    # Through the public name, against Keras's, on a strided "same" call.
    x = inputs(2, 7, 4, CL)
    kernels = {
        "conv": [data((3, 3, 4, 5), seed=1)],
        "conv_transpose": [data((3, 3, 5, 4), seed=1)],
        "depthwise_conv": [data((3, 3, 4, 2), seed=1)],
        "separable_conv": [data((3, 3, 4, 2), seed=1), data((1, 1, 8, 5), seed=2)],
    }[name]
    kwargs = {"strides": 2, "padding": "same"}
    assert_same(
        getattr(ops, name)(x, *kernels, **kwargs),
        getattr(keras.ops, name)(x, *kernels, **kwargs),
    )
