"""`MultiHeadAttention`: scaled dot-product attention over several heads."""

import math
import string

from ember.backend.errors import ArgumentError
from ember.layers.attention.base_multi_head_attention import (
    BaseMultiHeadAttention,
    _is_positive_int,
)


class MultiHeadAttention(BaseMultiHeadAttention):
    """Multi-head attention, as in "Attention Is All You Need" (Vaswani et
    al., 2017).

    `query`, `key` and `value` are each projected to `num_heads` heads
    (`EinsumDense` sublayers named `query`, `key` and `value`); each query
    position attends to the key positions with weights
    `softmax(q . k / sqrt(key_dim))`, which average the value heads; the
    heads are then projected back (sublayer `attention_output`). Self-attention
    is `layer(x, x)`.

    Without returned scores and without dropout in training, the attention runs
    in torch's fused `scaled_dot_product_attention`. The sublayers and hooks
    carry Keras's names (`_query_dense`, ..., `_softmax`, `_dropout_layer`,
    `_compute_attention`, `_masked_softmax`), so subclasses written for
    Keras's layer work unchanged.

    Args:
        num_heads: Positive integer, the number of attention heads.
        key_dim: Positive integer, the size of each query and key head.
        value_dim: Positive integer, the size of each value head. Defaults to
            `None` (`key_dim`).
        dropout: Float in `[0, 1]`, the dropout rate on the attention
            probabilities. Defaults to `0.0`.
        use_bias: Whether the projections add biases. Defaults to `True`.
        output_shape: Integer or tuple, the shape of each output position.
            Defaults to `None` (the query's last axis size).
        attention_axes: Integer or tuple of the input axes attended over
            (neither the batch axis nor the last one). Defaults to `None`
            (every axis between them).
        sliding_window: Positive integer: each query position attends only to
            key positions less than `sliding_window` away; combine with
            `use_causal_mask=True` for causal windows. Defaults to `None`.
        flash_attention: `True` requires torch's flash kernel; `None` or
            `False` let torch choose. Defaults to `None`.
        kernel_initializer: Initializer of the projection kernels. Defaults
            to `"glorot_uniform"`.
        bias_initializer: Initializer of the projection biases. Defaults to
            `"zeros"`.
        kernel_regularizer: Regularizer of the kernels. Defaults to `None`.
        bias_regularizer: Regularizer of the biases. Defaults to `None`.
        activity_regularizer: Regularizer of each projection's output.
            Defaults to `None`.
        kernel_constraint: Constraint on the kernels. Defaults to `None`.
        bias_constraint: Constraint on the biases. Defaults to `None`.
        use_gate: Whether a sigmoid projection of the query (sublayer `gate`)
            multiplies the attended values before the output projection.
            Defaults to `False`.
        seed: Integer seed of the dropout. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        query: Tensor `(batch_size, T, dim)` (or more axes, see
            `attention_axes`).
        value: Tensor `(batch_size, S, dim)`.
        key: Optional tensor `(batch_size, S, dim)`. Defaults to `value`.
        query_mask: Boolean `(batch_size, T)`; defaults to the Keras mask of
            `query` (e.g. from `Embedding(mask_zero=True)`). Keras 3.15
            ignores an explicit `query_mask` here and reads only `query`'s
            mask; ember applies it.
        value_mask: Boolean `(batch_size, S)`; defaults to `value`'s mask.
        key_mask: Boolean `(batch_size, S)`; defaults to `key`'s mask.
        attention_mask: Boolean `(batch_size, T, S)`: 1 where a query
            position may attend to a key position; broadcast over heads.
        return_attention_scores: Whether to return
            `(output, scores)` with scores of shape `(batch_size, num_heads,
            T, S)`. Defaults to `False`.
        training: Whether dropout is active. Defaults to `None` (inference
            unless an outer call trains).
        use_causal_mask: Whether position `i` may only attend to positions
            `j <= i` (decoder self-attention). Defaults to `False`.

    Input shape:
        `query`: `(batch_size, T, dim)`; `value` and `key`: `(batch_size, S,
        dim_v)` and `(batch_size, S, dim_k)`.

    Output shape:
        `(batch_size, T, dim)`, or `(batch_size, T, *output_shape)`.

    Example:

    >>> layer = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = torch.ones(3, 5, 8)
    >>> layer(x, x).shape
    torch.Size([3, 5, 8])
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape=None,
        attention_axes=None,
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
        if not _is_positive_int(num_heads):
            raise ArgumentError("num_heads", "a positive integer", num_heads)
        if not _is_positive_int(key_dim):
            raise ArgumentError("key_dim", "a positive integer", key_dim)
        if value_dim is not None and not _is_positive_int(value_dim):
            raise ArgumentError("value_dim", "a positive integer or None", value_dim)
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
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        # Stored privately: `output_shape` would shadow what models report.
        self._output_shape = _standardize_output_shape(output_shape)
        self._attention_axes = _standardize_axes(attention_axes)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self.key_dim))

    # Keras's names, for code written against Keras's MultiHeadAttention.
    @property
    def attention_axes(self):
        return self._attention_axes

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

    @property
    def _num_heads(self):
        return self.num_heads

    @property
    def _key_dim(self):
        return self.key_dim

    @property
    def _value_dim(self):
        return self.value_dim

    @property
    def _dropout(self):
        return self.dropout

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        rank = self._check_shapes(query_shape, value_shape, key_shape)
        heads = (self.num_heads,)

        # 1. Projections, in Keras's order: query, key, (gate,) value.
        self._query_dense = self._projection(
            *_projection(len(query_shape), heads + (self.key_dim,)), name="query"
        )
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(
            *_projection(len(key_shape), heads + (self.key_dim,)), name="key"
        )
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection(
                *_projection(len(query_shape), heads + (self.value_dim,)),
                name="gate",
                activation="sigmoid",
            )
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection(
            *_projection(len(value_shape), heads + (self.value_dim,)), name="value"
        )
        self._value_dense.build(value_shape)

        # 2. The attention axes (as axes of the projected (..., heads, dim)),
        # their einsum equations, the softmax and the dropout.
        self._attention_axes = tuple(
            axis if axis >= 0 else rank + axis
            for axis in (self._attention_axes or range(1, rank - 1))
        )
        for axis in self._attention_axes:
            if not 1 <= axis <= rank - 2:
                raise ValueError(
                    f"`MultiHeadAttention` (layer '{self.name}') cannot attend over "
                    f"axis {axis} of inputs of rank {rank} (query shape "
                    f"{tuple(query_shape)}): `attention_axes` must name axes "
                    f"between the batch axis and the last one, i.e. in [1, "
                    f"{rank - 2}]."
                )
        self._dot_product_equation, self._combine_equation = _attention_equations(
            rank + 1, self._attention_axes
        )
        self._num_attention_axes = len(self._attention_axes)
        scores_rank = rank + 1 + self._num_attention_axes - 1
        self._build_attention_sublayers(
            tuple(range(scores_rank - self._num_attention_axes, scores_rank))
        )

        # 3. The output projection, from (..., heads, value_dim).
        out_shape = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection(
            *_output_projection(rank, heads + (self.value_dim,), out_shape),
            name="attention_output",
        )
        self._output_dense.build(
            tuple(query_shape[:-1]) + (self.num_heads, self.value_dim)
        )
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
        key, query_mask, attention_mask, causal_only = self._masks_for_call(
            MultiHeadAttention,
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
        k = self._key_dense(key)
        v = self._value_dense(value)
        # As Keras: `use_causal_mask` only reaches an override when it is set.
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(
            q, k, v, attention_mask, training, return_attention_scores, **extra
        )
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if query_mask is not None:
            output._keras_mask = query_mask
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
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        """Attention of projected `(B, T, N, key_dim)` queries over `(B, S, N,
        key_dim)` keys and `(B, S, N, value_dim)` values; returns `(output,
        scores)`, the scores `None` when the fused kernel ran. Keras's hook:
        subclasses may override it."""
        return self._attend(
            query,
            key,
            value,
            attention_mask,
            training,
            return_attention_scores,
            use_causal_mask,
            self._inverse_sqrt_key_dim,
            key_first=True,
        )

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self.sliding_window,
            **self._common_config(),
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, num_heads={self.num_heads}, "
            f"key_dim={self.key_dim}"
        )

    def _check_shapes(self, query_shape, value_shape, key_shape):
        where = f"`MultiHeadAttention` (layer '{self.name}')"
        rank = len(query_shape)
        if rank < 3:
            raise ValueError(
                f"{where} expects a query of rank 3 or more, (batch_size, "
                f"sequence_length, features); received shape {tuple(query_shape)}. "
                "For one vector per sample, add a sequence axis: `x[:, None, :]`."
            )
        if len(value_shape) != rank or len(key_shape) != rank:
            raise ValueError(
                f"{where} expects query, value and key of the same rank; received "
                f"query shape {tuple(query_shape)}, value shape "
                f"{tuple(value_shape)} and key shape {tuple(key_shape)}."
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"{where} expects value and key to agree on every axis but the "
                f"last; received value shape {tuple(value_shape)} and key shape "
                f"{tuple(key_shape)}."
            )
        return rank


def _projection(input_rank, head_shape):
    """Equation, output shape and bias axes of a projection of the last axis
    of a rank-`input_rank` input to `head_shape`: 'abc,cde->abde'."""
    letters = string.ascii_lowercase
    free = letters[: input_rank - 1]
    bound = letters[input_rank - 1]
    out = letters[input_rank : input_rank + len(head_shape)]
    output_shape = (None,) * (input_rank - 2) + tuple(head_shape)
    return f"{free}{bound},{bound}{out}->{free}{out}", output_shape, out


def _output_projection(input_rank, head_shape, output_shape):
    """From `(batch, ..., heads, value_dim)` to `(batch, ..., *output_shape)`."""
    letters = string.ascii_lowercase
    free = letters[: input_rank - 1]
    bound = letters[input_rank - 1 : input_rank - 1 + len(head_shape)]
    start = input_rank - 1 + len(head_shape)
    out = letters[start : start + len(output_shape)]
    shape = (None,) * (input_rank - 2) + tuple(output_shape)
    return f"{free}{bound},{bound}{out}->{free}{out}", shape, out


def _attention_equations(rank, attention_axes):
    """Einsum equations of the scores (`key, query -> scores`, Keras's
    operand order) and of the combination (`scores, value -> output`), for
    projected tensors of rank `rank`: `(batch, ..., heads, dim)`.

    The scores keep every non-attention axis (the heads included) in front,
    then the query's attention axes, then the key's.
    """
    letters = string.ascii_lowercase
    query = letters[:rank]
    key = list(query)
    for i, axis in enumerate(attention_axes):
        key[axis] = letters[rank + i]
    key = "".join(key)
    kept = [i for i in range(rank - 1) if i not in attention_axes]
    scores = (
        "".join(query[i] for i in kept)
        + "".join(query[i] for i in attention_axes)
        + "".join(key[i] for i in attention_axes)
    )
    return f"{key},{query}->{scores}", f"{scores},{key}->{query}"


def _standardize_output_shape(output_shape):
    if output_shape is None:
        return None
    if _is_positive_int(output_shape):
        return (int(output_shape),)
    if isinstance(output_shape, (tuple, list)) and all(
        _is_positive_int(d) for d in output_shape
    ):
        return tuple(int(d) for d in output_shape) or None
    raise ArgumentError(
        "output_shape",
        "a positive integer, a tuple of positive integers, or None",
        output_shape,
    )


def _standardize_axes(axes):
    if axes is None:
        return None
    if isinstance(axes, int) and not isinstance(axes, bool):
        return (axes,)
    if isinstance(axes, (tuple, list)) and all(
        isinstance(a, int) and not isinstance(a, bool) for a in axes
    ):
        return tuple(axes)
    raise ArgumentError(
        "attention_axes", "an integer, a tuple of integers, or None", axes
    )
