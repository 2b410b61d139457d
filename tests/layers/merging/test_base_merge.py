"""Elementwise merging layers (`Add`, `Subtract`, `Multiply`, `Average`,
`Maximum`, `Minimum`) against real Keras 3, plus shared `Merge` behaviour."""

import numpy as np
import pytest
import torch
from custom_layers import Linear

from ember.layers.core.input_layer import Input
from ember.layers.layer import Layer
from ember.layers.merging.add import Add, add
from ember.layers.merging.average import Average, average
from ember.layers.merging.maximum import Maximum, maximum
from ember.layers.merging.minimum import Minimum, minimum
from ember.layers.merging.multiply import Multiply, multiply
from ember.layers.merging.subtract import Subtract, subtract
from ember.models import Model

keras = pytest.importorskip("keras")

LAYERS = {
    "Add": (Add, add),
    "Subtract": (Subtract, subtract),
    "Multiply": (Multiply, multiply),
    "Average": (Average, average),
    "Maximum": (Maximum, maximum),
    "Minimum": (Minimum, minimum),
}
NAMES = list(LAYERS)

SHAPES = {
    "2in_rank2": [(4, 3), (4, 3)],
    "2in_rank3": [(2, 5, 3), (2, 5, 3)],
    "2in_rank4": [(2, 3, 4, 5), (2, 3, 4, 5)],
    "3in_rank2": [(4, 3), (4, 3), (4, 3)],
    "3in_rank4": [(2, 3, 2, 4), (2, 3, 2, 4), (2, 3, 2, 4)],
    "broadcast_last": [(4, 3), (4, 1)],
    "broadcast_both": [(2, 4, 1), (2, 1, 5)],
    "broadcast_rank": [(2, 3), (2, 4, 3)],
    "3in_broadcast": [(2, 4, 3), (2, 1, 3), (2, 4, 1)],
}


def _np(x):
    # Keras on torch returns torch tensors.
    return x.detach().cpu().numpy()


def _inputs(shapes):
    return [np.random.randn(*s).astype("float32") for s in shapes]


def _cases():
    for name in NAMES:
        for key, shapes in SHAPES.items():
            if name == "Subtract" and len(shapes) != 2:
                continue
            yield pytest.param(name, shapes, id=f"{name}-{key}")


@pytest.mark.parametrize("name,shapes", list(_cases()))
def test_matches_keras(name, shapes):
    xs = _inputs(shapes)
    cls, fn = LAYERS[name]
    expected = _np(getattr(keras.layers, name)()(xs))
    out = cls()(xs)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(fn(xs).numpy(), expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_hand_computed(name):
    a = torch.tensor([[1.0, 6.0, -2.0]])
    b = torch.tensor([[3.0, 2.0, -4.0]])
    expected = {
        "Add": [[4.0, 8.0, -6.0]],
        "Subtract": [[-2.0, 4.0, 2.0]],
        "Multiply": [[3.0, 12.0, 8.0]],
        "Average": [[2.0, 4.0, -3.0]],
        "Maximum": [[3.0, 6.0, -2.0]],
        "Minimum": [[1.0, 2.0, -4.0]],
    }[name]
    assert LAYERS[name][0]()([a, b]).tolist() == expected


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_gradients_match_torch_reference(name):
    a = torch.randn(3, 4, requires_grad=True)
    b = torch.randn(3, 4, requires_grad=True)
    reference = {
        "Add": lambda x, y: x + y,
        "Subtract": lambda x, y: x - y,
        "Multiply": lambda x, y: x * y,
        "Average": lambda x, y: (x + y) / 2,
        "Maximum": torch.maximum,
        "Minimum": torch.minimum,
    }[name]
    weights = torch.randn(3, 4)
    (LAYERS[name][0]()([a, b]) * weights).sum().backward()
    grads = a.grad.clone(), b.grad.clone()
    a.grad, b.grad = None, None
    (reference(a, b) * weights).sum().backward()
    torch.testing.assert_close(grads, (a.grad, b.grad))


def _masked_pair(seed):
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal((2, 5, 3)).astype("float32") for _ in range(3)]
    masks = [rng.random((2, 5)) > 0.4 for _ in range(3)]
    return xs, masks


