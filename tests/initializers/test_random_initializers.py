"""Random initializers: draws identical to Keras 3's for the same seed,
statistics against theory, seed semantics, dtypes, devices."""

import math

import pytest
import torch

from ember import initializers, random
from ember.initializers.variance_scaling import compute_fans
from ember.utils import set_random_seed


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # the oracle; conftest sets its backend


SHAPES = [(400, 500), (3, 3, 64, 128)]
SHAPE_IDS = ["dense", "conv"]
TRUNC = 0.87962566103423978  # stddev of a standard normal cut at +-2


def _uniform_std(limit):
    return limit / math.sqrt(3)


# (class name, kwargs, expected std as a function of (fan_in, fan_out)).
CASES = [
    ("RandomNormal", {}, lambda i, o: 0.05),
    ("RandomNormal", {"mean": 1.0, "stddev": 2.0}, lambda i, o: 2.0),
    ("RandomUniform", {}, lambda i, o: _uniform_std(0.05)),
    ("RandomUniform", {"minval": 0.0, "maxval": 2.0}, lambda i, o: _uniform_std(1.0)),
    ("TruncatedNormal", {}, lambda i, o: 0.05 * TRUNC),
    ("TruncatedNormal", {"mean": -1.0, "stddev": 3.0}, lambda i, o: 3.0 * TRUNC),
    ("GlorotUniform", {}, lambda i, o: _uniform_std(math.sqrt(6 / (i + o)))),
    ("GlorotNormal", {}, lambda i, o: math.sqrt(2 / (i + o))),
    ("HeUniform", {}, lambda i, o: _uniform_std(math.sqrt(6 / i))),
    ("HeNormal", {}, lambda i, o: math.sqrt(2 / i)),
    ("LecunUniform", {}, lambda i, o: _uniform_std(math.sqrt(3 / i))),
    ("LecunNormal", {}, lambda i, o: math.sqrt(1 / i)),
    ("VarianceScaling", {}, lambda i, o: math.sqrt(1 / i)),
    (
        "VarianceScaling",
        {"scale": 3.0, "mode": "fan_out", "distribution": "untruncated_normal"},
        lambda i, o: math.sqrt(3 / o),
    ),
    (
        "VarianceScaling",
        {"scale": 0.5, "mode": "fan_avg", "distribution": "uniform"},
        lambda i, o: _uniform_std(math.sqrt(3 * 0.5 / ((i + o) / 2))),
    ),
]
CASE_IDS = [
    f"{name}-{'-'.join(map(str, kw.values())) or 'default'}" for name, kw, _ in CASES
]


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("name, kwargs, std", CASES, ids=CASE_IDS)
def test_draws_match_keras_and_theory(keras, name, kwargs, std, shape):
    ours = getattr(initializers, name)(seed=17, **kwargs)(shape)
    theirs = getattr(keras.initializers, name)(seed=17, **kwargs)(shape)
    assert ours.shape == shape and ours.dtype == torch.float32
    # Same seed, same draws, except where Keras keeps a truncated-normal value
    # beyond 2 stddev (about 4 in a million); ember redraws those.
    theirs = torch.as_tensor(theirs)
    center = kwargs.get("mean", 0.0)
    differs = ours != theirs
    assert int(differs.sum()) <= 3
    assert bool(((theirs[differs] - center).abs() > (ours - center).abs().max()).all())
    expected_std = std(*compute_fans(shape))
    expected_mean = kwargs.get(
        "mean", (kwargs.get("minval", 0) + kwargs.get("maxval", 0)) / 2
    )
    assert abs(float(ours.mean()) - expected_mean) < 0.01 * expected_std + 1e-6
    assert float(ours.std()) == pytest.approx(expected_std, rel=0.01)


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_truncated_initializers_stay_within_two_stddevs(shape):
    x = initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=1)(shape)
    assert float((x - 0.5).abs().max()) < 0.2
    fan_in, _ = compute_fans(shape)
    he = initializers.HeNormal(seed=1)(shape)
    assert float(he.abs().max()) < 2 * math.sqrt(2 / fan_in) / TRUNC


