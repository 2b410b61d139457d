"""Keras's dtype promotion: a lattice with "weak" Python scalar types.

`result_type` is `keras.backend.result_type` exactly, including Keras's habit of
answering 32-bit types for 64-bit inputs. The ops themselves promote with
`promote_types`, the same lattice without that narrowing: on torch, Keras's
`add(float64, float64)` is float64, and so is ember's.
"""

import functools

from ember.backend import config
from ember.backend.dtypes import standardize_dtype

# Each type points to the types just above it; Python `int`/`float` are the weak
# types "int" and "float", which take the dtype of the tensor they meet.
_LATTICE = {
    "bool": ("int",),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int": ("uint8", "int8", "complex64"),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex64": ("complex128",),
    "complex128": (),
}
_NARROW_64 = {
    "int64": "int32",
    "uint64": "uint32",
    "float64": "float32",
    "complex128": "complex64",
}


def _upper_bounds():
    bounds = {}
    for node in _LATTICE:
        seen, todo = {node}, [node]
        while todo:
            for parent in _LATTICE[todo.pop()]:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        bounds[node] = frozenset(seen)
    return bounds


_BOUNDS = _upper_bounds()


@functools.lru_cache(maxsize=1024)
def _least_upper_bound(nodes):
    common = frozenset.intersection(*(_BOUNDS[n] for n in nodes))
    least = [c for c in common if common <= _BOUNDS[c]]
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(nodes)} have no implicit promotion path. "
            "Cast the inputs explicitly to the dtype you want."
        )
    return least[0]


def _node(value):
    """Lattice node and weakness of a dtype-like value (`int`/`float` are weak)."""
    if value is int or value is float:
        return ("int" if value is int else "float"), True
    if value is None:
        return config.floatx(), False
    return standardize_dtype(value), False


def _weak_to_strong(name):
    bits = config.floatx()[-2:]
    if name == "int":
        return f"int{bits}"
    if name == "float":
        return f"float{bits}"
    return name


@functools.lru_cache(maxsize=1024)
def _promote_nodes(nodes, weak, floatx):
    if len(set(nodes)) == 1:
        out, out_weak = nodes[0], all(weak)
    elif all(weak):
        out, out_weak = _least_upper_bound(frozenset(nodes)), True
    else:
        out = _least_upper_bound(frozenset(nodes))
        out_weak = out in ("int", "float")
    if out_weak or out in ("int", "float"):
        out = _weak_to_strong(out)
    return out


def promote_types(*dtypes) -> str:
    """The dtype an op returns for inputs of `dtypes` (Python `int`/`float` weak).

    Keras's lattice, keeping 64-bit types as numpy and torch do.
    """
    if not dtypes:
        return config.floatx()
    nodes, weak = zip(*(_node(d) for d in dtypes), strict=True)
    return _promote_nodes(nodes, weak, config.floatx())


def result_type(*dtypes) -> str:
    """Returns the dtype that Keras's type promotion rules give for `dtypes`.

    Each argument is a dtype (string, torch or numpy dtype) or the Python types
    `int`/`float`/`bool`, which are "weak": they adopt the precision of the
    other arguments. Matches `keras.backend.result_type`, which answers 32-bit
    types for 64-bit inputs.

    Example:

    >>> ember.ops.result_type("int32", float)
    'float32'
    >>> ember.ops.result_type("float16", float)
    'float16'
    """
    out = promote_types(*dtypes)
    return _NARROW_64.get(out, out)