def _with_masks(xs, masks):
    tensors = []
    for x, m in zip(xs, masks, strict=True):
        t = torch.tensor(x)
        if m is not None:
            t._keras_mask = torch.tensor(m)
        tensors.append(t)
    return tensors


MASK_PATTERNS = {
    "all": (True, True),
    "first": (True, False),
    "second": (False, True),
    "three": (True, True, True),
}


def _mask_cases():
    for name in NAMES:
        for key, pattern in MASK_PATTERNS.items():
            if name == "Subtract" and len(pattern) != 2:
                continue
            yield pytest.param(name, pattern, id=f"{name}-{key}")


@pytest.mark.parametrize("name,pattern", list(_mask_cases()))
def test_masked_outputs_and_masks_match_keras(name, pattern):
    xs, masks = _masked_pair(1)
    xs = xs[: len(pattern)]
    masks = [m if keep else None for m, keep in zip(masks, pattern, strict=False)]
    expected = getattr(keras.layers, name)()(_with_masks(xs, masks))
    out = LAYERS[name][0]()(_with_masks(xs, masks))
    np.testing.assert_allclose(out.numpy(), _np(expected), atol=1e-5)
    expected_mask = getattr(expected, "_keras_mask", None)
    if expected_mask is None:
        assert getattr(out, "_keras_mask", None) is None
    else:
        np.testing.assert_array_equal(out._keras_mask.numpy(), _np(expected_mask))


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_compute_mask_matches_keras(name):
    xs, masks = _masked_pair(2)
    xs, masks = xs[:2], masks[:2]
    ember_layer, keras_layer = LAYERS[name][0](), getattr(keras.layers, name)()
    tensors = [torch.tensor(x) for x in xs]
    torch_masks = [torch.tensor(m) for m in masks]
    got = ember_layer.compute_mask(tensors, torch_masks)
    np.testing.assert_array_equal(
        got.numpy(), _np(keras_layer.compute_mask(tensors, torch_masks))
    )
    assert ember_layer.compute_mask(tensors, None) is None
    assert ember_layer.compute_mask(tensors, [torch_masks[0], None]) is None
    assert keras_layer.compute_mask(tensors, [torch_masks[0], None]) is None


class _MaskZeros(Layer):
    """Like Keras's `Masking(0.0)`: masks the timesteps that are all zeros."""

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, previous_mask):
        return torch.any(inputs != 0, dim=-1)


@pytest.mark.parametrize("name", ["Add", "Multiply", "Maximum"], ids=str)
def test_masks_flow_through_a_functional_model_like_keras(name):
    xs = _inputs([(3, 5, 2), (3, 5, 2)])
    xs[0][:, 1] = 0.0
    xs[1][:, 1:3] = 0.0

    a, b = Input(shape=(5, 2)), Input(shape=(5, 2))
    merged = LAYERS[name][0]()([_MaskZeros()(a), _MaskZeros()(b)])
    assert merged._keras_mask is not None and merged._keras_mask.shape == (None, 5)
    ember_out = Model([a, b], merged)(xs)

    ka, kb = keras.Input(shape=(5, 2)), keras.Input(shape=(5, 2))
    masking = keras.layers.Masking
    k_merged = getattr(keras.layers, name)()([masking()(ka), masking()(kb)])
    keras_out = keras.Model([ka, kb], k_merged)(xs)

    np.testing.assert_allclose(ember_out.numpy(), _np(keras_out), atol=1e-6)
    np.testing.assert_array_equal(
        ember_out._keras_mask.numpy(), _np(keras_out._keras_mask)
    )


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_functional_model_matches_keras(name):
    a, b = Input(shape=(6,)), Input(shape=(10,))
    merged = LAYERS[name][0]()([Linear(8)(a), Linear(8)(b)])
    ember_model = Model([a, b], Linear(4)(merged))

    ka, kb = keras.Input(shape=(6,)), keras.Input(shape=(10,))
    dense = keras.layers.Dense
    k_merged = getattr(keras.layers, name)()([dense(8)(ka), dense(8)(kb)])
    keras_model = keras.Model([ka, kb], dense(4)(k_merged))

    assert ember_model.output_shape == keras_model.output_shape == (None, 4)
    assert ember_model.count_params() == keras_model.count_params()
    assert ember_model([np.ones((3, 6)), np.ones((3, 10))]).shape == (3, 4)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_symbolic_shapes_match_keras(name):
    shapes = [(None, 4, 3), (None, 1, 3)]
    ember_out = LAYERS[name][0]()([Input(batch_shape=s) for s in shapes])
    keras_out = getattr(keras.layers, name)()(
        [keras.Input(batch_shape=s) for s in shapes]
    )
    assert ember_out.shape == tuple(keras_out.shape) == (None, 4, 3)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_get_config_matches_keras_and_round_trips(name):
    cls = LAYERS[name][0]
    config = cls(name="merge").get_config()
    assert config == getattr(keras.layers, name)(name="merge").get_config()
    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls and rebuilt.get_config() == config


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_functional_form_passes_layer_kwargs(name):
    xs = _inputs([(2, 3), (2, 3)])
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = LAYERS[name][1]([a, b], name=f"my_{name.lower()}")
    assert out._keras_history[0].name == f"my_{name.lower()}"
    assert type(out._keras_history[0]) is LAYERS[name][0]
    torch.testing.assert_close(
        LAYERS[name][1](xs), LAYERS[name][0]()(xs), rtol=0, atol=0
    )


