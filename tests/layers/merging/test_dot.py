"""`Dot` against real Keras 3: axes, normalization, shapes, config, errors."""

import numpy as np
import pytest
import torch
from custom_layers import Linear

from ember.layers.core.input_layer import Input
from ember.layers.merging.dot import Dot, dot
from ember.models import Model

keras = pytest.importorskip("keras")


def _np(x):
    # Keras on torch returns torch tensors.
    return x.detach().cpu().numpy()


def _inputs(shapes):
    return [np.random.randn(*s).astype("float32") for s in shapes]


CASES = {
    "rank2_int-1": (-1, [(4, 3), (4, 3)]),
    "rank2_int1": (1, [(4, 3), (4, 3)]),
    "rank3_int1": (1, [(2, 5, 3), (2, 5, 4)]),
    "rank3_int2": (2, [(2, 5, 3), (2, 4, 3)]),
    "rank3_int-1": (-1, [(2, 5, 3), (2, 4, 3)]),
    "rank3_pair12": ((1, 2), [(2, 5, 3), (2, 4, 5)]),
    "rank3_pair21": ((2, 1), [(2, 5, 3), (2, 3, 4)]),
    "rank3_pair-1-2": ((-1, -2), [(2, 5, 3), (2, 3, 4)]),
    "rank2_rank3": ((1, 2), [(2, 4), (2, 5, 4)]),
    "rank3_rank2": ([2, 1], [(2, 5, 4), (2, 4)]),
    "rank4_rank3": ((2, 1), [(2, 3, 4, 5), (2, 4, 6)]),
    "rank4_rank4": ((3, 2), [(2, 3, 4, 5), (2, 2, 5, 3)]),
}


@pytest.mark.parametrize("normalize", [False, True], ids=["raw", "normalized"])
@pytest.mark.parametrize("axes,shapes", CASES.values(), ids=CASES.keys())
def test_matches_keras(axes, shapes, normalize):
    xs = _inputs(shapes)
    expected = _np(keras.layers.Dot(axes=axes, normalize=normalize)(xs))
    out = Dot(axes=axes, normalize=normalize)(xs)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5, rtol=1e-5)
    functional = dot(xs, axes=axes, normalize=normalize)
    np.testing.assert_allclose(functional.numpy(), expected, atol=1e-5, rtol=1e-5)


def test_functional_default_axes_matches_keras():
    xs = _inputs([(3, 4, 5), (3, 2, 5)])
    expected = _np(keras.layers.dot(xs))
    np.testing.assert_allclose(dot(xs).numpy(), expected, atol=1e-5, rtol=1e-5)


def test_hand_computed():
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.tensor([[5.0, 6.0], [1.0, 0.0]])
    assert Dot(axes=1)([a, b]).tolist() == [[17.0], [3.0]]
    cosine = Dot(axes=1, normalize=True)([a, a])
    torch.testing.assert_close(cosine, torch.ones(2, 1))


def test_normalize_zero_vector_gives_zero_like_keras():
    xs = [np.zeros((2, 3), "float32"), np.ones((2, 3), "float32")]
    expected = _np(keras.layers.Dot(axes=1, normalize=True)(xs))
    out = Dot(axes=1, normalize=True)(xs)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert not torch.isnan(out).any()


def test_gradients_match_einsum_reference():
    a = torch.randn(2, 5, 3, requires_grad=True)
    b = torch.randn(2, 4, 5, requires_grad=True)
    weights = torch.randn(2, 3, 4)
    (Dot(axes=(1, 2))([a, b]) * weights).sum().backward()
    grads = a.grad.clone(), b.grad.clone()
    a.grad, b.grad = None, None
    (torch.einsum("bkx,byk->bxy", a, b) * weights).sum().backward()
    torch.testing.assert_close(grads, (a.grad, b.grad))


def test_drops_masks_like_keras():
    xs = _inputs([(2, 5, 3), (2, 5, 3)])
    tensors = [torch.tensor(x) for x in xs]
    for t in tensors:
        t._keras_mask = torch.ones(2, 5, dtype=torch.bool)
    out = Dot(axes=1)(tensors)
    assert getattr(out, "_keras_mask", None) is None
    assert Dot(axes=1).compute_mask(tensors, [t._keras_mask for t in tensors]) is None
    kout = keras.layers.Dot(axes=1)(tensors)
    assert getattr(kout, "_keras_mask", None) is None


