"""Integer labels: out-of-range labels raise a `ValueError` that names the
label and the number of classes (on the CPU worked out when torch's kernel
refuses the label, so a normal step pays no check; on CUDA and under compile a
device-side assertion); the checks compile without graph breaks or host syncs."""

import numpy as np
import pytest
import torch

from ember import losses


def probabilities(*shape):
    return torch.softmax(torch.randn(*shape), dim=-1)


@pytest.mark.parametrize(
    "labels, value",
    [([1, 10, 3], 10), ([0, 11.0, 12], 11), ([[2, 3], [4, 10]], 10)],
    ids=["int", "float", "rank3"],
)
def test_label_too_large(labels, value):
    y_pred = probabilities(*np.shape(labels), 10)
    with pytest.raises(ValueError) as error:
        losses.SparseCategoricalCrossentropy()(labels, y_pred)
    message = str(error.value)
    assert f"Received a label value of {value} which is outside the valid range " in (
        message
    )
    assert "[0, 10) for `sparse_categorical_crossentropy` with 10 classes" in message
    assert "the last axis of y_pred" in message
    assert "subtract 1" in message


def test_negative_label_suggests_ignore_class():
    with pytest.raises(ValueError, match="label value of -1 ") as error:
        losses.sparse_categorical_crossentropy(
            torch.tensor([0, -1]), probabilities(2, 4)
        )
    assert "`ignore_class=-1`" in str(error.value)


@pytest.mark.parametrize("from_logits", [False, True])
def test_torchs_default_ignored_label_is_an_error_too(from_logits):
    # torch's kernels skip -100 unless told otherwise; Keras has no such label.
    with pytest.raises(ValueError, match="label value of -100 ") as error:
        losses.sparse_categorical_crossentropy(
            torch.tensor([1, -100]), probabilities(2, 4), from_logits=from_logits
        )
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_ignore_class_is_not_an_error_but_other_negatives_are():
    y_pred = probabilities(3, 4)
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    assert torch.isfinite(loss([0, -1, 3], y_pred))
    with pytest.raises(ValueError, match="label value of -2 .*`ignore_class=-1`"):
        loss([0, -2, 3], y_pred)
    with pytest.raises(ValueError, match="label value of 4 "):
        loss([0, -1, 4], y_pred)


def test_class_axis_is_named():
    y_pred = probabilities(2, 5, 3).transpose(1, 2)  # 3 classes on axis 1
    labels = torch.tensor([[0, 1, 2, 0, 1], [0, 0, 3, 0, 0]])
    with pytest.raises(ValueError, match=r"axis 1 of y_pred, of shape \(2, 3, 5\)"):
        losses.sparse_categorical_crossentropy(labels, y_pred, axis=1)
    # Labels of the wrong shape get the shape error, not a label error.
    with pytest.raises(ValueError, match="same shape up until the class axis"):
        losses.sparse_categorical_crossentropy(labels.T, y_pred, axis=1)


def test_generalized_crossentropy_checks_labels_too():
    with pytest.raises(ValueError, match="categorical_generalized_cross_entropy"):
        losses.CategoricalGeneralizedCrossEntropy()([0, 3], probabilities(2, 3))


def test_ignored_rows_contribute_nothing_and_get_no_gradient():
    logits = torch.randn(3, 4, requires_grad=True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=9)
    value = loss([1, 9, 2], logits)
    reference = torch.nn.functional.cross_entropy(logits[[0, 2]], torch.tensor([1, 2]))
    torch.testing.assert_close(value, reference)
    value.backward()
    assert torch.all(logits.grad[1] == 0) and torch.isfinite(logits.grad).all()


def test_losses_compile_into_one_graph():
    """`fullgraph=True` fails on any graph break, and so on any host read of a
    value (`.item()`, `if tensor:`): the step stays on the device. The label
    check becomes a device assertion there."""
    sparse = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    hinge = losses.Hinge()
    mse = losses.MeanSquaredError()

    def step(labels, logits, scores, targets):
        masked = logits.clone()
        masked._keras_mask = labels != 0
        return (
            sparse(labels, masked, sample_weight=torch.ones(4))
            + hinge(targets, scores)
            + mse(targets, scores, sample_weight=torch.ones(4, 1))
        )

    compiled = torch.compile(step, backend="aot_eager", fullgraph=True)
    logits, scores = torch.randn(4, 5), torch.randn(4, 3)
    targets = torch.randint(0, 2, (4, 3)).float()
    labels = torch.tensor([1, -1, 4, 0])
    torch.testing.assert_close(
        compiled(labels, logits, scores, targets), step(labels, logits, scores, targets)
    )
    with pytest.raises(RuntimeError, match=r"a label is outside \[0, 5\)"):
        compiled(torch.tensor([1, 5, 0, 0]), logits, scores, targets)


def test_one_class_predictions_warn():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy(torch.ones(2, 1), torch.ones(2, 1))
