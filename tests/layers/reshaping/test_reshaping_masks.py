"""Masks through the reshaping and pooling layers, as Keras 3 treats them: only
`GlobalAveragePooling1D` reads a mask; every other layer here (`Flatten` and
`Reshape` included) does not support masking, so the mask stops there."""

import numpy as np
import pytest
import torch

from ember.layers.core.embedding import Embedding
from ember.layers.core.input_layer import Input
from ember.layers.pooling import GlobalAveragePooling1D, MaxPooling1D
from ember.layers.reshaping import (
    Cropping1D,
    Flatten,
    Reshape,
    UpSampling1D,
    ZeroPadding1D,
)

keras = pytest.importorskip("keras")

LAYERS = {
    "Flatten": (Flatten, {}),
    "Reshape": (Reshape, {"target_shape": (8,)}),
    "UpSampling1D": (UpSampling1D, {}),
    "ZeroPadding1D": (ZeroPadding1D, {}),
    "Cropping1D": (Cropping1D, {}),
    "MaxPooling1D": (MaxPooling1D, {}),
    "GlobalAveragePooling1D": (GlobalAveragePooling1D, {}),
}


@pytest.mark.parametrize("name", LAYERS)
def test_supports_masking_matches_keras(name):
    layer_cls, kwargs = LAYERS[name]
    theirs = getattr(keras.layers, name)(**kwargs)
    assert layer_cls(**kwargs).supports_masking == theirs.supports_masking


@pytest.mark.parametrize("name", LAYERS)
def test_no_mask_leaves_the_layer(name):
    layer_cls, kwargs = LAYERS[name]
    x = torch.randn(2, 4, 2)
    x._keras_mask = torch.tensor([[True, True, False, False]] * 2)
    assert getattr(layer_cls(**kwargs)(x), "_keras_mask", None) is None


@pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning")
def test_functional_graph_drops_the_mask_like_keras():
    def build(input_fn, flatten, reshape, embedding):
        inputs = input_fn(shape=(4,), dtype="int32")
        h = embedding(6, 2, mask_zero=True)(inputs)
        return flatten()(h), reshape((2, 4))(h)

    ours = build(Input, Flatten, Reshape, Embedding)
    theirs = build(
        keras.Input,
        keras.layers.Flatten,
        keras.layers.Reshape,
        keras.layers.Embedding,
    )
    for a, b in zip(ours, theirs):
        assert getattr(a, "_keras_mask", None) is None
        assert getattr(b, "_keras_mask", None) is None
        assert a.shape == tuple(b.shape)


def test_masked_average_after_embedding_matches_numpy():
    embedding = Embedding(6, 2, mask_zero=True)
    ids = torch.tensor([[1, 2, 0, 0]])
    h = embedding(ids)
    out = GlobalAveragePooling1D()(h)
    expected = embedding.embeddings.detach().numpy()[[1, 2]].mean(0)
    np.testing.assert_allclose(out.detach().numpy()[0], expected, rtol=1e-6)
