"""`SeedGenerator`: state arithmetic as in Keras 3, config, errors."""

import pytest
import torch

from ember import random
from ember.random.seed_generator import (
    draw_seed,
    global_seed_generator,
    reset_global_seed_generator,
)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # the oracle; conftest sets its backend


@pytest.mark.parametrize("ordered", [True, False], ids=["ordered", "unordered"])
@pytest.mark.parametrize("seed", [0, 7, 663307073, 2**31 - 1], ids=lambda s: f"s{s}")
def test_state_sequence_matches_keras(keras, seed, ordered):
    ours, theirs = random.SeedGenerator(seed), keras.random.SeedGenerator(seed)
    for _ in range(5):
        assert ours.next(ordered).tolist() == theirs.next(ordered).tolist()


def test_next_returns_pair_then_advances_counter():
    generator = random.SeedGenerator(5)
    assert generator.next().tolist() == [5, 0]
    assert generator.next().tolist() == [5, 1]
    assert generator.state.tolist() == [5, 2]
    assert generator.state.dtype == torch.int32


def test_state_is_a_cpu_variable_even_under_other_default_devices():
    with torch.device("meta"):
        generator = random.SeedGenerator(5)
    assert generator.state.device.type == "cpu"
    assert not generator.state.trainable
    assert generator.state.path == f"{generator.name}/seed_generator_state"


def test_unseeded_generator_draws_initial_seed_from_python_random():
    import random as python_random

    python_random.seed(11)
    a = random.SeedGenerator()
    python_random.seed(11)
    b = random.SeedGenerator()
    assert a.state.tolist() == b.state.tolist()
    assert a.get_config()["seed"] is None


def test_config_round_trip():
    generator = random.SeedGenerator(3, name="gen")
    assert generator.get_config() == {"seed": 3, "name": "gen"}
    clone = random.SeedGenerator.from_config(generator.get_config())
    assert clone.state.tolist() == [3, 0] and clone.name == "gen"


def test_names_are_unique():
    assert random.SeedGenerator().name != random.SeedGenerator().name


def test_errors():
    with pytest.raises(ValueError, match="seed"):
        random.SeedGenerator(seed="1")
    with pytest.raises(TypeError, match="foo"):
        random.SeedGenerator(1, foo=2)


def test_draw_seed_combines_seed_and_counter_as_uint32():
    assert draw_seed(5) == 5
    assert draw_seed(-1) == 2**32 - 1
    generator = random.SeedGenerator(2**31 - 1)
    draw_seed(generator)
    assert draw_seed(generator) == 2**31  # (2**31 - 1) + 1, as uint32


def test_global_generator_is_reset():
    first = global_seed_generator()
    assert global_seed_generator() is first
    reset_global_seed_generator()
    assert global_seed_generator() is not first
