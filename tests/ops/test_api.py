"""The public surface of `ember.ops`: Keras's names, arguments and defaults."""

import inspect

import numpy as np
import pytest

from ember import activations, ops

keras = pytest.importorskip("keras")


def _public(module):
    return [n for n in module.__all__ if callable(getattr(module, n))]


def test_submodules():
    for sub in ("core", "numpy", "nn", "linalg", "math"):
        assert inspect.ismodule(getattr(ops, sub))
    assert ops.numpy.add is ops.add
    assert ops.nn.softmax is ops.softmax
    assert ops.linalg.norm is ops.norm
    assert ops.math.logsumexp is ops.logsumexp
    assert ops.core.cast is ops.cast


def test_every_submodule_name_is_flat():
    for sub in (ops.core, ops.numpy, ops.nn, ops.linalg, ops.math):
        names = getattr(sub, "__all__", None) or [
            n
            for n, v in vars(sub).items()
            if not n.startswith("_")
            and inspect.isfunction(v)
            and v.__module__ == sub.__name__
        ]
        for name in names:
            assert getattr(ops, name) is getattr(sub, name), name


def _signature(fn):
    params = inspect.signature(fn).parameters.values()
    return [(p.name, p.kind, p.default) for p in params]


@pytest.mark.parametrize("name", _public(ops))
def test_signature_matches_keras(name):
    theirs = getattr(keras.ops, name, None)
    if theirs is None:
        pytest.skip(f"keras.ops has no {name}")
    assert _signature(getattr(ops, name)) == _signature(theirs)


@pytest.mark.parametrize("name", activations.names())
def test_activation_signature_matches_keras(name):
    ours = activations.get(name)
    assert _signature(ours) == _signature(keras.activations.get(name))


def test_read_only_arrays_convert_without_warnings():
    array = np.broadcast_to(np.arange(3.0), (2, 3))
    assert tuple(ops.convert_to_tensor(array).shape) == (2, 3)
