"""`Hashing` against the worked examples of Keras's docstrings and tests (Keras
needs TensorFlow for this layer), FarmHash against `pyfarmhash` when
installed, and SipHash against its published test vector."""

import numpy as np
import pytest
import torch

from ember.layers.preprocessing import Hashing
from ember.layers.preprocessing import _hashing_functions as hashing
from ember.testing import run_layer_test

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]
WORDS = [["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]]

KERAS_EXAMPLES = {
    "farmhash": ({"num_bins": 3}, LETTERS, [[1], [0], [1], [1], [2]]),
    "mask": (
        {"num_bins": 3, "mask_value": ""},
        [["A"], ["B"], [""], ["C"], ["D"]],
        [[1], [1], [0], [2], [2]],
    ),
    "siphash_pair": (
        {"num_bins": 3, "salt": [133, 137]},
        LETTERS,
        [[1], [2], [1], [0], [2]],
    ),
    "siphash_int": ({"num_bins": 3, "salt": 133}, LETTERS, [[0], [0], [2], [1], [0]]),
    "words": ({"num_bins": 2}, WORDS, [[0], [0], [1], [0], [0]]),
    "words_mask_empty": (
        {"num_bins": 3, "mask_value": ""},
        WORDS,
        [[1], [1], [2], [1], [1]],
    ),
    "words_mask_omar": (
        {"num_bins": 3, "mask_value": "omar"},
        WORDS,
        [[0], [1], [2], [1], [1]],
    ),
    "words_siphash": (
        {"num_bins": 2, "salt": [133, 137]},
        WORDS,
        [[0], [1], [0], [1], [0]],
    ),
    "words_siphash_2": (
        {"num_bins": 2, "salt": [211, 137]},
        WORDS,
        [[1], [0], [1], [0], [1]],
    ),
    "ints": (
        {"num_bins": 3},
        np.array([[0], [1], [2], [3], [4]]),
        [[1], [0], [1], [0], [2]],
    ),
    "ints_siphash": (
        {"num_bins": 3, "salt": [133, 137]},
        np.array([[0], [1], [2], [3], [4]]),
        [[1], [1], [2], [0], [1]],
    ),
    "int_list": ({"num_bins": 3}, [0, 1, 2, 3, 4], [1, 0, 1, 0, 2]),
    "single_bin": ({"num_bins": 1}, np.asarray(LETTERS), [[0]] * 5),
}


@pytest.mark.parametrize(
    "kwargs, data, expected", KERAS_EXAMPLES.values(), ids=KERAS_EXAMPLES.keys()
)
def test_hashing_matches_keras_documented_bins(kwargs, data, expected):
    out = Hashing(**kwargs)(data)
    assert out.tolist() == expected
    assert out.dtype == torch.int64


def test_hashing_string_forms_and_int_tensors_agree():
    layer = Hashing(num_bins=2)
    flat = ["omar", "stringer", "marlo", "wire", "skywalker"]
    assert layer(flat).tolist() == [0, 0, 1, 0, 0]
    assert layer(np.array(flat)).tolist() == [0, 0, 1, 0, 0]
    assert layer([s.encode() for s in flat]).tolist() == [0, 0, 1, 0, 0]
    ints = Hashing(num_bins=7)
    x = torch.arange(-50, 50).reshape(10, 10)
    as_strings = np.array([[str(v) for v in row] for row in x.tolist()])
    assert torch.equal(ints(x), ints(as_strings))


def test_fingerprint64_matches_pyfarmhash_at_every_length():
    farmhash = pytest.importorskip("farmhash")
    rng = np.random.default_rng(0)
    data = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in range(0, 200)]
    data += [rng.integers(0, 256, 1000, dtype=np.uint8).tobytes()]
    ours = hashing.fingerprint64(data)
    assert [int(v) for v in ours] == [farmhash.fingerprint64(d) for d in data]


def test_siphash_published_vector():
    key = [
        int.from_bytes(bytes(range(8)), "little"),
        int.from_bytes(bytes(range(8, 16)), "little"),
    ]
    assert int(hashing.siphash24([bytes(range(15))], key)[0]) == 0xA129CA6149BE45E5
    assert int(hashing.siphash24([b""], key)[0]) == 0x726FDB47DD0E0E31


@pytest.mark.parametrize(
    "mode, shape", [("one_hot", (5, 3)), ("multi_hot", (5, 3)), ("count", (5, 3))]
)
def test_hashing_output_modes(mode, shape):
    layer = Hashing(num_bins=3, output_mode=mode)
    out = layer(LETTERS)
    assert tuple(out.shape) == shape and out.dtype == torch.float32
    bins = Hashing(num_bins=3)(LETTERS).reshape(-1)
    np.testing.assert_array_equal(out.argmax(-1).numpy(), bins.numpy())
    counts = Hashing(num_bins=3, output_mode="count")([["A", "A", "B"]])
    assert counts.tolist() == [[1.0, 2.0, 0.0]]


def test_hashing_layer_test_config_and_errors():
    run_layer_test(
        Hashing,
        {"num_bins": 5, "salt": 7},
        input_shape=(3, 4),
        input_dtype="int64",
        expected_output_shape=(3, 4),
        expected_output_dtype="int64",
    )
    config = Hashing(num_bins=3, salt=133, name="h").get_config()
    assert config["salt"] == [133, 133] and config["dtype"]["config"]["name"] == "int64"
    with pytest.raises(ValueError, match="num_bins"):
        Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        Hashing(num_bins=3, salt="x")
    with pytest.raises(ValueError, match="output_mode"):
        Hashing(num_bins=3, output_mode="tf_idf")
