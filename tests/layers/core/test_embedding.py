"""`Embedding` against real Keras 3: lookups, masks, dtypes, config, errors."""

import numpy as np
import pytest
import torch

from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


INPUTS = {
    "int32_rank1": np.array([0, 3, 9, 0], dtype="int32"),
    "int64_rank2": np.array([[1, 0, 4], [9, 9, 0]], dtype="int64"),
    "int_rank3": np.random.randint(0, 10, size=(2, 3, 4)),
    "float_truncated": np.array([[1.7, 0.2, 8.9]], dtype="float32"),
    "uint8": np.array([[2, 0, 5]], dtype="uint8"),
}


@pytest.mark.parametrize("mask_zero", [False, True], ids=["plain", "mask_zero"])
@pytest.mark.parametrize("x", INPUTS.values(), ids=INPUTS.keys())
def test_matches_keras(x, mask_zero):
    theirs = keras.layers.Embedding(10, 3, mask_zero=mask_zero)
    expected = _np(theirs(x))
    ours = Embedding(10, 3, mask_zero=mask_zero)
    ours.build(None)
    ours.set_weights(theirs.get_weights())
    out = ours(x)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(_np(out), expected, atol=1e-6)
    their_mask = theirs.compute_mask(x)
    if mask_zero:
        np.testing.assert_array_equal(_np(out._keras_mask), _np(their_mask))
        np.testing.assert_array_equal(
            _np(ours.compute_mask(torch.as_tensor(x))), _np(their_mask)
        )
    else:
        assert their_mask is None and getattr(out, "_keras_mask", None) is None
        assert ours.compute_mask(torch.as_tensor(x)) is None


def test_hand_computed():
    layer = Embedding(3, 2, mask_zero=True)
    layer.build()
    layer.set_weights([np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])])
    out = layer(torch.tensor([[2, 0, 1]]))
    assert out.tolist() == [[[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]]]
    assert out._keras_mask.tolist() == [[True, False, True]]


def test_weights_and_gradient():
    layer = Embedding(5, 4)
    out = layer(torch.tensor([[1, 1, 3]]))
    assert [w.name for w in layer.weights] == ["embeddings"]
    assert tuple(layer.embeddings.shape) == (5, 4)
    out.sum().backward()
    (weight,) = layer.trainable_weights
    # Each looked-up row gets one gradient of ones per occurrence.
    assert weight.grad[:, 0].tolist() == [0.0, 2.0, 0.0, 1.0, 0.0]


def test_default_initializer_is_small_uniform():
    layer = Embedding(100, 20)
    layer.build()
    assert layer.embeddings.abs().max().item() <= 0.05


def test_weights_argument_sets_the_matrix():
    matrix = np.arange(6, dtype="float32").reshape(3, 2)
    layer = Embedding(3, 2, weights=matrix)
    assert layer.built
    np.testing.assert_array_equal(layer.get_weights()[0], matrix)
    assert layer(torch.tensor([2])).tolist() == [[4.0, 5.0]]


def test_symbolic_shapes_and_mask():
    x = Input(shape=(7,), dtype="int32")
    out = Embedding(10, 3, mask_zero=True)(x)
    theirs = keras.layers.Embedding(10, 3, mask_zero=True)(
        keras.Input(shape=(7,), dtype="int32")
    )
    assert out.shape == tuple(theirs.shape) == (None, 7, 3)
    assert out._keras_mask.shape == (None, 7)
    assert Embedding(10, 3)(Input(shape=(None,), dtype="int32"))._keras_mask is None


CONFIGS = {
    "defaults": {},
    "mask_zero": {"mask_zero": True},
    "options": {
        "embeddings_initializer": "glorot_uniform",
        "embeddings_regularizer": "l2",
        "embeddings_constraint": "unit_norm",
    },
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_get_config_matches_keras_and_round_trips(kwargs):
    config = Embedding(10, 3, name="emb", **kwargs).get_config()
    assert config == keras.layers.Embedding(10, 3, name="emb", **kwargs).get_config()
    assert Embedding.from_config(config).get_config() == config


def test_missing_output_dim_says_so():
    with pytest.raises(TypeError, match="missing the required argument `output_dim`"):
        Embedding(28)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"input_dim": 0, "output_dim": 3}, "input_dim"),
        ({"input_dim": 5, "output_dim": -1}, "output_dim"),
        ({"input_dim": 5.0, "output_dim": 3}, "input_dim"),
    ],
    ids=["input_dim_zero", "output_dim_negative", "input_dim_float"],
)
def test_bad_dims_are_refused(kwargs, name):
    with pytest.raises(
        ValueError, match=f"`{name}` of `Embedding`: expected a positive integer"
    ):
        Embedding(**kwargs)


def test_out_of_range_index_names_layer_and_range():
    layer = Embedding(4, 2, name="words")
    with pytest.raises(
        IndexError, match=r"'words'.*\[1, 4\].*`input_dim` is 4.*\[0, 3\]"
    ):
        layer(torch.tensor([[1, 4]]))


def test_input_length_is_deprecated_and_ignored():
    with pytest.warns(UserWarning, match="input_length"):
        layer = Embedding(4, 2, input_length=3)
    assert "input_length" not in layer.get_config()