def test_single_input_list_passes_through_like_keras():
    x = np.random.randn(2, 3).astype("float32")
    for name in ("Add", "Multiply", "Average", "Maximum", "Minimum"):
        np.testing.assert_allclose(
            LAYERS[name][0]()([x]).numpy(), _np(getattr(keras.layers, name)()([x]))
        )


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_incompatible_shapes_error_names_layer_and_shapes(name):
    layer = LAYERS[name][0](name="merger")
    with pytest.raises(ValueError) as eager:
        layer([np.ones((2, 3)), np.ones((2, 4))])
    message = str(eager.value)
    assert f"`{name}` (layer 'merger')" in message
    assert "(2, 3)" in message and "(2, 4)" in message
    with pytest.raises(ValueError, match=r"\(None, 3\) and \(None, 4\)"):
        LAYERS[name][0]()([Input(shape=(3,)), Input(shape=(4,))])


def test_incompatible_shapes_checked_again_at_call_time():
    layer = Add(name="late")
    layer([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"'late'.*\(2, 3\) and \(2, 5\)"):
        layer([np.ones((2, 3)), np.ones((2, 5))])
    # Compatible new shapes (broadcasting) are accepted after the check.
    assert layer([np.ones((2, 3)), np.ones((2, 1))]).shape == (2, 3)


def test_different_batch_sizes_error():
    with pytest.raises(ValueError, match="different batch sizes"):
        Add()([np.ones((2, 3)), np.ones((1, 3))])


def test_subtract_needs_exactly_two_inputs():
    xs = [np.ones((2, 3))] * 3
    with pytest.raises(ValueError, match=r"`Subtract` .*exactly 2 inputs.*received 3"):
        Subtract()(xs)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        subtract([Input(shape=(3,))] * 3)
    with pytest.raises(ValueError, match="exactly 2"):
        keras.layers.Subtract()(xs)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_single_tensor_error(name):
    with pytest.raises(ValueError, match=r"must be called on a list of tensors"):
        LAYERS[name][0]()(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"single tensor of shape \(None, 3\)"):
        LAYERS[name][0]()(Input(shape=(3,)))
    with pytest.raises(ValueError, match="list of inputs"):
        getattr(keras.layers, name)()(np.ones((2, 3)))


def test_built_layer_called_on_single_tensor_error():
    layer = Add()
    layer([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="list of tensors"):
        layer(torch.ones(2, 3))


def test_empty_list_error():
    with pytest.raises(ValueError, match="empty list"):
        Add()([])


def test_unknown_argument_error():
    with pytest.raises(TypeError, match="unexpected keyword argument `axis`"):
        Add(axis=1)
