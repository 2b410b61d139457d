"""Nested structures of tensors: lists, tuples, dicts (keys in sorted order), leaves.

The one place ember walks nested inputs and outputs. Dicts flatten in sorted key
order, as Keras's `tree` does; `None` is a leaf.
"""


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(structure) -> list:
    """Returns the leaves of `structure`, depth first."""
    out = []
    _flatten_into(structure, out)
    return out


def _flatten_into(x, out):
    if isinstance(x, dict):
        for key in sorted(x):
            _flatten_into(x[key], out)
    elif isinstance(x, (list, tuple)):
        for item in x:
            _flatten_into(item, out)
    else:
        out.append(x)


def map_structure(fn, *structures):
    """Applies `fn` to matching leaves of `structures`; returns the first's shape."""
    first = structures[0]
    if isinstance(first, dict):
        return type(first)(
            (k, map_structure(fn, *(s[k] for s in structures))) for k in first
        )
    if isinstance(first, (list, tuple)):
        items = [map_structure(fn, *parts) for parts in zip(*structures)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):
            return type(first)(*items)
        return type(first)(items)
    return fn(*structures)


def pack_sequence_as(structure, flat):
    """Inverse of `flatten`: fills `structure`'s shape with the items of `flat`."""
    flat = list(flat)
    iterator = iter(flat)
    packed = _pack(structure, iterator)
    return packed


def _pack(structure, iterator):
    if isinstance(structure, dict):
        values = {k: _pack(structure[k], iterator) for k in sorted(structure)}
        return type(structure)((k, values[k]) for k in structure)
    if isinstance(structure, (list, tuple)):
        items = [_pack(s, iterator) for s in structure]
        if isinstance(structure, tuple) and hasattr(structure, "_fields"):
            return type(structure)(*items)
        return type(structure)(items)
    return next(iterator)
