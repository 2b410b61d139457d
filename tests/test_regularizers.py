"""Regularizers: penalties equal to Keras 3's, hand-computed cases, gradients,
lookup, config round trips."""

import numpy as np
import pytest
import torch

from ember import regularizers
from ember.backend.errors import ArgumentError


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # the oracle; conftest sets its backend


WEIGHT = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
CASES = [
    ("L1", {"l1": 0.1}),
    ("L1", {}),
    ("L2", {"l2": 0.1}),
    ("L2", {}),
    ("L1L2", {"l1": 0.1, "l2": 0.2}),
    ("L1L2", {"l1": 0.3}),
    ("L1L2", {}),
    ("OrthogonalRegularizer", {"factor": 0.5}),
    ("OrthogonalRegularizer", {"factor": 0.2, "mode": "columns"}),
    ("Regularizer", {}),
]
IDS = [
    "l1",
    "l1_default",
    "l2",
    "l2_default",
    "l1l2",
    "l1_only",
    "l1l2_zero",
    "ortho",
    "ortho_cols",
    "base",
]


@pytest.mark.parametrize("dtype", ["float32", "float64"], ids=str)
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_penalty_equals_keras(keras, name, kwargs, dtype):
    weight = WEIGHT.astype(dtype)
    ours = getattr(regularizers, name)(**kwargs)(torch.tensor(weight))
    theirs = getattr(keras.regularizers, name)(**kwargs)(
        keras.ops.convert_to_tensor(weight)
    )
    assert ours.shape == () and ours.dtype == getattr(torch, dtype)
    # Keras stores L1's and OrthogonalRegularizer's factors as float32, so in
    # float64 its penalty carries a float32-rounded factor (relative 1e-8); the
    # orthogonal penalty's matmul may take another BLAS path for a transpose.
    exact = dtype == "float32" and not name.startswith("Orthogonal")
    rtol = 0 if exact else 1e-6
    torch.testing.assert_close(
        ours, torch.as_tensor(theirs, dtype=ours.dtype), rtol=rtol, atol=0
    )


def test_hand_computed_penalties():
    x = torch.tensor([[1.0, -2.0], [3.0, 0.0]])
    assert float(regularizers.L1(0.5)(x)) == pytest.approx(3.0)
    assert float(regularizers.L2(0.5)(x)) == pytest.approx(7.0)  # no 1/2 factor
    assert float(regularizers.L1L2(0.5, 0.5)(x)) == pytest.approx(10.0)
    # Rows (1, 0) and (0, 1) are orthogonal; (1, 0) and (1, 1)/sqrt(2) are not.
    ortho = regularizers.OrthogonalRegularizer(factor=1.0)
    assert float(ortho(torch.eye(2))) == 0.0
    expected = 0.5 * 2 * (1 / np.sqrt(2)) / 1.0  # 0.5 * sum|off-diag| / pairs
    assert float(ortho(torch.tensor([[1.0, 0.0], [1.0, 1.0]]))) == pytest.approx(
        expected
    )


@pytest.mark.parametrize("name, kwargs", CASES[:-1], ids=IDS[:-1])
def test_gradients_flow(name, kwargs):
    weight = torch.tensor(WEIGHT, requires_grad=True)
    penalty = getattr(regularizers, name)(**kwargs)(weight)
    if penalty.requires_grad:
        penalty.backward()
        assert weight.grad is not None and torch.isfinite(weight.grad).all()


def test_l2_gradient_is_two_l2_x():
    weight = torch.tensor(WEIGHT, requires_grad=True)
    regularizers.L2(0.1)(weight).backward()
    torch.testing.assert_close(weight.grad, 0.2 * weight.detach())


def test_accepts_numpy_arrays():
    assert float(regularizers.L1(1.0)(np.ones((2, 2), "float32"))) == 4.0


def test_orthogonal_regularizer_needs_a_matrix():
    with pytest.raises(ValueError, match="2-D"):
        regularizers.OrthogonalRegularizer()(torch.ones(3))


@pytest.mark.parametrize(
    "make",
    [
        lambda: regularizers.L1(-1.0),
        lambda: regularizers.L2(float("nan")),
        lambda: regularizers.L1L2(l1="0.1"),
        lambda: regularizers.OrthogonalRegularizer(factor=float("inf")),
        lambda: regularizers.OrthogonalRegularizer(mode="diagonal"),
    ],
    ids=["negative", "nan", "string", "inf", "mode"],
)
def test_bad_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_none_factors_mean_defaults():
    assert regularizers.L1(None).l1 == 0.01
    assert regularizers.L2(None).l2 == 0.01
    assert regularizers.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


INSTANCES = [
    regularizers.L1(0.2),
    regularizers.L2(0.3),
    regularizers.L1L2(0.1, 0.4),
    regularizers.OrthogonalRegularizer(0.25, "columns"),
]
NAMES = [type(r).__name__ for r in INSTANCES]


@pytest.mark.parametrize("regularizer", INSTANCES, ids=NAMES)
def test_config_round_trips(keras, regularizer):
    config = regularizer.get_config()
    assert type(regularizer).from_config(config).get_config() == config
    serialized = regularizers.serialize(regularizer)
    assert serialized["module"] == "keras.regularizers"
    clone = regularizers.deserialize(serialized)
    assert type(clone) is type(regularizer) and clone.get_config() == config
    theirs = keras.regularizers.deserialize(serialized)
    assert type(theirs).__name__ == type(regularizer).__name__


@pytest.mark.parametrize(
    "name, cls",
    [
        ("l1", regularizers.L1),
        ("l2", regularizers.L2),
        ("l1_l2", regularizers.L1L2),
        ("l1l2", regularizers.L1L2),
        ("orthogonal_regularizer", regularizers.OrthogonalRegularizer),
        ("L2", regularizers.L2),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_get_by_name(name, cls):
    assert type(regularizers.get(name)) is cls


def test_every_keras_name_resolves(keras):
    from keras.src.regularizers import ALL_OBJECTS_DICT

    for name, cls in ALL_OBJECTS_DICT.items():
        assert type(regularizers.get(name)).__name__ == cls.__name__, name
    for alias in ("l1", "l2", "l1_l2", "orthogonal_regularizer"):
        assert (
            getattr(regularizers, alias).__name__
            == getattr(keras.regularizers, alias).__name__
        )


def test_get_accepts_every_identifier_kind():
    assert regularizers.get(None) is None
    instance = regularizers.L2(0.5)
    assert regularizers.get(instance) is instance
    assert type(regularizers.get(regularizers.L1)) is regularizers.L1
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5

    def penalty(x):
        return x.abs().sum()

    assert regularizers.get(penalty) is penalty


@pytest.mark.parametrize("identifier", ["l3", 0.1], ids=["unknown", "float"])
def test_bad_identifiers(identifier):
    with pytest.raises(ArgumentError, match="regularizer"):
        regularizers.get(identifier)
