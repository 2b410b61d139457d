"""`Dense` against real Keras 3 and by hand: values, shapes, config, grads, errors."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ember.layers.core.dense import Dense
from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.regularization.dropout import Dropout
from ember.layers.reshaping.flatten import Flatten
from ember.models import Model

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


CASES = {
    "rank2_linear": (None, True, (4, 3)),
    "rank2_relu": ("relu", True, (4, 3)),
    "rank2_softmax": ("softmax", True, (4, 3)),
    "rank2_tanh_nobias": ("tanh", False, (4, 3)),
    "rank3_sigmoid": ("sigmoid", True, (2, 5, 3)),
    "rank3_gelu": ("gelu", True, (2, 5, 3)),
    "rank4_elu": ("elu", True, (2, 2, 5, 3)),
}


@pytest.mark.parametrize("activation,use_bias,shape", CASES.values(), ids=CASES.keys())
def test_matches_keras(activation, use_bias, shape):
    x = np.random.randn(*shape).astype("float32")
    theirs = keras.layers.Dense(6, activation=activation, use_bias=use_bias)
    expected = _np(theirs(x))
    ours = Dense(6, activation=activation, use_bias=use_bias)
    ours.build(shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(x)), expected, atol=1e-5)


# Keras warns that Flatten drops the Embedding's mask (ember drops it silently).
@pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning")
def test_functional_model_of_core_layers_matches_keras():
    def build(layers, input_fn, model_cls):
        inputs = input_fn(shape=(6,), dtype="int32")
        h = layers.Embedding(10, 3, mask_zero=True)(inputs)
        h = layers.Dense(5, activation="relu")(h)
        h = layers.Dropout(0.5)(h)
        h = layers.Flatten()(h)
        return model_cls(inputs, layers.Dense(2, activation="softmax")(h))

    mine = SimpleNamespace(
        Embedding=Embedding, Dense=Dense, Dropout=Dropout, Flatten=Flatten
    )
    ours = build(mine, Input, Model)
    theirs = build(keras.layers, keras.Input, keras.Model)
    ours.set_weights(theirs.get_weights())
    x = np.random.randint(0, 10, size=(4, 6))
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), atol=1e-6)
    assert not torch.equal(ours(x), ours(x, training=True))  # dropout active


def test_hand_computed():
    layer = Dense(2, activation="relu")
    layer.build((1, 2))
    layer.set_weights([np.array([[1.0, -1.0], [2.0, 3.0]]), np.array([0.5, -10.0])])
    # [1, 1] @ kernel = [3, 2]; plus bias = [3.5, -8]; relu = [3.5, 0].
    assert layer(torch.tensor([[1.0, 1.0]])).tolist() == [[3.5, 0.0]]


def test_weights_have_keras_names_layouts_and_order():
    layer = Dense(5)
    layer(torch.ones(2, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 5), (5,)]
    assert layer.count_params() == 20
    no_bias = Dense(5, use_bias=False)
    no_bias(torch.ones(2, 3))
    assert [w.name for w in no_bias.weights] == ["kernel"] and no_bias.bias is None


def test_forward_and_gradients_match_plain_torch():
    layer = Dense(4, activation="tanh")
    x = torch.randn(3, 5, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    ref_x = x.detach().clone().requires_grad_(True)
    ref_k = layer.kernel.detach().clone().requires_grad_(True)
    ref_b = layer.bias.detach().clone().requires_grad_(True)
    ref = torch.tanh(ref_x @ ref_k + ref_b)
    ref.sum().backward()
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, ref_x.grad)
    torch.testing.assert_close(layer.kernel.grad, ref_k.grad)
    torch.testing.assert_close(layer.bias.grad, ref_b.grad)


def test_every_trainable_weight_gets_a_gradient():
    layer = Dense(3, activation="relu", bias_initializer="ones")
    layer(torch.randn(4, 2)).sum().backward()
    assert len(layer.trainable_weights) == 2
    assert all(w.grad is not None for w in layer.trainable_weights)


def test_symbolic_shapes_match_keras():
    for shape in [(3,), (7, 3), (None, 3)]:
        ours = Dense(6)(Input(shape=shape))
        theirs = keras.layers.Dense(6)(keras.Input(shape=shape))
        assert ours.shape == tuple(theirs.shape)


def test_integer_inputs_are_cast_like_keras():
    theirs = keras.layers.Dense(2)
    x = np.array([[1, 2, 3]], dtype="int64")
    expected = _np(theirs(x))
    ours = Dense(2)
    ours.build((1, 3))
    ours.set_weights(theirs.get_weights())
    out = ours(torch.as_tensor(x))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(_np(out), expected, atol=1e-5)


def test_mask_passes_through():
    x = torch.ones(2, 3, 4)
    x._keras_mask = torch.tensor([[True, True, False], [True, False, False]])
    out = Dense(2)(x)
    assert torch.equal(out._keras_mask, x._keras_mask)


CONFIGS = {
    "defaults": {},
    "activation": {"activation": "relu", "use_bias": False},
    "initializers": {"kernel_initializer": "he_normal", "bias_initializer": "ones"},
    "regularizers": {"kernel_regularizer": "l2", "bias_regularizer": "l2"},
    "constraints": {"kernel_constraint": "max_norm", "bias_constraint": "non_neg"},
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = Dense(3, name="d", **kwargs).get_config()
    assert config == keras.layers.Dense(3, name="d", **kwargs).get_config()
    rebuilt = Dense.from_config(config)
    assert rebuilt.get_config() == config


def test_loads_a_keras_config():
    config = keras.layers.Dense(3, activation="softmax", name="k").get_config()
    layer = Dense.from_config(config)
    assert layer.units == 3 and layer.name == "k"
    assert layer(torch.ones(1, 2)).sum().item() == pytest.approx(1.0)


def test_regularizers_add_losses():
    layer = Dense(2, kernel_regularizer="l2", kernel_initializer="ones")
    layer(torch.ones(1, 3))
    (loss,) = layer.losses
    assert loss.item() == pytest.approx(0.01 * 6)


def test_non_activation_names_the_layer_and_argument():
    with pytest.raises(ValueError, match=r"`activation` of `Dense`"):
        Dense(4, 64)


def test_unknown_argument_names_the_layer_and_argument():
    with pytest.raises(TypeError, match=r"`Dense`.*`foo`"):
        Dense(4, foo=1)


@pytest.mark.parametrize("units", [0, -3, 2.5, "4", True], ids=str)
def test_bad_units_are_refused(units):
    with pytest.raises(ValueError) as info:
        Dense(units)
    assert str(info.value).startswith(
        f"Invalid value for argument `units` of `Dense`: expected a positive "
        f"integer. Received: units={units!r}"
    )


def test_wrong_input_size_names_layer_sizes_and_fix():
    layer = Dense(2, name="head")
    layer(torch.ones(1, 4))
    with pytest.raises(ValueError) as info:
        layer(torch.ones(1, 5))
    message = str(info.value)
    assert "head" in message and "4" in message and "(1, 5)" in message
    assert "feed it inputs of that size" in message


def test_rank_one_input_is_refused():
    with pytest.raises(ValueError, match="min_ndim=2"):
        Dense(2)(torch.ones(3))


def test_quantization_is_refused():
    with pytest.raises(ValueError, match="quantization_config"):
        Dense(2, quantization_config={"mode": "int8"})
