"""`set_random_seed`: every generator seeded, two runs identical, bad seeds."""

import random as python_random

import numpy as np
import pytest
import torch

from ember import initializers, random
from ember.utils import set_random_seed


def _one_run():
    """Draws from every source a program may use."""
    layer_kernel = initializers.GlorotUniform()((8, 4))
    seed_generator = random.SeedGenerator()
    return [
        torch.tensor([python_random.random()]),
        torch.as_tensor(np.random.rand(3)),
        torch.rand(3),
        layer_kernel,
        initializers.get("he_normal")((3, 3, 2, 4)),
        random.normal((5,)),
        random.uniform((5,), seed=seed_generator),
        random.dropout(torch.ones(10), 0.5),
        random.shuffle(torch.arange(10)),
    ]


def test_two_runs_are_identical():
    set_random_seed(1337)
    first = _one_run()
    set_random_seed(1337)
    second = _one_run()
    for a, b in zip(first, second, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_different_seeds_differ():
    set_random_seed(1)
    first = _one_run()
    set_random_seed(2)
    second = _one_run()
    assert all(not torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_matches_keras_set_random_seed():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(7)
    theirs = (
        keras.initializers.GlorotUniform()((6, 3)),
        keras.random.normal((4,)),
        python_random.random(),
        np.random.rand(),
        torch.rand(2),
    )
    set_random_seed(7)
    ours = (
        initializers.GlorotUniform()((6, 3)),
        random.normal((4,)),
        python_random.random(),
        np.random.rand(),
        torch.rand(2),
    )
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(
            torch.as_tensor(a), torch.as_tensor(b), rtol=0, atol=0
        )


@pytest.mark.parametrize("seed", ["1", 1.0, None], ids=["str", "float", "none"])
def test_non_integer_seed_is_a_type_error(seed):
    with pytest.raises(TypeError, match="integer"):
        set_random_seed(seed)


@pytest.mark.parametrize("seed", [-1, 2**32], ids=["negative", "too_big"])
def test_out_of_range_seed_is_a_value_error(seed):
    with pytest.raises(ValueError, match=r"2\*\*32"):
        set_random_seed(seed)


def test_numpy_integers_are_accepted():
    set_random_seed(np.int64(5))
    a = random.normal((3,))
    set_random_seed(5)
    assert torch.equal(a, random.normal((3,)))
