"""`ember.tree`: nested structures (lists, tuples, dicts) as `keras.tree` handles them."""

from ember.backend.tree import flatten, is_nested, map_structure, pack_sequence_as

__all__ = ["flatten", "is_nested", "map_structure", "pack_sequence_as"]
