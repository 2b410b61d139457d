"""`Lambda`: wrapped functions, arguments, masks, training, shapes, config."""

import numpy as np
import pytest
import torch

from ember.layers.core.input_layer import Input
from ember.layers.core.lambda_layer import Lambda

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


def scale_shift(x, scale=1.0, shift=0.0):
    return x * scale + shift


FUNCTIONS = {
    "square": (lambda x: x**2, {}),
    "arguments": (scale_shift, {"scale": 3.0, "shift": -1.0}),
    "reduce": (lambda x: x.sum(dim=-1, keepdim=True), {}),
}


@pytest.mark.parametrize("function,arguments", FUNCTIONS.values(), ids=FUNCTIONS.keys())
def test_matches_keras(function, arguments):
    x = np.random.randn(2, 3, 4).astype("float32")
    expected = keras.layers.Lambda(function, arguments=arguments)(x)
    out = Lambda(function, arguments=arguments)(x)
    np.testing.assert_allclose(_np(out), _np(expected), atol=1e-6)


def test_torch_builtin_function():
    # Keras cannot wrap builtins without a Python signature; ember can.
    x = torch.randn(2, 3)
    torch.testing.assert_close(Lambda(torch.tanh)(x), torch.tanh(x))


def test_hand_computed_and_gradient():
    x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    out = Lambda(lambda t, k: t * k, arguments={"k": 3.0})(x)
    assert out.tolist() == [[3.0, 6.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[3.0, 3.0]]


def test_list_inputs():
    out = Lambda(lambda xs: xs[0] - xs[1])([torch.ones(2, 2), torch.ones(2, 2)])
    assert out.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_symbolic_shape_is_inferred():
    out = Lambda(lambda x: x[:, :2] * 2)(Input(shape=(5, 3)))
    theirs = keras.layers.Lambda(lambda x: x[:, :2] * 2)(keras.Input(shape=(5, 3)))
    assert out.shape == tuple(theirs.shape) == (None, 2, 3)


def test_compute_output_shape_uses_output_shape():
    assert Lambda(lambda x: x, output_shape=(4,)).compute_output_shape((7, 3)) == (7, 4)
    layer = Lambda(lambda x: x, output_shape=lambda s: (s[0], 9))
    assert layer.compute_output_shape((None, 3)) == (None, 9)
    assert Lambda(lambda x: x[:, :1]).compute_output_shape((None, 3)) == (None, 1)


def test_mask_and_training_are_passed_to_the_function():
    seen = {}

    def function(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    x = torch.ones(1, 2, 3)
    x._keras_mask = torch.tensor([[True, False]])
    Lambda(function)(x, training=True)
    assert torch.equal(seen["mask"], x._keras_mask) and seen["training"] is True


def test_mask_argument_sets_the_output_mask():
    def mask_fn(inputs, previous_mask):
        return inputs[..., 0] > 0

    out = Lambda(lambda x: x, mask=mask_fn)(torch.tensor([[[1.0], [-1.0]]]))
    assert out._keras_mask.tolist() == [[True, False]]
    # Without `mask`, a Lambda drops masks as in Keras.
    x = torch.ones(1, 2, 1)
    x._keras_mask = torch.tensor([[True, False]])
    assert getattr(Lambda(lambda t: t + 1)(x), "_keras_mask", None) is None


def test_get_config_keys_match_keras_and_round_trip():
    kwargs = {"output_shape": (3,), "arguments": {"scale": 2.0}}
    config = Lambda(scale_shift, name="lam", **kwargs).get_config()
    theirs = keras.layers.Lambda(scale_shift, name="lam", **kwargs).get_config()
    assert config.keys() == theirs.keys()
    assert config["function"] is scale_shift
    rebuilt = Lambda.from_config(config)
    assert rebuilt.get_config() == config
    assert rebuilt(torch.ones(1, 3)).tolist() == [[2.0, 2.0, 2.0]]
    minimal = Lambda(scale_shift).get_config()
    assert minimal.keys() == keras.layers.Lambda(scale_shift).get_config().keys()


def test_serialized_code_is_never_loaded():
    config = keras.layers.Lambda(lambda x: x + 1, name="lam").get_config()
    config.pop("dtype")
    with pytest.raises(ValueError, match="never runs code"):
        Lambda.from_config(config)


def test_non_callable_is_refused():
    with pytest.raises(ValueError, match="`function` of `Lambda`: expected a callable"):
        Lambda(3)