@pytest.mark.parametrize(
    "axes,shapes",
    [(1, [(None, 5, 3), (None, 5, 4)]), ((2, 1), [(None, 3, 4, 5), (None, 4, 6)])],
    ids=["int", "pair"],
)
def test_symbolic_shapes_match_keras(axes, shapes):
    out = Dot(axes=axes)([Input(batch_shape=s) for s in shapes])
    kout = keras.layers.Dot(axes=axes)([keras.Input(batch_shape=s) for s in shapes])
    assert out.shape == tuple(kout.shape)


def test_functional_model_matches_keras():
    a, b = Input(shape=(6,)), Input(shape=(10,))
    merged = Dot(axes=1, normalize=True)([Linear(8)(a), Linear(8)(b)])
    ember_model = Model([a, b], Linear(2)(merged))

    ka, kb = keras.Input(shape=(6,)), keras.Input(shape=(10,))
    dense = keras.layers.Dense
    kmerged = keras.layers.Dot(axes=1, normalize=True)([dense(8)(ka), dense(8)(kb)])
    keras_model = keras.Model([ka, kb], dense(2)(kmerged))

    assert ember_model.output_shape == keras_model.output_shape == (None, 2)
    assert ember_model.count_params() == keras_model.count_params()
    assert ember_model([np.ones((3, 6)), np.ones((3, 10))]).shape == (3, 2)


@pytest.mark.parametrize(
    "axes,normalize", [(1, False), ((1, 2), True), ([2, 1], False)], ids=str
)
def test_get_config_matches_keras_and_round_trips(axes, normalize):
    config = Dot(axes=axes, normalize=normalize, name="d").get_config()
    expected = keras.layers.Dot(axes=axes, normalize=normalize, name="d").get_config()
    assert config == expected
    rebuilt = Dot.from_config(config)
    assert rebuilt.axes == axes and rebuilt.normalize == normalize
    assert rebuilt.get_config() == config


def test_repr_shows_axes():
    assert "axes=(1, 2), normalize=True" in repr(Dot(axes=(1, 2), normalize=True))


# ------------------------------------------------------------------ errors
def test_mismatched_axis_sizes_error():
    with pytest.raises(ValueError) as error:
        Dot(axes=1, name="sim")([np.ones((2, 3)), np.ones((2, 4))])
    message = str(error.value)
    assert "`Dot` (layer 'sim')" in message and "(2, 3) and (2, 4)" in message
    assert "size 3" in message and "size 4" in message
    with pytest.raises(ValueError, match=r"\(None, 3\) and \(None, 4\)"):
        Dot(axes=-1)([Input(shape=(3,)), Input(shape=(4,))])
    with pytest.raises(ValueError):
        keras.layers.Dot(axes=1)([np.ones((2, 3)), np.ones((2, 4))])


@pytest.mark.parametrize("count", [1, 3], ids=str)
def test_needs_exactly_two_inputs(count):
    with pytest.raises(ValueError, match=f"exactly 2 inputs.*received {count}"):
        Dot(axes=1)([np.ones((2, 3))] * count)


def test_batch_axis_error():
    with pytest.raises(ValueError, match="batch axis 0"):
        Dot(axes=(0, 1))([np.ones((2, 2)), np.ones((2, 2))])


def test_axis_out_of_range_error():
    with pytest.raises(ValueError, match="out of range"):
        Dot(axes=3)([np.ones((2, 3)), np.ones((2, 3))])


def test_rank_one_inputs_error():
    with pytest.raises(ValueError, match="rank >= 2"):
        Dot(axes=-1)([np.ones((3,)), np.ones((3,))])


def test_single_tensor_error():
    with pytest.raises(ValueError, match="must be called on a list of tensors"):
        Dot(axes=1)(np.ones((2, 3)))


def test_invalid_axes_arguments():
    with pytest.raises(TypeError, match="`axes` of `Dot`"):
        Dot(axes="last")
    with pytest.raises(ValueError, match="`axes` of `Dot`.*pair of integers"):
        Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="`axes` of `Dot`"):
        Dot(axes=(1, 1.5))
    with pytest.raises(TypeError, match="missing the required argument `axes`"):
        Dot()
