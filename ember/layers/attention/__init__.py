"""Attention layers: `Attention`, `AdditiveAttention`, `MultiHeadAttention`,
`GroupedQueryAttention` (Keras's `GroupQueryAttention`)."""

from ember.layers.attention.additive_attention import AdditiveAttention
from ember.layers.attention.attention import Attention
from ember.layers.attention.grouped_query_attention import (
    GroupedQueryAttention,
    GroupQueryAttention,
)
from ember.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = [
    "AdditiveAttention",
    "Attention",
    "GroupQueryAttention",
    "GroupedQueryAttention",
    "MultiHeadAttention",
]