@pytest.mark.parametrize("shape", [(40, 50), (50, 40), (3, 3, 8, 16), (6, 6)], ids=str)
@pytest.mark.parametrize("gain", [1.0, 2.5], ids=["gain1", "gain2.5"])
def test_orthogonal(keras, shape, gain):
    ours = initializers.Orthogonal(gain=gain, seed=3)(shape)
    theirs = keras.initializers.Orthogonal(gain=gain, seed=3)(shape)
    torch.testing.assert_close(ours, torch.as_tensor(theirs), rtol=1e-5, atol=1e-6)
    matrix = ours.reshape(-1, shape[-1]) / gain
    rows, cols = matrix.shape
    small = matrix.T @ matrix if rows >= cols else matrix @ matrix.T
    torch.testing.assert_close(small, torch.eye(min(rows, cols)), atol=2e-5, rtol=0)


def test_orthogonal_rejects_vectors():
    with pytest.raises(ValueError, match="rank"):
        initializers.Orthogonal()((5,))


ALL_RANDOM = [
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
    "Orthogonal",
]


@pytest.mark.parametrize("name", ALL_RANDOM, ids=ALL_RANDOM)
def test_seed_semantics_match_keras(keras, name):
    ours_cls, keras_cls = getattr(initializers, name), getattr(keras.initializers, name)
    # An int seed, and no seed, repeat the same values on every call.
    seeded = ours_cls(seed=5)
    assert torch.equal(seeded((8, 6)), seeded((8, 6)))
    unseeded = ours_cls()
    assert torch.equal(unseeded((8, 6)), unseeded((8, 6)))
    assert not torch.equal(unseeded((8, 6)), ours_cls()((8, 6)))
    # A SeedGenerator advances: new values each call, in Keras's sequence.
    ours = ours_cls(seed=random.SeedGenerator(9))
    theirs = keras_cls(seed=keras.random.SeedGenerator(9))
    first = ours((8, 6))
    for a in (first, ours((8, 6))):
        torch.testing.assert_close(
            a, torch.as_tensor(theirs((8, 6))), rtol=1e-6, atol=1e-7
        )
    assert not torch.equal(first, ours((8, 6)))


@pytest.mark.parametrize("name", ALL_RANDOM, ids=ALL_RANDOM)
def test_unseeded_matches_keras_after_set_random_seed(keras, name):
    keras.utils.set_random_seed(2024)
    theirs = getattr(keras.initializers, name)()((10, 12))
    set_random_seed(2024)
    ours = getattr(initializers, name)()((10, 12))
    torch.testing.assert_close(ours, torch.as_tensor(theirs), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"], ids=str)
@pytest.mark.parametrize("name", ALL_RANDOM[:-1], ids=ALL_RANDOM[:-1])
def test_dtypes(name, dtype):
    values = getattr(initializers, name)(seed=1)((4, 5), dtype=dtype)
    assert values.dtype == getattr(torch, dtype) and values.shape == (4, 5)


@pytest.mark.parametrize("name", ALL_RANDOM, ids=ALL_RANDOM)
def test_meta_default_device(name):
    with torch.device("meta"):
        values = getattr(initializers, name)(seed=1)((4, 5))
    assert values.device.type == "meta" and values.shape == (4, 5)


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((3, 5), (3, 5)),
        ((3, 3, 64, 128), (576, 1152)),
        ((2, 4, 6), (8, 12)),
    ],
    ids=["scalar", "vector", "matrix", "conv2d", "conv1d"],
)
def test_compute_fans(shape, fans):
    assert compute_fans(shape) == fans


def test_compute_fans_with_axes():
    assert compute_fans((2, 3, 4, 5), input_axes=[0, 1], output_axes=[2, 3]) == (6, 20)


def test_variance_scaling_validates_arguments():
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_max")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
    assert initializers.VarianceScaling(distribution="Normal").distribution == (
        "truncated_normal"
    )


@pytest.mark.parametrize("seed", ["1", 1.5], ids=["str", "float"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed=seed)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ALL_RANDOM, ids=ALL_RANDOM)
def test_cuda_default_device(name):
    with torch.device("cuda"):
        values = getattr(initializers, name)(seed=1)((40, 50))
    assert values.device.type == "cuda" and values.shape == (40, 50)
