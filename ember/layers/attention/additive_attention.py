"""`AdditiveAttention`: Bahdanau-style attention without projections."""

import torch

from ember.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention, a.k.a. Bahdanau-style attention.

    Each query position scores every key position with
    `sum(scale * tanh(query + key))` over the features, turns the scores into
    weights with a softmax, and returns the weighted average of the values.

    Args:
        use_scale: Whether a trainable vector `scale` of shape `(dim,)`
            weighs the features of the scores. Defaults to `True`.
        dropout: Float in `[0, 1]`, the dropout rate on the attention
            weights in training. Defaults to `0.0`.
        seed: Integer seed of the dropout. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list `[query, value]` or `[query, value, key]`: `query`
            `(batch_size, Tq, dim)`, `value` `(batch_size, Tv, dim)`, `key`
            `(batch_size, Tv, dim)` (defaults to `value`).
        mask: A list `[query_mask, value_mask]` of boolean tensors
            `(batch_size, Tq)` and `(batch_size, Tv)`; defaults to the Keras
            masks of the inputs. Masked values get no weight; masked query
            positions output zeros.
        training: Whether dropout is active. Defaults to `False`.
        return_attention_scores: Whether to also return the attention
            weights (after masking and softmax). Defaults to `False`.
        use_causal_mask: Whether query position `i` may only attend to
            value positions `j <= i`. Defaults to `False`.

    Input shape:
        `[(batch_size, Tq, dim), (batch_size, Tv, dim)]`, optionally with a
        key `(batch_size, Tv, dim)`.

    Output shape:
        `(batch_size, Tq, dim)`, and the weights `(batch_size, Tq, Tv)` when
        `return_attention_scores=True`.

    Example:

    >>> query, value = torch.ones(2, 3, 4), torch.ones(2, 5, 4)
    >>> AdditiveAttention()([query, value]).shape
    torch.Size([2, 3, 4])
    """

    def __init__(
        self,
        use_scale: bool = True,
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(
                shape=(input_shape[0][-1],), initializer="glorot_uniform", name="scale"
            )
        self.built = True

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config

    def _fused(self, return_attention_scores, training):
        return False

    def _calculate_scores(self, query, key):
        """Scores `(batch_size, Tq, Tv)`: `sum(scale * tanh(query + key))`."""
        features = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.scale is not None:
            features = self.scale.to(features.dtype) * features
        return features.sum(dim=-1)
