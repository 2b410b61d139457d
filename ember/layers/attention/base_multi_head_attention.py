"""What `MultiHeadAttention` and `GroupedQueryAttention` share: arguments,
projection sublayers, masks, and the two ways of attending (torch's fused
kernel, or explicit scores when they are returned or dropped out)."""

import numbers

import torch

from ember import constraints, initializers, regularizers
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.activations.softmax import Softmax
from ember.layers.core.einsum_dense import EinsumDense
from ember.layers.layer import Layer
from ember.layers.regularization.dropout import Dropout
from ember.layers.weight_settings import set_weight_settings
from ember.ops import nn as nn_ops


class BaseMultiHeadAttention(Layer):
    """Base of the multi-head attention layers; not a public layer.

    Subclasses build Keras's sublayers `_query_dense`, `_key_dense`,
    optionally `_gate_dense`, `_value_dense`, `_softmax`, `_dropout_layer`
    and `_output_dense` (Keras's weight order), and define Keras's
    `_compute_attention`, which subclasses written for Keras may override;
    masks are merged by `_compute_attention_mask`.

    Args:
        dropout: Float in `[0, 1]`, the rate of dropout on the attention
            probabilities. Defaults to `0.0`.
        use_bias: Whether the projections add biases. Defaults to `True`.
        sliding_window: Positive integer: each query position attends only to
            key positions less than `sliding_window` away. Defaults to `None`.
        flash_attention: `True` requires torch's flash kernel; `None` or
            `False` let torch choose. Defaults to `None`.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: Given to every projection sublayer.
        use_gate: Whether a sigmoid projection of the query gates the
            attention output. Defaults to `False`.
        seed: Integer seed of the dropout. Defaults to `None`.
    """

    def __init__(
        self,
        dropout=0.0,
        use_bias=True,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(**kwargs)
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, numbers.Real)
            or not 0 <= dropout <= 1
        ):
            raise ArgumentError("dropout", "a float between 0 and 1", dropout)
        if sliding_window is not None and not _is_positive_int(sliding_window):
            raise ArgumentError(
                "sliding_window", "a positive integer or None", sliding_window
            )
        if flash_attention and dropout > 0:
            raise ArgumentError(
                "flash_attention",
                "None or False when `dropout` > 0 (torch's flash kernel does "
                "not take a seeded dropout)",
                flash_attention,
                hint="Set dropout=0.0 to use flash attention.",
            )
        self.dropout = dropout
        self.use_bias = use_bias
        self.sliding_window = sliding_window
        self.use_gate = use_gate
        self.seed = seed
        self._flash_attention = flash_attention
        set_weight_settings(self, arguments, ("kernel", "bias"))
        # Each projection gets the activity regularizer; MultiHeadAttention
        # (as in Keras) does not apply it to its own output.
        self._sublayer_activity_regularizer = regularizers.get(activity_regularizer)
        self.supports_masking = True

    # --------------------------------------------------------------- sublayers
    def _projection(self, equation, output_shape, bias_axes, name, activation=None):
        """An `EinsumDense` with fresh copies of the initializers, so that the
        projections do not start from the same values."""
        return EinsumDense(
            equation,
            output_shape=output_shape,
            activation=activation,
            bias_axes=bias_axes if self.use_bias else None,
            kernel_initializer=_fresh(self.kernel_initializer),
            bias_initializer=_fresh(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self._sublayer_activity_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
            name=name,
        )

    def _build_attention_sublayers(self, norm_axes):
        """Keras's `_softmax` (over the key attention axes) and
        `_dropout_layer` (on the attention probabilities)."""
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(
            rate=self.dropout, dtype=self.dtype_policy, seed=self.seed
        )

    # ------------------------------------------------------------------- masks
    def _resolve_masks(self, query, value, key, query_mask, value_mask, key_mask):
        """Explicit masks win; otherwise each comes from its tensor's Keras
        mask (the key's only when a key was given)."""
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = _mask_of(key)
        if query_mask is None:
            query_mask = _mask_of(query)
        if value_mask is None:
            value_mask = _mask_of(value)
        return key, query_mask, value_mask, key_mask

    def _masks_for_call(
        self,
        owner,
        query,
        value,
        key,
        query_mask,
        value_mask,
        key_mask,
        attention_mask,
        use_causal_mask,
    ):
        """`(key, query_mask, attention_mask, causal_only)` for a call: the masks
        resolved and combined into one attention mask, unless causality alone
        applies (`causal_only`: the fused kernel applies it, no mask is built)."""
        key, query_mask, value_mask, key_mask = self._resolve_masks(
            query, value, key, query_mask, value_mask, key_mask
        )
        causal_only = self._causal_only(
            owner, use_causal_mask, query_mask, value_mask, key_mask, attention_mask
        )
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query,
                value,
                query_mask=query_mask,
                value_mask=value_mask,
                key_mask=key_mask,
                attention_mask=attention_mask,
                use_causal_mask=use_causal_mask,
            )
        return key, query_mask, attention_mask, causal_only

    def _causal_only(self, owner, use_causal_mask, *masks) -> bool:
        """Whether causality is the only constraint, so the fused kernel can
        apply it without a materialised mask. As in Keras, only while the
        class keeps `owner`'s `_compute_attention`: an override would
        otherwise receive no mask at all."""
        return (
            use_causal_mask
            and all(m is None for m in masks)
            and self.sliding_window is None
            and type(self)._compute_attention is owner._compute_attention
        )

    def _compute_attention_mask(
        self,
        query,
        value,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        use_causal_mask=False,
    ):
        """Merges every mask (logical AND) into one boolean mask
        broadcastable to `(B, T, S)`, or `None` when there is none."""
        masks = []
        if query_mask is not None:
            masks.append(_as_bool(query_mask, query).unsqueeze(-1))
        if value_mask is not None:
            masks.append(_as_bool(value_mask, query).unsqueeze(-2))
        if key_mask is not None:
            masks.append(_as_bool(key_mask, query).unsqueeze(-2))
        if use_causal_mask:
            masks.append(self._compute_causal_mask(query, value))
        if self.sliding_window is not None:
            masks.append(self._compute_sliding_window_mask(query, value))
        if attention_mask is not None:
            masks.append(_as_bool(attention_mask, query))
        if not masks:
            return None
        mask = masks[0]
        for other in masks[1:]:
            mask = mask & other
        return mask

    def _compute_causal_mask(self, query, value=None):
        """`(1, T, S)`: query position `i` sees key positions `j <= i`."""
        rows, cols = _positions(query, query if value is None else value)
        return (rows >= cols).unsqueeze(0)

    def _compute_sliding_window_mask(self, query, value=None):
        """`(1, T, S)`: positions less than `sliding_window` apart."""
        rows, cols = _positions(query, query if value is None else value)
        return ((rows - cols).abs() < self.sliding_window).unsqueeze(0)

    # --------------------------------------------------------------- attending
    def _use_fused(self, query, mask, training, return_attention_scores):
        """Whether torch's fused kernel computes what Keras's path computes.

        Keras takes the fused path for 4-D projections without returned
        scores and without dropout; its explicit path zeroes the
        probabilities of fully masked rows where the fused one spreads them
        evenly, so a mask keeps the explicit path whenever Keras takes it.
        Without a mask, dropout outside training changes nothing, so that
        case runs fused too.
        """
        if return_attention_scores and self._flash_attention:
            raise ValueError(
                f"`{type(self).__name__}` (layer '{self.name}') cannot return "
                "attention scores with `flash_attention=True`: the flash kernel "
                "never forms them. Create the layer with flash_attention=None."
            )
        if return_attention_scores or query.ndim != 4:
            return False
        if self.dropout > 0:
            return mask is None and not training
        return True

    def _fused_attention(self, query, key, value, mask, is_causal, scale):
        """`(B, T, N, H)` projections through `scaled_dot_product_attention`
        (key and value may have fewer heads that divide `N`)."""
        if mask is not None:
            scores_shape = (
                query.shape[0],
                query.shape[2],
                query.shape[1],
                key.shape[1],
            )
            mask = self._broadcastable(mask, scores_shape, 1)
        return nn_ops.dot_product_attention(
            query,
            key,
            value,
            mask=mask,
            scale=scale,
            is_causal=is_causal,
            flash_attention=self._flash_attention,
        )

    def _attend(
        self,
        query,
        key,
        value,
        attention_mask,
        training,
        want_scores,
        use_causal_mask,
        scale,
        key_first,
    ):
        """The attention both layers' `_compute_attention` run: torch's fused
        kernel when it computes the same (see `_use_fused`), else scaled dot
        products (`key_first`: the equation takes the keys first, as Keras's
        MultiHeadAttention writes it), masked softmax, dropout and the weighted
        sum. Returns `(output, scores)`, the scores `None` from the fused kernel."""
        if self._use_fused(query, attention_mask, training, want_scores):
            output = self._fused_attention(
                query, key, value, attention_mask, use_causal_mask, scale
            )
            return output, None
        if use_causal_mask:
            causal = self._compute_causal_mask(query, value)
            attention_mask = (
                causal
                if attention_mask is None
                else _as_bool(attention_mask, query) & causal
            )
        query = query * scale
        operands = (key, query) if key_first else (query, key)
        logits = torch.einsum(self._dot_product_equation, *operands)
        scores = self._masked_softmax(logits, attention_mask)
        probs = self._dropout_probs(scores, training)
        return torch.einsum(self._combine_equation, probs, value), scores

    def _masked_softmax(self, attention_scores, attention_mask=None):
        """Softmax over the key attention axes (`_softmax`); masked entries
        get a probability of exactly zero, as in Keras."""
        if attention_mask is not None:
            attention_mask = self._broadcastable(
                attention_mask, attention_scores.shape, self._num_attention_axes
            )
        return self._softmax(attention_scores, mask=attention_mask)

    def _dropout_probs(self, probs, training):
        if self.dropout > 0:
            return self._dropout_layer(probs, training=training)
        return probs

    def _broadcastable(self, mask, scores_shape, num_axes):
        """Inserts the head (and batch) axes before the query attention axes,
        and checks that the mask fits the scores."""
        original = mask
        while mask.ndim < len(scores_shape):
            mask = mask.unsqueeze(-2 * num_axes - 1)
        try:
            if torch.broadcast_shapes(mask.shape, scores_shape) != scores_shape:
                raise RuntimeError
        except RuntimeError:
            raise ValueError(
                self._mask_error(original, scores_shape, num_axes)
            ) from None
        return mask

    def _mask_error(self, mask, scores_shape, num_axes):
        query_axes = tuple(scores_shape[-2 * num_axes : -num_axes])
        key_axes = tuple(scores_shape[-num_axes:])
        return (
            f"`{type(self).__name__}` (layer '{self.name}') received an attention "
            f"mask of shape {tuple(mask.shape)} that does not fit the attention "
            f"scores of shape {tuple(scores_shape)} (query positions "
            f"{query_axes}, key positions {key_axes}). Give `attention_mask` "
            "the shape (batch_size, target_length, source_length), with 1 "
            "where a query may attend."
        )

    # ----------------------------------------------------------------- config
    def _common_config(self) -> dict:
        return {
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(
                self._sublayer_activity_regularizer
            ),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


def _mask_of(x):
    return getattr(x, "_keras_mask", None)


def _positions(query, value):
    rows = torch.arange(query.shape[1], device=query.device).unsqueeze(-1)
    return rows, torch.arange(value.shape[1], device=query.device)


def _fresh(initializer):
    return type(initializer).from_config(initializer.get_config())


def _as_bool(mask, like):
    if not isinstance(mask, torch.Tensor):
        mask = torch.as_tensor(mask, device=like.device)
    return mask if mask.dtype == torch.bool else mask != 0


def _is_positive_int(value) -> bool:
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and value > 0
    )
