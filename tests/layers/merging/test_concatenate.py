"""`Concatenate` against real Keras 3: values, masks, shapes, config, errors."""

import numpy as np
import pytest
import torch
from custom_layers import Linear

from ember.layers.core.input_layer import Input
from ember.layers.merging.concatenate import Concatenate, concatenate
from ember.models import Model

keras = pytest.importorskip("keras")


def _np(x):
    # Keras on torch returns torch tensors.
    return x.detach().cpu().numpy()


def _inputs(shapes):
    return [np.random.randn(*s).astype("float32") for s in shapes]


CASES = {
    "rank2_axis-1": (-1, [(4, 3), (4, 5)]),
    "rank2_axis1": (1, [(4, 3), (4, 2), (4, 1)]),
    "rank3_axis-1": (-1, [(2, 5, 3), (2, 5, 4)]),
    "rank3_axis1": (1, [(2, 5, 3), (2, 2, 3)]),
    "rank3_axis2": (2, [(2, 5, 3), (2, 5, 1), (2, 5, 2)]),
    "rank3_axis-2": (-2, [(2, 1, 3), (2, 4, 3)]),
    "rank4_axis1": (1, [(2, 3, 4, 5), (2, 1, 4, 5)]),
    "rank4_axis3": (3, [(2, 3, 4, 5), (2, 3, 4, 2)]),
    "rank3_axis0": (0, [(2, 5, 3), (1, 5, 3)]),
}


@pytest.mark.parametrize("axis,shapes", CASES.values(), ids=CASES.keys())
def test_matches_keras(axis, shapes):
    xs = _inputs(shapes)
    expected = _np(keras.layers.Concatenate(axis=axis)(xs))
    np.testing.assert_array_equal(Concatenate(axis=axis)(xs).numpy(), expected)
    np.testing.assert_array_equal(concatenate(xs, axis=axis).numpy(), expected)


def test_hand_computed():
    a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0]])
    assert Concatenate()([a, b]).tolist() == [[1.0, 2.0, 3.0]]
    assert Concatenate(axis=0)([a, a]).tolist() == [[1.0, 2.0], [1.0, 2.0]]


def test_gradients_are_split_back():
    a = torch.randn(2, 3, requires_grad=True)
    b = torch.randn(2, 2, requires_grad=True)
    weights = torch.randn(2, 5)
    (Concatenate()([a, b]) * weights).sum().backward()
    torch.testing.assert_close(a.grad, weights[:, :3])
    torch.testing.assert_close(b.grad, weights[:, 3:])


MASK_CASES = {
    "axis-1_both": (-1, [(2, 5, 3), (2, 5, 4)], (True, True)),
    "axis-1_first": (-1, [(2, 5, 3), (2, 5, 4)], (True, False)),
    "axis1_both": (1, [(2, 5, 3), (2, 4, 3)], (True, True)),
    "axis1_second": (1, [(2, 5, 3), (2, 4, 3)], (False, True)),
    "axis1_three": (1, [(2, 5, 3), (2, 4, 3), (2, 2, 3)], (True, False, True)),
    "full_rank_masks": (1, [(2, 5), (2, 3)], (True, True)),
    "none": (-1, [(2, 5, 3), (2, 5, 4)], (False, False)),
}


def _mask_for(shape, full_rank):
    return np.random.rand(*(shape if full_rank else shape[:-1])) > 0.4


@pytest.mark.parametrize("axis,shapes,pattern", MASK_CASES.values(), ids=MASK_CASES)
def test_compute_mask_matches_keras(axis, shapes, pattern):
    full_rank = len(shapes[0]) == 2
    tensors = [torch.tensor(x) for x in _inputs(shapes)]
    masks = [
        torch.tensor(_mask_for(s, full_rank)) if keep else None
        for s, keep in zip(shapes, pattern, strict=True)
    ]
    got = Concatenate(axis=axis).compute_mask(tensors, masks)
    expected = keras.layers.Concatenate(axis=axis).compute_mask(tensors, masks)
    if expected is None:
        assert got is None
    else:
        assert got.dtype == torch.bool
        np.testing.assert_array_equal(got.numpy(), _np(expected))


