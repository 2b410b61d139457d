"""`resolve_accuracy`: the accuracy `compile(metrics=["accuracy"])` picks, as
Keras 3's compile does, from one batch's target and prediction shapes."""

import pytest
import torch
from conftest import keras_or_skip

from ember import metrics
from ember.backend.errors import ArgumentError

SHAPES = [
    pytest.param((8, 1), (8, 1), "BinaryAccuracy", id="binary-column"),
    pytest.param((8,), (8, 1), "BinaryAccuracy", id="binary-flat-labels"),
    pytest.param((8, 5, 1), (8, 5, 1), "BinaryAccuracy", id="binary-sequence"),
    pytest.param((8,), (8, 10), "SparseCategoricalAccuracy", id="sparse"),
    pytest.param((8, 1), (8, 10), "SparseCategoricalAccuracy", id="sparse-column"),
    pytest.param((8, 5), (8, 5, 10), "SparseCategoricalAccuracy", id="sparse-seq"),
    pytest.param((8, 10), (8, 10), "CategoricalAccuracy", id="categorical"),
    pytest.param((8, 5, 10), (8, 5, 10), "CategoricalAccuracy", id="categorical-seq"),
    pytest.param((8, 3), (8, 2), "CategoricalAccuracy", id="mismatched-widths"),
]


@pytest.mark.parametrize("true_shape, pred_shape, expected", SHAPES)
@pytest.mark.parametrize("name", ["accuracy", "acc", "ACC", "Accuracy"])
def test_matches_keras_compile(true_shape, pred_shape, expected, name):
    keras_or_skip()
    from keras.src.trainers.compile_utils import get_metric

    theirs = get_metric(name, torch.zeros(true_shape), torch.zeros(pred_shape))
    ours = metrics.resolve_accuracy(name, true_shape, pred_shape)
    assert type(theirs).__name__ == expected
    assert type(ours).__name__ == expected
    assert ours.name == theirs.name == name


def test_loss_does_not_change_the_choice():
    # Keras 3 looks at the shapes only, whatever the loss.
    for loss in (None, "binary_crossentropy", "categorical_crossentropy"):
        chosen = metrics.resolve_accuracy("accuracy", (8,), (8, 10), loss=loss)
        assert isinstance(chosen, metrics.SparseCategoricalAccuracy)


def test_other_names_are_refused():
    with pytest.raises(ArgumentError, match="'accuracy' or 'acc'"):
        metrics.resolve_accuracy("mse", (8,), (8,))


def test_binary_or_sparse_categorical():
    assert metrics.binary_or_sparse_categorical((8,), (8, 1)) == (True, True)
    assert metrics.binary_or_sparse_categorical((8, 4), (8, 4)) == (False, False)
    assert metrics.binary_or_sparse_categorical(
        torch.Size([8, 1]), torch.Size([8, 4])
    ) == (False, True)
