"""`EinsumDense` against real Keras 3: weight shapes, values, shapes, config."""

import numpy as np
import pytest
import torch

from ember.layers.core.einsum_dense import EinsumDense
from ember.layers.core.input_layer import Input

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


# equation, output_shape, bias_axes, input shape, activation
CASES = {
    "dense": ("ab,bc->ac", 4, None, (3, 5), None),
    "dense_bias": ("ab,bc->ac", 4, "c", (3, 5), "relu"),
    "sequence": ("abc,cd->abd", (None, 4), "d", (2, 3, 5), None),
    "sequence_fixed_length": ("abc,cd->abd", (3, 4), "d", (2, 3, 5), "tanh"),
    "two_output_axes": ("abc,cde->abde", (None, 4, 2), "de", (2, 3, 5), None),
    "bias_on_inner_axis": ("abc,cde->abde", (None, 4, 2), "d", (2, 3, 5), None),
    "heads_split": ("abc,cnh->abnh", (None, 2, 3), "nh", (2, 4, 6), None),
    "heads_merge": ("abnh,nhd->abd", (None, 5), "d", (2, 4, 2, 3), None),
    "ellipsis_left": ("...b,bc->...c", 4, "c", (2, 3, 5), None),
    "ellipsis_left_rank2": ("...b,bc->...c", 4, "c", (3, 5), None),
    "ellipsis_right": ("ab...,bc->ac...", 4, "c", (2, 3, 5), None),
    "ellipsis_right_bias_two": ("ab...,bc->ac...", 4, "c", (2, 3, 5, 2), None),
}


@pytest.mark.parametrize(
    "equation,output_shape,bias_axes,shape,activation", CASES.values(), ids=CASES.keys()
)
def test_matches_keras(equation, output_shape, bias_axes, shape, activation):
    x = np.random.randn(*shape).astype("float32")
    kwargs = dict(
        equation=equation,
        output_shape=output_shape,
        bias_axes=bias_axes,
        activation=activation,
        bias_initializer="random_normal",
    )
    theirs = keras.layers.EinsumDense(**kwargs)
    expected = _np(theirs(x))
    ours = EinsumDense(**kwargs)
    ours.build(shape)
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]
    ours.set_weights(theirs.get_weights())
    out = ours(x)
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(_np(out), expected, atol=1e-5)


@pytest.mark.parametrize(
    "equation,output_shape,bias_axes,shape,activation", CASES.values(), ids=CASES.keys()
)
def test_symbolic_shape_matches_keras(
    equation, output_shape, bias_axes, shape, activation
):
    kwargs = dict(equation=equation, output_shape=output_shape, bias_axes=bias_axes)
    layer = EinsumDense(**kwargs)
    ours = layer(Input(shape=shape[1:]))
    theirs = keras.layers.EinsumDense(**kwargs)(keras.Input(shape=shape[1:]))
    # Keras leaves the `None`s of `output_shape` unknown even where the input
    # fixes them; ember knows those sizes (the eager output's).
    assert ours.shape == (None, *layer(torch.zeros(shape)).shape[1:])
    for mine, keras_size in zip(ours.shape, theirs.shape, strict=True):
        assert keras_size is None or mine == keras_size


def test_hand_computed():
    layer = EinsumDense("ab,bc->ac", output_shape=2, bias_axes="c")
    layer.build((1, 2))
    layer.set_weights([np.array([[1.0, 0.0], [1.0, 2.0]]), np.array([0.0, 1.0])])
    assert layer(torch.tensor([[3.0, 4.0]])).tolist() == [[7.0, 9.0]]


def test_kernel_fans_follow_the_equation():
    # Glorot with fans from the equation: fan_in = 64 (c), fan_out = 4 * 16
    # (n, h), so std = sqrt(2 / 128); fans from the kernel shape alone would
    # give sqrt(2 / (256 + 1024)), three times smaller.
    layer = EinsumDense(
        "abc,cnh->abnh", (None, 4, 16), kernel_initializer="glorot_normal"
    )
    layer.build((None, 3, 64))
    assert layer.kernel.std().item() == pytest.approx(np.sqrt(2 / 128), rel=0.1)
    theirs = keras.layers.EinsumDense(
        "abc,cnh->abnh", (None, 4, 16), kernel_initializer="glorot_normal"
    )
    theirs.build((None, 3, 64))
    assert np.std(theirs.get_weights()[0]) == pytest.approx(np.sqrt(2 / 128), rel=0.1)


def test_every_trainable_weight_gets_a_gradient():
    layer = EinsumDense("abc,cd->abd", (None, 4), bias_axes="d", activation="relu")
    layer(torch.randn(2, 3, 5)).sum().backward()
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert all(w.grad is not None for w in layer.trainable_weights)


def test_compute_output_shape():
    layer = EinsumDense("abc,cd->abd", (None, 4))
    assert layer.compute_output_shape((None, 7, 5)) == (None, 7, 4)


CONFIGS = {
    "dense": {"equation": "ab,bc->ac", "output_shape": 4},
    "bias": {"equation": "abc,cd->abd", "output_shape": (None, 4), "bias_axes": "d"},
    "options": {
        "equation": "...b,bc->...c",
        "output_shape": 3,
        "activation": "relu",
        "kernel_initializer": "he_uniform",
        "kernel_regularizer": "l2",
        "bias_constraint": "non_neg",
    },
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = EinsumDense(name="e", **kwargs).get_config()
    assert config == keras.layers.EinsumDense(name="e", **kwargs).get_config()
    assert EinsumDense.from_config(config).get_config() == config


ERRORS = {
    "bad_equation": (dict(equation="ab->b", output_shape=2), None, "`equation`"),
    "shared_axis_mismatch": (
        dict(equation="abc,cd->abd", output_shape=(4, 2)),
        (None, 3, 5),
        "shared axis 'b'",
    ),
    "bias_not_output": (
        dict(equation="ab,bc->ac", output_shape=2, bias_axes="b"),
        (None, 3),
        "bias axis 'b'",
    ),
    "kernel_axis_unmatched": (
        dict(equation="ab,bz->ab", output_shape=3),
        (None, 3),
        "kernel axis 'z'",
    ),
    "rank_without_ellipsis": (
        dict(equation="ab,bc->ac", output_shape=2),
        (None, 3, 4),
        "rank 2",
    ),
    "output_shape_length": (
        dict(equation="abc,cd->abd", output_shape=4),
        (None, 3, 5),
        "must give 2 sizes",
    ),
}


@pytest.mark.parametrize("kwargs,shape,match", ERRORS.values(), ids=ERRORS.keys())
def test_errors_explain(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        layer = EinsumDense(**kwargs)
        layer.build(shape)


@pytest.mark.parametrize("output_shape", [None, 2.5, (4, "a"), (0,)], ids=str)
def test_bad_output_shape_is_refused(output_shape):
    with pytest.raises(ValueError, match="`output_shape` of `EinsumDense`"):
        EinsumDense("ab,bc->ac", output_shape)