def test_masks_attached_to_inputs_give_the_output_mask():
    shapes = [(2, 5, 3), (2, 4, 3)]
    xs = _inputs(shapes)
    tensors = [torch.tensor(x) for x in xs]
    tensors[0]._keras_mask = torch.tensor(_mask_for(shapes[0], False))
    ktensors = [torch.tensor(x) for x in xs]
    ktensors[0]._keras_mask = tensors[0]._keras_mask
    out = Concatenate(axis=1)(tensors)
    expected = keras.layers.Concatenate(axis=1)(ktensors)
    np.testing.assert_array_equal(out._keras_mask.numpy(), _np(expected._keras_mask))


def test_symbolic_shapes_match_keras():
    shapes = [(None, 5, 3), (None, None, 3)]
    out = Concatenate(axis=1)([Input(batch_shape=s) for s in shapes])
    kout = keras.layers.Concatenate(axis=1)(
        [keras.Input(batch_shape=s) for s in shapes]
    )
    assert out.shape == tuple(kout.shape) == (None, None, 3)
    out = Concatenate()([Input(shape=(5, 3)), Input(shape=(5, 4))])
    assert out.shape == (None, 5, 7)


def test_functional_model_matches_keras():
    a, b = Input(shape=(6,)), Input(shape=(10,))
    ember_model = Model([a, b], Linear(4)(concatenate([Linear(8)(a), Linear(3)(b)])))

    ka, kb = keras.Input(shape=(6,)), keras.Input(shape=(10,))
    dense = keras.layers.Dense
    merged = keras.layers.concatenate([dense(8)(ka), dense(3)(kb)])
    keras_model = keras.Model([ka, kb], dense(4)(merged))

    assert ember_model.output_shape == keras_model.output_shape == (None, 4)
    assert ember_model.count_params() == keras_model.count_params()
    assert ember_model([np.ones((3, 6)), np.ones((3, 10))]).shape == (3, 4)


@pytest.mark.parametrize("axis", [-1, 1, 2], ids=str)
def test_get_config_matches_keras_and_round_trips(axis):
    config = Concatenate(axis=axis, name="cat").get_config()
    assert config == keras.layers.Concatenate(axis=axis, name="cat").get_config()
    rebuilt = Concatenate.from_config(config)
    assert rebuilt.axis == axis and rebuilt.get_config() == config


def test_repr_shows_axis():
    assert "axis=1" in repr(Concatenate(axis=1))


# ------------------------------------------------------------------ errors
def test_mismatched_sizes_error_names_layer_shapes_and_axis():
    with pytest.raises(ValueError) as error:
        Concatenate(axis=1, name="joiner")([np.ones((2, 5, 3)), np.ones((2, 4, 2))])
    message = str(error.value)
    assert "`Concatenate` (layer 'joiner')" in message
    assert "(2, 5, 3) and (2, 4, 2)" in message and "axis 2" in message
    with pytest.raises(ValueError, match=r"\(None, 3\) and \(None, 4\)"):
        Concatenate(axis=0)([Input(shape=(3,)), Input(shape=(4,))])
    with pytest.raises(ValueError):
        keras.layers.Concatenate(axis=1)([np.ones((2, 5, 3)), np.ones((2, 4, 2))])


def test_mismatched_ranks_error():
    with pytest.raises(ValueError, match="equal rank"):
        Concatenate()([np.ones((2, 3)), np.ones((2, 4, 3))])


def test_axis_out_of_range_error():
    with pytest.raises(ValueError, match=r"axis=3.*out of range.*\[-3, 2\]"):
        Concatenate(axis=3)([np.ones((2, 5, 3)), np.ones((2, 5, 3))])


def test_checked_again_at_call_time():
    layer = Concatenate(axis=1)
    layer([np.ones((2, 5, 3)), np.ones((2, 4, 3))])
    with pytest.raises(ValueError, match=r"\(2, 5, 3\) and \(2, 4, 2\)"):
        layer([np.ones((2, 5, 3)), np.ones((2, 4, 2))])


def test_single_tensor_error():
    with pytest.raises(ValueError, match="must be called on a list of tensors"):
        Concatenate()(np.ones((2, 3)))


def test_invalid_axis_argument():
    with pytest.raises(
        ValueError, match="`axis` of `Concatenate`: expected an integer"
    ):
        Concatenate(axis="last")
