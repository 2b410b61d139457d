"""`ReLU`, `LeakyReLU`, `PReLU`, `ELU` and `Softmax` against real Keras 3
(values, weights, masks, configs), plain torch (gradients), by hand; the
standard layer checks and errors that name the layer."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.activations.elu import ELU
from ember.layers.activations.leaky_relu import LeakyReLU
from ember.layers.activations.prelu import PReLU
from ember.layers.activations.relu import ReLU
from ember.layers.activations.softmax import Softmax
from ember.layers.core.input_layer import Input
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _x(shape, scale=3.0, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(
        "float32"
    )


# ---------------------------------------------------------------- oracles
ORACLE_CASES = {
    "relu": (ReLU, {}),
    "relu6": (ReLU, {"max_value": 6.0}),
    "relu_slope": (ReLU, {"negative_slope": 0.1}),
    "relu_threshold": (ReLU, {"threshold": 0.5}),
    "relu_all": (ReLU, {"max_value": 2.5, "negative_slope": 0.2, "threshold": 0.3}),
    "relu_max_threshold": (ReLU, {"max_value": 1.0, "threshold": 0.2}),
    "relu_slope_max": (ReLU, {"max_value": 6, "negative_slope": 0.5}),
    "leaky_default": (LeakyReLU, {}),
    "leaky_zero": (LeakyReLU, {"negative_slope": 0.0}),
    "leaky_small": (LeakyReLU, {"negative_slope": 0.01}),
    "elu": (ELU, {}),
    "elu_alpha": (ELU, {"alpha": 0.5}),
    "prelu": (PReLU, {"alpha_initializer": "random_uniform"}),
    "prelu_shared_spatial": (
        PReLU,
        {"alpha_initializer": "random_normal", "shared_axes": [1, 2]},
    ),
    "prelu_shared_int": (PReLU, {"alpha_initializer": "ones", "shared_axes": 3}),
    "softmax": (Softmax, {}),
    "softmax_axis1": (Softmax, {"axis": 1}),
    "softmax_two_axes": (Softmax, {"axis": (1, 2)}),
    "softmax_one_axis_list": (Softmax, {"axis": [2]}),
}


@pytest.mark.parametrize("cls,kwargs", ORACLE_CASES.values(), ids=ORACLE_CASES)
def test_matches_keras(cls, kwargs):
    ours, theirs, _, _ = assert_matches_keras(cls, kwargs, _x((2, 3, 4, 5)))
    # Auto names count differently in the two libraries; the rest must agree.
    assert {**ours.get_config(), "name": None} == {**theirs.get_config(), "name": None}
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]


@pytest.mark.parametrize("value", [-1.0, 0.0, 0.5, 1.0, 6.0, 7.0])
def test_relu_edges_match_keras(value):
    # Values exactly on the threshold and on max_value.
    x = np.full((1, 3), value, "float32")
    for kwargs in ({"threshold": 0.5, "max_value": 6.0}, {"threshold": 1.0}):
        assert_matches_keras(ReLU, {**kwargs, "negative_slope": 0.1}, x, atol=0)


MASK_CASES = {
    "same_shape_bool": ((2, 3, 5), lambda r: r.random((2, 3, 5)) > 0.3, -1),
    "broadcast_rows": ((2, 4, 4), lambda r: r.random((2, 1, 4)) > 0.3, -1),
    "float_mask": ((2, 3, 5), lambda r: (r.random((2, 3, 5)) > 0.3) * 1.0, -1),
    "lower_rank": ((2, 3, 5), lambda r: r.random((5,)) > 0.2, -1),
    "other_axis": ((2, 3, 5), lambda r: r.random((2, 3, 5)) > 0.3, 1),
    "two_axes": ((2, 3, 5), lambda r: r.random((2, 3, 5)) > 0.3, (1, 2)),
}


@pytest.mark.parametrize("shape,make_mask,axis", MASK_CASES.values(), ids=MASK_CASES)
def test_softmax_mask_matches_keras(shape, make_mask, axis):
    mask = make_mask(np.random.default_rng(1))
    mask = mask.astype("float32") if mask.dtype != bool else mask
    _, _, (ours,), _ = assert_matches_keras(
        Softmax, {"axis": axis}, _x(shape), call_kwargs={"mask": mask}
    )
    assert np.all(ours[~np.broadcast_to(mask > 0.5, shape)] == 0)


def test_softmax_uses_the_mask_carried_by_its_input():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    x._keras_mask = torch.tensor([[True, True, False]])
    out = Softmax()(x)
    expected = torch.softmax(torch.tensor([1.0, 2.0]), 0)
    torch.testing.assert_close(out[0, :2], expected)
    assert out[0, 2] == 0


def test_float16_softmax_mask_matches_keras():
    x = _x((2, 6))
    mask = np.random.default_rng(2).random((2, 6)) > 0.4
    # A float16 layer: the masked logits take float16's large negative value.
    theirs = keras.layers.Softmax(dtype="float16")(x.astype("float16"), mask=mask)
    ours = Softmax(dtype="float16")(torch.as_tensor(x), mask=torch.as_tensor(mask))
    assert ours.dtype == torch.float16 and theirs.dtype == torch.float16
    np.testing.assert_allclose(
        ours.float().numpy(), theirs.float().cpu().numpy(), atol=1e-3
    )


def test_leaky_relu_alpha_is_deprecated_like_keras():
    with pytest.warns(UserWarning, match="negative_slope"):
        layer = LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2
    x = _x((3, 4))
    with pytest.warns(UserWarning):
        theirs = keras.layers.LeakyReLU(alpha=0.2)
    np.testing.assert_allclose(layer(x).numpy(), theirs(x).numpy(), atol=1e-6)
    assert layer.get_config() == {**theirs.get_config(), "name": layer.name}


# ------------------------------------------------------------- by hand
def test_hand_computed():
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0, 8.0])
    assert ReLU()(x).tolist() == [0.0, 0.0, 0.0, 0.5, 2.0, 8.0]
    assert ReLU(max_value=6.0)(x).tolist() == [0.0, 0.0, 0.0, 0.5, 2.0, 6.0]
    # Below the threshold: negative_slope * (x - threshold).
    assert ReLU(negative_slope=0.5, threshold=1.0)(x).tolist() == [
        -1.5,
        -0.75,
        -0.5,
        -0.25,
        2.0,
        8.0,
    ]
    assert LeakyReLU()(x).tolist() == pytest.approx([-0.6, -0.15, 0, 0.5, 2, 8])
    assert ELU(alpha=2.0)(torch.tensor([-1.0, 1.0])).tolist() == pytest.approx(
        [2.0 * (np.exp(-1.0) - 1.0), 1.0]
    )
    prelu = PReLU(alpha_initializer="constant")  # Constant(0.0)
    prelu.build((1, 2))
    prelu.set_weights([np.array([0.25, 2.0], "float32")])
    assert prelu(torch.tensor([[-4.0, -4.0]])).tolist() == [[-1.0, -8.0]]
    out = Softmax()(torch.tensor([[0.0, np.log(3.0)]]))
    torch.testing.assert_close(out, torch.tensor([[0.25, 0.75]]))


def test_prelu_forward_and_gradients_match_torch():
    layer = PReLU(alpha_initializer="random_uniform", shared_axes=[1, 2])
    x = torch.randn(2, 3, 3, 4, requires_grad=True)
    out = layer(x)
    weight = torch.linspace(-1, 1, 4)
    (out * weight).sum().backward()
    ref_x = x.detach().clone().requires_grad_(True)
    ref_alpha = layer.alpha.detach().clone().requires_grad_(True)
    # torch's prelu wants channels on dim 1.
    ref = torch.nn.functional.prelu(ref_x.movedim(-1, 1), ref_alpha.reshape(-1))
    (ref.movedim(1, -1) * weight).sum().backward()
    torch.testing.assert_close(out, ref.movedim(1, -1))
    torch.testing.assert_close(x.grad, ref_x.grad)
    torch.testing.assert_close(layer.alpha.grad, ref_alpha.grad)


def test_prelu_negative_shared_axis_counts_from_the_end():
    # Keras 3.15 would give (3, 1, 5) here: its `param_shape[i - 1]` shifts
    # negative axes by one. ember shares the axis that was asked for.
    layer = PReLU(shared_axes=[-1])
    layer(torch.randn(2, 3, 4, 5))
    assert tuple(layer.alpha.shape) == (3, 4, 1)


def test_prelu_weight_follows_keras_layout():
    layer = PReLU(shared_axes=[1])
    layer(torch.randn(2, 5, 3))
    theirs = keras.layers.PReLU(shared_axes=[1])
    theirs(np.zeros((2, 5, 3), "float32"))
    assert tuple(layer.alpha.shape) == tuple(theirs.alpha.shape) == (1, 3)


# ------------------------------------------------------------ harness
LAYER_CASES = {
    "relu": (ReLU, {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.2}, 0),
    "leaky_relu": (LeakyReLU, {"negative_slope": 0.2}, 0),
    "elu": (ELU, {"alpha": 0.7}, 0),
    "prelu": (PReLU, {"alpha_initializer": "ones"}, 1),
    "prelu_shared": (PReLU, {"shared_axes": [1]}, 1),
    "softmax": (Softmax, {"axis": 1}, 0),
    "softmax_tuple": (Softmax, {"axis": (1, 2)}, 0),
}


@pytest.mark.parametrize("cls,kwargs,weights", LAYER_CASES.values(), ids=LAYER_CASES)
def test_standard_layer_checks(cls, kwargs, weights):
    run_layer_test(
        cls,
        kwargs,
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=weights,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_masks_pass_through():
    x = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, False, True]] * 2)
    x._keras_mask = mask
    for layer in (ReLU(), LeakyReLU(), ELU(), PReLU()):
        assert torch.equal(layer(x)._keras_mask, mask), layer.name
    # Softmax consumes the mask, as Keras's does: a (batch, steps) mask of a
    # (batch, steps, features) input does not broadcast, so it is refused.
    x._keras_mask = torch.ones(2, 3, 1, dtype=torch.bool)
    assert torch.equal(Softmax()(x)._keras_mask, x._keras_mask)


def test_symbolic_shapes():
    inputs = Input(shape=(None, 4))
    for layer in (ReLU(), LeakyReLU(), ELU(), PReLU(shared_axes=1), Softmax()):
        assert layer(inputs).shape == (None, None, 4)


# -------------------------------------------------------------- errors
BAD_ARGUMENTS = {
    "relu_max_value": (ReLU, {"max_value": -1.0}, "max_value"),
    "relu_slope": (ReLU, {"negative_slope": -0.1}, "negative_slope"),
    "relu_threshold": (ReLU, {"threshold": None}, "threshold"),
    "leaky_slope": (LeakyReLU, {"negative_slope": -1}, "negative_slope"),
    "leaky_none": (LeakyReLU, {"negative_slope": None}, "negative_slope"),
    "elu_alpha": (ELU, {"alpha": "big"}, "alpha"),
    "prelu_axes": (PReLU, {"shared_axes": ["a"]}, "shared_axes"),
    "softmax_axis": (Softmax, {"axis": 1.5}, "axis"),
}


@pytest.mark.parametrize(
    "cls,kwargs,argument", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS
)
def test_bad_arguments_name_layer_and_argument(cls, kwargs, argument):
    with pytest.raises(ValueError, match=rf"`{argument}` of `{cls.__name__}`"):
        cls(**kwargs)


def test_prelu_batch_axis_cannot_be_shared():
    with pytest.raises(ValueError, match=r"PReLU.*'pr'.*shared_axes=\[0\].*\(2, 3\)"):
        PReLU(shared_axes=[0], name="pr")(torch.ones(2, 3))


def test_prelu_unknown_size_asks_for_shared_axes():
    with pytest.raises(ValueError, match=r"PReLU.*'pr'.*unknown.*shared_axes"):
        PReLU(name="pr")(Input(shape=(None, 3)))


def test_prelu_wrong_shape_after_build_names_layer():
    layer = PReLU(name="pr")
    layer(torch.ones(2, 3))
    with pytest.raises(ValueError, match=r'"pr".*axis 1.*value 3.*\(2, 4\)'):
        layer(torch.ones(2, 4))


def test_softmax_mask_not_broadcastable_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Softmax.*'sm'.*\(2, 3\).*\(2, 4\)"):
        Softmax(name="sm")(torch.ones(2, 4), mask=torch.ones(2, 3, dtype=torch.bool))
