"""Circle loss, for metric learning on embeddings (Sun et al., 2020, "Circle
Loss: A Unified Perspective of Pair Similarity Optimization")."""

import torch

from ember.backend.arguments import passed
from ember.backend.symbolic import symbolic_op
from ember.losses.loss import _as_tensor
from ember.losses.wrapper import _BuiltinLoss


@symbolic_op
def circle(
    y_true,
    y_pred,
    ref_labels=None,
    ref_embeddings=None,
    remove_diagonal=True,
    gamma=80,
    margin=0.4,
) -> torch.Tensor:
    """Circle loss of each query embedding against reference embeddings.

    Pairs with the same label are positives, pushed to cosine distance 0;
    pairs with different labels are negatives, pushed to distance 1. Each
    pair's term is weighted by how far it is from its optimum.

    Args:
        y_true: Integer labels of the queries, shape `(batch,)`.
        y_pred: L2-normalized query embeddings, shape `(batch, dim)`.
        ref_labels: Labels of the references. Defaults to `y_true`.
        ref_embeddings: L2-normalized reference embeddings. Defaults to
            `y_pred`.
        remove_diagonal: Whether a query paired with itself (the diagonal
            when the references are the queries) is left out of the
            positives. Defaults to `True`.
        gamma: Scale of the similarities. Defaults to `80`.
        margin: Relaxation of the optima; smaller is stricter. Defaults to
            `0.4`.

    Returns:
        One loss per query, shape `(batch,)`, masked (`_keras_mask`) to the
        queries with a positive loss.

    Example:

    >>> embeddings = torch.nn.functional.normalize(torch.eye(3)[[0, 0, 1]], dim=1)
    >>> ember.losses.circle(torch.tensor([0, 0, 1]), embeddings).shape
    torch.Size([3])
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, None, y_pred).to(torch.int32)
    if ref_embeddings is None:
        ref_embeddings = y_pred
    else:
        ref_embeddings = _as_tensor(ref_embeddings, None, y_pred)
    if ref_labels is None:
        ref_labels = y_true
    else:
        ref_labels = _as_tensor(ref_labels, None, y_pred).to(torch.int32)

    distances = torch.clamp(1 - torch.matmul(y_pred, ref_embeddings.T), min=0.0)
    positive, negative = _pair_masks(y_true, ref_labels, remove_diagonal)
    positive_weight = positive.to(distances.dtype)
    negative_weight = negative.to(distances.dtype)
    pos_weights = torch.clamp((margin + distances) * positive_weight, min=0.0)
    neg_weights = torch.clamp(((1 + margin) - distances) * negative_weight, min=0.0)
    pos_terms = -1 * gamma * pos_weights * (margin - distances)
    neg_terms = gamma * neg_weights * ((1 - margin) - distances)
    p_loss = torch.logsumexp(torch.where(positive, pos_terms, -torch.inf), dim=1)
    n_loss = torch.logsumexp(torch.where(negative, neg_terms, -torch.inf), dim=1)
    losses = torch.nn.functional.softplus(p_loss + n_loss)
    losses._keras_mask = losses > 0
    return losses


class Circle(_BuiltinLoss):
    """Circle loss for metric learning: pulls embeddings of the same label
    together and pushes others apart, weighting each pair by its distance
    from the optimum (Sun et al., 2020).

    `y_true` holds integer labels `(batch,)`, `y_pred` L2-normalized
    embeddings `(batch, dim)`; every other sample of the batch is a reference.

    Args:
        gamma: Scale of the similarities. Defaults to `80.0`.
        margin: Relaxation of the optima; smaller is stricter. Defaults to
            `0.4`.
        remove_diagonal: Whether a sample paired with itself is left out of
            the positives. Defaults to `True`.
        reduction: See `ember.losses.Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss. Defaults to `"circle"`.
        dtype: Dtype of the computation. Defaults to `ember.config.floatx()`.

    Example:

    >>> embeddings = torch.nn.functional.normalize(torch.eye(3)[[0, 0, 1]], dim=1)
    >>> float(ember.losses.Circle()(torch.tensor([0, 0, 1]), embeddings)) >= 0
    True
    """

    def __init__(
        self,
        gamma=80.0,
        margin=0.4,
        remove_diagonal=True,
        reduction="sum_over_batch_size",
        name="circle",
        dtype=None,
    ):
        super().__init__(circle, **passed(locals()))


def _pair_masks(query_labels, key_labels, remove_diagonal):
    """Boolean `(queries, keys)` masks of same-label and other-label pairs."""
    query_labels = query_labels.reshape(-1, 1)
    key_labels = key_labels.reshape(-1, 1)
    positive = query_labels == key_labels.T
    negative = torch.logical_not(positive)
    if remove_diagonal:
        eye = torch.eye(
            query_labels.shape[0],
            key_labels.shape[0],
            dtype=torch.bool,
            device=positive.device,
        )
        positive = positive & ~eye
    return positive, negative
