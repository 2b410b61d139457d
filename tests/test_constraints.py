"""Constraints: projections equal to Keras 3's, hand-computed cases, lookup,
config round trips."""

import numpy as np
import pytest
import torch

from ember import constraints
from ember.backend.errors import ArgumentError


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # the oracle; conftest sets its backend


WEIGHT = np.random.default_rng(0).normal(size=(3, 3, 4, 5)).astype("float32")
CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 0.5, "axis": [0, 1, 2]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 2.0, "max_value": 3.0, "rate": 0.5, "axis": -1}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
    ("NonNeg", {}),
    ("Constraint", {}),
]
IDS = [
    "maxnorm",
    "maxnorm_conv",
    "minmax",
    "minmax_rate",
    "unit",
    "unit_conv",
    "nonneg",
    "base",
]


@pytest.mark.parametrize("dtype", ["float32", "float64"], ids=str)
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_projection_equals_keras(keras, name, kwargs, dtype):
    weight = WEIGHT.astype(dtype)
    ours = getattr(constraints, name)(**kwargs)(torch.tensor(weight))
    theirs = getattr(keras.constraints, name)(**kwargs)(
        keras.ops.convert_to_tensor(weight)
    )
    assert ours.shape == weight.shape and ours.dtype == getattr(torch, dtype)
    theirs = torch.as_tensor(theirs)
    # Keras's NonNeg returns float32 for float64 weights; ember keeps float64.
    torch.testing.assert_close(ours.to(theirs.dtype), theirs, rtol=0, atol=0)


def _norms(w, axis):
    return torch.sqrt(torch.sum(w**2, dim=axis))


def test_hand_computed_projections():
    w = torch.tensor([[3.0, 0.3], [4.0, 0.4]])  # column norms 5 and 0.5
    torch.testing.assert_close(
        _norms(constraints.MaxNorm(1.0)(w), 0), torch.tensor([1.0, 0.5])
    )
    torch.testing.assert_close(
        _norms(constraints.UnitNorm()(w), 0), torch.tensor([1.0, 1.0])
    )
    min_max = constraints.MinMaxNorm(min_value=1.0, max_value=2.0)(w)
    torch.testing.assert_close(_norms(min_max, 0), torch.tensor([2.0, 1.0]))
    half_way = constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(w)
    torch.testing.assert_close(_norms(half_way, 0), torch.tensor([3.5, 0.75]))
    assert constraints.NonNeg()(torch.tensor([-1.0, 0.0, 2.0])).tolist() == [0, 0, 2]


def test_epsilon_keeps_zero_weights_finite():
    zeros = torch.zeros(3, 2)
    for constraint in (
        constraints.MaxNorm(),
        constraints.UnitNorm(),
        constraints.MinMaxNorm(),
    ):
        assert torch.equal(constraint(zeros), zeros)


def test_gradients_flow_through_projection():
    weight = torch.tensor(WEIGHT, requires_grad=True)
    constraints.MaxNorm(0.5, axis=[0, 1, 2])(weight).sum().backward()
    assert torch.isfinite(weight.grad).all()


def test_accepts_numpy_arrays():
    assert constraints.NonNeg()(np.array([-1.0, 1.0])).tolist() == [0.0, 1.0]


INSTANCES = [
    constraints.MaxNorm(3.0, axis=[0, 1]),
    constraints.MinMaxNorm(0.5, 2.0, 0.3, axis=1),
    constraints.UnitNorm(axis=-1),
    constraints.NonNeg(),
]
NAMES = [type(c).__name__ for c in INSTANCES]


@pytest.mark.parametrize("constraint", INSTANCES, ids=NAMES)
def test_config_round_trips(keras, constraint):
    config = constraint.get_config()
    assert type(constraint).from_config(config).get_config() == config
    serialized = constraints.serialize(constraint)
    theirs = keras.constraints.deserialize(serialized)
    assert keras.constraints.serialize(theirs) == serialized
    clone = constraints.deserialize(serialized)
    assert type(clone) is type(constraint) and clone.get_config() == config


@pytest.mark.parametrize(
    "name, cls",
    [
        ("max_norm", constraints.MaxNorm),
        ("min_max_norm", constraints.MinMaxNorm),
        ("non_neg", constraints.NonNeg),
        ("unit_norm", constraints.UnitNorm),
        ("MaxNorm", constraints.MaxNorm),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_get_by_name(name, cls):
    assert type(constraints.get(name)) is cls


def test_every_keras_name_resolves(keras):
    from keras.src.constraints import ALL_OBJECTS_DICT

    for name, cls in ALL_OBJECTS_DICT.items():
        assert type(constraints.get(name)).__name__ == cls.__name__, name
    for alias in ("max_norm", "min_max_norm", "non_neg", "unit_norm"):
        assert (
            getattr(constraints, alias).__name__
            == getattr(keras.constraints, alias).__name__
        )


def test_get_accepts_every_identifier_kind():
    assert constraints.get(None) is None
    instance = constraints.UnitNorm()
    assert constraints.get(instance) is instance
    assert type(constraints.get(constraints.NonNeg)) is constraints.NonNeg
    assert (
        constraints.get({"class_name": "MaxNorm", "config": {"max_value": 4}}).max_value
        == 4
    )

    def clip(w):
        return w.clamp(-1, 1)

    assert constraints.get(clip) is clip


@pytest.mark.parametrize("identifier", ["maxnorm_", 2], ids=["unknown", "int"])
def test_bad_identifiers(identifier):
    with pytest.raises(ArgumentError, match="constraint"):
        constraints.get(identifier)
