"""`Attention`: dot-product (Luong-style) attention without projections."""

import torch

from ember import random
from ember.backend.errors import ArgumentError
from ember.layers.layer import Layer


class Attention(Layer):
    """Dot-product attention, a.k.a. Luong-style attention.

    Each query position scores every key position (`query . key`, or with
    `score_mode="concat"` the sum of `tanh(query + key)`), turns the scores
    into weights with a softmax, and returns the weighted average of the
    values. There are no projections; `MultiHeadAttention` has them.

    Args:
        use_scale: Whether a trainable scalar `scale` (initialised to 1)
            multiplies the scores. Defaults to `False`.
        score_mode: `"dot"` (query-key dot products) or `"concat"` (the sum
            of `tanh(query + key)` over the features, times a trainable
            scalar `concat_score_weight`). Defaults to `"dot"`.
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
    >>> Attention()([query, value]).shape
    torch.Size([2, 3, 4])
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ArgumentError("score_mode", "one of 'dot', 'concat'", score_mode)
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, (int, float))
            or not 0 <= dropout <= 1
        ):
            raise ArgumentError("dropout", "a float between 0 and 1", dropout)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                shape=(), initializer="ones", name="concat_score_weight"
            )
        self.built = True

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        self._check_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = _masks(mask, query)

        # 1. Which (query, value) pairs may attend: value mask and causality.
        scores_mask = None if value_mask is None else value_mask.unsqueeze(-2)
        if use_causal_mask:
            rows = torch.arange(query.shape[-2], device=query.device).unsqueeze(-1)
            causal = rows >= torch.arange(key.shape[-2], device=query.device)
            scores_mask = causal if scores_mask is None else scores_mask & causal
        big = 65504.0 if query.dtype == torch.float16 else 1.0e9

        # 2. Attention. Masked scores are lowered by a large number (not
        # replaced), as Keras does; an additive mask does exactly that.
        if self._fused(return_attention_scores, training):
            if self.scale is not None:
                query = query * self.scale.to(query.dtype)
            additive = None
            if scores_mask is not None:
                additive = torch.where(scores_mask, 0.0, -big).to(query.dtype)
            output = torch.nn.functional.scaled_dot_product_attention(
                query, key, value, attn_mask=additive, scale=1.0
            )
            weights = None
        else:
            scores = self._calculate_scores(query, key)
            if scores_mask is not None:
                scores = torch.where(scores_mask, scores, scores - big)
            weights = torch.softmax(scores, dim=-1)
            dropped = weights
            if training and self.dropout > 0:
                dropped = random.dropout(
                    weights, self.dropout, seed=self.seed_generator
                )
            output = torch.matmul(dropped, value)

        # 3. Masked query positions output zeros.
        if query_mask is not None:
            output = output.masked_fill(~query_mask.unsqueeze(-1), 0.0)
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, previous_mask=None):
        self._check_inputs(inputs, previous_mask)
        if previous_mask is None or previous_mask[0] is None:
            return None
        return _as_bool(previous_mask[0], inputs[0])

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = input_shape[0], input_shape[1]
        return (*query_shape[:-1], value_shape[-1])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }

    def _fused(self, return_attention_scores, training):
        """Whether torch's fused kernel computes the same thing: dot scores,
        no returned weights, no dropout in this call."""
        return (
            self.score_mode == "dot"
            and not return_attention_scores
            and not (training and self.dropout > 0)
        )

    def _calculate_scores(self, query, key):
        """Scores `(batch_size, Tq, Tv)` of each query against each key."""
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            if self.scale is not None:
                scores = scores * self.scale.to(scores.dtype)
            return scores
        pairs = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            pairs = self.scale.to(pairs.dtype) * pairs
        weight = self.concat_score_weight.to(pairs.dtype)
        return weight * torch.tanh(pairs).sum(dim=-1)

    def _check_inputs(self, inputs, mask=None):
        cls = type(self).__name__
        where = f"`{cls}` (layer '{self.name}')"
        one_shape = isinstance(inputs, (list, tuple)) and all(
            d is None or isinstance(d, int) for d in inputs
        )
        if (
            not isinstance(inputs, (list, tuple))
            or one_shape
            or not 2 <= len(inputs) <= 3
        ):
            received = (
                f"a list of length {len(inputs)}"
                if isinstance(inputs, (list, tuple)) and not one_shape
                else f"one input of shape {tuple(getattr(inputs, 'shape', inputs))}"
            )
            raise ValueError(
                f"{where} must be called on a list [query, value] or [query, "
                f"value, key]; received {received}. For self-attention call "
                f"`{cls}()([x, x])`."
            )
        if mask is not None and (
            not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3
        ):
            raise ValueError(
                f"{where} takes `mask` as a list [query_mask, value_mask]; "
                f"received mask={mask!r}."
            )
        shapes = [tuple(getattr(x, "shape", x)) for x in inputs]
        for name, shape in zip(("query", "value", "key"), shapes):
            if len(shape) < 3:
                raise ValueError(
                    f"{where} expects {name} of rank 3 or more, (batch_size, "
                    f"positions, features); received {name} shape {shape}. "
                    "For one vector per sample, add a positions axis: "
                    "`x[:, None, :]`."
                )
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value
        if query[-1:] != key[-1:] and None not in (query[-1:] + key[-1:]):
            raise ValueError(
                f"{where} needs query and key with the same last axis size, to "
                f"score one against the other; received query shape {query} and "
                f"key shape {key}."
            )
        if key[-2:-1] != value[-2:-1] and None not in (key[-2:-1] + value[-2:-1]):
            raise ValueError(
                f"{where} needs key and value with the same number of positions "
                f"(axis -2); received key shape {key} and value shape {value}."
            )


def _masks(mask, like):
    if not mask:
        return None, None
    query_mask = None if mask[0] is None else _as_bool(mask[0], like)
    value_mask = None if mask[1] is None else _as_bool(mask[1], like)
    return query_mask, value_mask


def _as_bool(mask, like):
    if not isinstance(mask, torch.Tensor):
        mask = torch.as_tensor(mask, device=like.device)
    return mask if mask.dtype == torch.bool else mask != 0
