"""Learning rate schedules: values equal to Keras 3's over a range of steps
(int and tensor steps), hand-computed cases, configs, serialization."""

import math

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember.optimizers
from ember.optimizers import schedules

CASES = {
    "exponential": (
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.8},
    ),
    "exponential_staircase": (
        "ExponentialDecay",
        {
            "initial_learning_rate": 0.3,
            "decay_steps": 5,
            "decay_rate": 0.5,
            "staircase": True,
        },
    ),
    "piecewise": (
        "PiecewiseConstantDecay",
        {"boundaries": [10, 25], "values": [1.0, 0.5, 0.1]},
    ),
    "piecewise_one_boundary": (
        "PiecewiseConstantDecay",
        {"boundaries": [3], "values": [0.2, 0.02]},
    ),
    "polynomial": (
        "PolynomialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 30},
    ),
    "polynomial_power_cycle": (
        "PolynomialDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 12,
            "end_learning_rate": 0.01,
            "power": 2.0,
            "cycle": True,
        },
    ),
    "inverse_time": (
        "InverseTimeDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5},
    ),
    "inverse_time_staircase": (
        "InverseTimeDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 4,
            "decay_rate": 0.5,
            "staircase": True,
        },
    ),
    "cosine": ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 30}),
    "cosine_alpha": (
        "CosineDecay",
        {"initial_learning_rate": 0.2, "decay_steps": 20, "alpha": 0.1},
    ),
    "cosine_warmup": (
        "CosineDecay",
        {
            "initial_learning_rate": 0.0,
            "decay_steps": 25,
            "alpha": 0.05,
            "warmup_target": 0.1,
            "warmup_steps": 8,
        },
    ),
    "cosine_restarts": (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 5},
    ),
    "cosine_restarts_equal_periods": (
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 6,
            "t_mul": 1.0,
            "m_mul": 0.5,
            "alpha": 0.1,
        },
    ),
    "cosine_restarts_mul": (
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 4,
            "t_mul": 1.5,
            "m_mul": 0.8,
        },
    ),
}
STEPS = list(range(0, 60))


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_values_match_keras(case):
    keras = keras_or_skip()
    name, kwargs = CASES[case]
    keras_schedule = getattr(keras.optimizers.schedules, name)(**kwargs)
    schedule = getattr(schedules, name)(**kwargs)
    expected = [
        float(keras_schedule(torch.tensor(s, dtype=torch.int32))) for s in STEPS
    ]
    # The optimizer calls schedules with its int64 `iterations` tensor.
    from_tensor = [float(schedule(torch.tensor(s, dtype=torch.int64))) for s in STEPS]
    from_int = [float(schedule(s)) for s in STEPS]
    # Same float32 ops in the same order: equal up to the last bit.
    np.testing.assert_allclose(from_tensor, expected, rtol=1e-7, atol=0)
    np.testing.assert_allclose(from_int, expected, rtol=1e-7, atol=0)
    assert schedule(torch.tensor(3)).dtype == torch.float32


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_config_matches_keras_and_round_trips(case):
    keras = keras_or_skip()
    name, kwargs = CASES[case]
    schedule = getattr(schedules, name)(**kwargs)
    keras_config = getattr(keras.optimizers.schedules, name)(**kwargs).get_config()
    assert schedule.get_config() == keras_config
    rebuilt = type(schedule).from_config(schedule.get_config())
    assert rebuilt.get_config() == schedule.get_config()
    serialized = schedules.serialize(schedule)
    assert serialized == keras.optimizers.schedules.serialize(
        getattr(keras.optimizers.schedules, name)(**kwargs)
    )
    assert schedules.deserialize(serialized).get_config() == keras_config


def test_hand_computed_values():
    exponential = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert float(exponential(20)) == pytest.approx(0.025)
    staircase = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert float(staircase(19)) == pytest.approx(0.05)
    piecewise = schedules.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
    assert [float(piecewise(s)) for s in (0, 100, 101, 200, 201)] == pytest.approx(
        [1.0, 1.0, 0.5, 0.5, 0.1]
    )
    polynomial = schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.0)
    assert float(polynomial(25)) == pytest.approx(0.075)
    assert float(polynomial(500)) == pytest.approx(0.0)  # held at the end value
    inverse = schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0)
    assert float(inverse(10)) == pytest.approx(0.05)
    cosine = schedules.CosineDecay(0.1, decay_steps=100, alpha=0.2)
    assert float(cosine(50)) == pytest.approx(0.1 * (0.8 * 0.5 + 0.2))
    warm = schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10)
    assert float(warm(5)) == pytest.approx(0.05)
    assert float(warm(10)) == pytest.approx(0.1)
    assert float(warm(60)) == pytest.approx(0.1 * 0.5 * (1 + math.cos(math.pi / 2)))
    restarts = schedules.CosineDecayRestarts(0.1, first_decay_steps=10, t_mul=2.0)
    # Periods of 10, then 20 steps: step 10 and step 30 restart at the top.
    assert [float(restarts(s)) for s in (0, 5, 10, 20, 30)] == pytest.approx(
        [0.1, 0.05, 0.1, 0.05, 0.1]
    )


def test_schedule_follows_the_step_device_and_needs_no_host_read():
    schedule = schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=3)
    step = torch.tensor(4, dtype=torch.int64, device="meta")
    value = schedule(step)  # a meta step cannot be read: any host read would fail
    assert value.device.type == "meta" and value.shape == ()


def test_invalid_arguments():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, decay_steps=-1)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, first_decay_steps=0)
    with pytest.raises(ValueError, match="one more value than boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])


def test_custom_schedule_works_in_an_optimizer_and_needs_get_config():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.5 ** torch.as_tensor(step).to(torch.float32)

    weight = ember.Variable(torch.zeros(2))
    optimizer = ember.optimizers.SGD(learning_rate=Halving())
    for _ in range(3):
        optimizer.apply([torch.ones(2)], [weight])
    assert weight.tolist() == pytest.approx([-1.75, -1.75])  # 1 + 0.5 + 0.25
    with pytest.raises(TypeError, match="get_config"):
        optimizer.get_config()
    rebuilt = schedules.deserialize(
        {"class_name": "Halving", "config": {}}, custom_objects={"Halving": Halving}
    )
    assert isinstance(rebuilt, Halving)
