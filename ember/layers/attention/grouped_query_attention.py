"""`GroupedQueryAttention`: attention whose query heads share key/value heads."""

import math

from ember import regularizers
from ember.backend.errors import ArgumentError
from ember.layers.attention.base_multi_head_attention import (
    BaseMultiHeadAttention,
    _is_positive_int,
)


class GroupedQueryAttention(BaseMultiHeadAttention):
    """Grouped-query attention (Ainslie et al., 2023).

    Like `MultiHeadAttention` on sequences, but the `num_query_heads` query
    heads are split into `num_key_value_heads` groups that each share one key
    head and one value head: `num_key_value_heads=1` is multi-query
    attention, `num_key_value_heads=num_query_heads` multi-head attention.
    Keras exports it as `GroupQueryAttention`.

    Args:
        head_dim: Positive integer, the size of every head.
        num_query_heads: Positive integer, the number of query heads.
        num_key_value_heads: Positive integer dividing `num_query_heads`, the
            number of key and value heads.
        dropout: Float in `[0, 1]`, the dropout rate on the attention
            probabilities. Defaults to `0.0`.
        use_bias: Whether the projections add biases. Defaults to `True`.
        sliding_window: Positive integer: each query position attends only to
            key positions less than `sliding_window` away. Defaults to `None`.
        flash_attention: `True` requires torch's flash kernel; `None` or
            `False` let torch choose. Defaults to `None`.
        kernel_initializer: Initializer of the projection kernels. Defaults
            to `"glorot_uniform"`.
        bias_initializer: Initializer of the projection biases. Defaults to
            `"zeros"`.
        kernel_regularizer: Regularizer of the kernels. Defaults to `None`.
        bias_regularizer: Regularizer of the biases. Defaults to `None`.
        activity_regularizer: Regularizer of each projection's output and of
            the layer's output. Defaults to `None`.
        kernel_constraint: Constraint on the kernels. Defaults to `None`.
        bias_constraint: Constraint on the biases. Defaults to `None`.
        use_gate: Whether a sigmoid projection of the query (sublayer `gate`)
            multiplies the attended values. Defaults to `False`.
        seed: Integer seed of the dropout. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        query: Tensor `(batch_size, T, dim)`.
        value: Tensor `(batch_size, S, dim)`.
        key: Optional tensor `(batch_size, S, dim)`. Defaults to `value`.
        query_mask: Boolean `(batch_size, T)`; defaults to `query`'s Keras
            mask.
        value_mask: Boolean `(batch_size, S)`; defaults to `value`'s mask.
        key_mask: Boolean `(batch_size, S)`; defaults to `key`'s mask.
        attention_mask: Boolean `(batch_size, T, S)`: 1 where a query
            position may attend to a key position.
        return_attention_scores: Whether to return `(output, scores)`, with
            scores of shape `(batch_size, num_query_heads, T, S)`. Defaults to
            `False`.
        training: Whether dropout is active. Defaults to `None`.
        use_causal_mask: Whether position `i` may only attend to positions
            `j <= i`. Defaults to `False`.

    Input shape:
        `query`: `(batch_size, T, dim)`; `value`, `key`: `(batch_size, S, *)`.

    Output shape:
        `(batch_size, T, dim)`.

    Example:

    >>> layer = GroupedQueryAttention(head_dim=4, num_query_heads=4,
    ...                               num_key_value_heads=2)
    >>> x = torch.ones(3, 5, 8)
    >>> layer(x, x).shape
    torch.Size([3, 5, 8])
    """

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        for argument, value in (
            ("head_dim", head_dim),
            ("num_query_heads", num_query_heads),
            ("num_key_value_heads", num_key_value_heads),
        ):
            if not _is_positive_int(value):
                raise ArgumentError(argument, "a positive integer", value)
        if num_query_heads % num_key_value_heads:
            raise ArgumentError(
                "num_key_value_heads",
                f"a divisor of num_query_heads={num_query_heads}",
                num_key_value_heads,
            )
        super().__init__(
            dropout=dropout,
            use_bias=use_bias,
            sliding_window=sliding_window,
            flash_attention=flash_attention,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            use_gate=use_gate,
            seed=seed,
            **kwargs,
        )
        # Keras also regularizes this layer's own outputs.
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.head_dim = int(head_dim)
        self.num_query_heads = int(num_query_heads)
        self.num_key_value_heads = int(num_key_value_heads)
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(self.head_dim))
        self._return_attention_scores = False

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self._check_shapes(query_shape, value_shape, key_shape)
        self.feature_dim = query_shape[-1]
        heads, kv_heads = self.num_query_heads, self.num_key_value_heads
        # Einsum letters: batch b, query/key positions q/k, model features m,
        # query heads u, key/value heads v, head size h.
        self._query_dense = self._projection(
            "bqm,muh->bquh", (None, heads, self.head_dim), "uh", name="query"
        )
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(
            "bkm,mvh->bkvh", (None, kv_heads, self.head_dim), "vh", name="key"
        )
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection(
                "bqm,muh->bquh",
                (None, heads, self.head_dim),
                "uh",
                name="gate",
                activation="sigmoid",
            )
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection(
            "bkm,mvh->bkvh", (None, kv_heads, self.head_dim), "vh", name="value"
        )
        self._value_dense.build(value_shape)
        self._num_attention_axes = 1
        self._build_attention_sublayers(-1)
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = self._projection(
            "bquh,uhm->bqm", (None, self.feature_dim), "m", name="attention_output"
        )
        self._output_dense.build((None, None, heads, self.head_dim))
        self.built = True

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        self._return_attention_scores = return_attention_scores
        key, query_mask, attention_mask, causal_only = self._masks_for_call(
            GroupedQueryAttention,
            query,
            value,
            key,
            query_mask,
            value_mask,
            key_mask,
            attention_mask,
            use_causal_mask,
        )

        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        # Each key/value head serves `num_repeats` consecutive query heads.
        k = self._key_dense(key).repeat_interleave(self.num_repeats, dim=2)
        v = self._value_dense(value).repeat_interleave(self.num_repeats, dim=2)
        # As Keras: `use_causal_mask` only reaches an override when it is set.
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(
            q, k, v, attention_mask=attention_mask, training=training, **extra
        )
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(
        self,
        query,
        key,
        value,
        attention_mask=None,
        training=None,
        use_causal_mask=False,
    ):
        """Attention of projected `(B, T, N, head_dim)` queries over keys and
        values already repeated to `N` heads; returns `(output, scores)`, the
        scores `None` when the fused kernel ran. Keras's hook: subclasses may
        override it (`self._return_attention_scores` tells whether the
        scores are wanted)."""
        return self._attend(
            query,
            key,
            value,
            attention_mask,
            training,
            self._return_attention_scores,
            use_causal_mask,
            self._inverse_sqrt_head_dim,
            key_first=False,
        )

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        return tuple(query_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            **self._common_config(),
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, num_query_heads={self.num_query_heads}, "
            f"num_key_value_heads={self.num_key_value_heads}"
        )

    def _check_shapes(self, query_shape, value_shape, key_shape):
        where = f"`GroupedQueryAttention` (layer '{self.name}')"
        for name, shape in (
            ("query", query_shape),
            ("value", value_shape),
            ("key", key_shape),
        ):
            if len(shape) != 3:
                raise ValueError(
                    f"{where} expects {name} of rank 3, (batch_size, "
                    f"sequence_length, features); received {name} shape "
                    f"{tuple(shape)}. Attention over more axes is "
                    "`MultiHeadAttention(attention_axes=...)`."
                )
        if value_shape[1] != key_shape[1] and None not in (
            value_shape[1],
            key_shape[1],
        ):
            raise ValueError(
                f"{where} expects value and key with the same number of "
                f"positions; received value shape {tuple(value_shape)} and key "
                f"shape {tuple(key_shape)}."
            )


# Keras's public name for the layer.
GroupQueryAttention = GroupedQueryAttention
