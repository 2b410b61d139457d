"""Ops on `KerasTensor`s record graph nodes with Keras's output shapes."""

import pytest

from ember import activations, ops
from ember.backend import KerasTensor

keras = pytest.importorskip("keras")


def case(name, *args, id=None, **kwargs):
    return pytest.param(name, args, kwargs, id=id or name)


# Arguments are shapes (tuples in a list `S(...)`) turned into symbolic inputs.
class S(tuple):
    """A symbolic input of this shape (float32 unless `dtype` is set)."""

    dtype = "float32"


def si(*shape):
    return S(shape)


def ints(*shape):
    s = S(shape)
    s.dtype = "int32"
    return s


CASES = [
    case("add", si(None, 3), 1.0),
    case("add", si(None, 3), si(2, None, 1), id="add-bc"),
    case("multiply", si(None, 3), si(3)),
    case("true_divide", ints(None, 4), 2),
    case("reshape", si(None, 6), (-1, 2, 3)),
    case("reshape", si(None, 2, 3), (-1,), id="reshape-flat"),
    case("concatenate", [si(None, 3), si(None, 5)], axis=-1),
    case("concatenate", [si(None, 3), si(2, 3)], id="concat-batch"),
    case("matmul", si(None, 4), si(4, 5)),
    case("matmul", si(None, 2, 4), si(None, 4, 7), id="matmul-batch"),
    case("transpose", si(None, 2, 3)),
    case("transpose", si(None, 2, 3), (0, 2, 1), id="transpose-axes"),
    case("expand_dims", si(None, 3), 1),
    case("squeeze", si(None, 1, 3), 1),
    case("sum", si(None, 3, 4), 1),
    case("mean", si(None, 3), keepdims=True),
    case("max", si(None, 3), -1),
    case("argmax", si(None, 5), -1),
    case("stack", [si(None, 3), si(None, 3)], 1),
    case("split", si(None, 6), 3, axis=1),
    case("take", si(10, 4), ints(None, 2), axis=0),
    case("one_hot", ints(None, 7), 5),
    case("softmax", si(None, 5)),
    case("relu", si(None, 5)),
    case("cast", si(None, 2), "int32"),
    case("where", si(None, 3), si(None, 3), 0.0),
    case("einsum", "bi,ij->bj", si(None, 3), si(3, 4)),
    case("tile", si(None, 3), (1, 2)),
    case("pad", si(None, 3), ((0, 0), (1, 2))),
    case("get_item", si(None, 5, 4), (slice(None), 1)),
    case("sparse_categorical_crossentropy", ints(None), si(None, 4)),
    case("moments", si(None, 3, 4), (0, 1)),
    case("top_k", si(None, 6), 2),
    case(
        "dot_product_attention", si(None, 5, 2, 8), si(None, 6, 2, 8), si(None, 6, 2, 8)
    ),
]


def _symbolic(arg, tensor_type):
    if isinstance(arg, S):
        return tensor_type(tuple(arg), dtype=arg.dtype)
    if isinstance(arg, list):
        return [_symbolic(a, tensor_type) for a in arg]
    return arg


def _specs(out):
    if isinstance(out, (tuple, list)):
        return [_specs(o) for o in out]
    return (tuple(out.shape), str(out.dtype))


@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_symbolic_shapes_match_keras(name, args, kwargs):
    ours = getattr(ops, name)(*[_symbolic(a, KerasTensor) for a in args], **kwargs)
    theirs = getattr(keras.ops, name)(
        *[_symbolic(a, keras.KerasTensor) for a in args], **kwargs
    )
    assert _specs(ours) == _specs(theirs)


def test_symbolic_op_records_a_node():
    x = KerasTensor((None, 3))
    y = ops.add(x, 1.0)
    assert isinstance(y, KerasTensor) and y.shape == (None, 3)
    operation, node_index, _ = y._keras_history
    node = operation._inbound_nodes[node_index]
    assert node.input_tensors == [x]
    assert operation.name.startswith("add")  # unique per session: add, add_1, ...


def test_operators_on_keras_tensors():
    x = KerasTensor((None, 3))
    assert (x + 1).shape == (None, 3)
    assert (2 * x - x / 2).shape == (None, 3)
    assert (x @ KerasTensor((3, 4))).shape == (None, 4)
    assert x[:, 0].shape == (None,)
    assert (x > 0).dtype == "bool"
    assert (-(abs(x) ** 2)).shape == (None, 3)


@pytest.mark.parametrize("name", activations.names())
def test_activations_are_symbolic(name):
    if name in ("threshold",):
        out = activations.get(name)(KerasTensor((None, 4)), 0.5, 0.0)
    else:
        out = activations.get(name)(KerasTensor((None, 4)))
    expected = (None, 2) if name == "glu" else (None, 4)
    assert isinstance(out, KerasTensor) and out.shape == expected
