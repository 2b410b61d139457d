"""STFT: Fourier-basis kernels equal to Keras 3's, config, validation."""

import numpy as np
import pytest
import torch

from ember import initializers


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # the oracle; conftest sets its backend


STFT_CASES = [
    ("real", "hann", "density", False),
    ("imag", "hann", "spectrum", True),
    ("real", "hamming", None, True),
    ("imag", "bartlett", "density", False),
    ("real", "blackman", "density", True),
    ("imag", None, None, False),
    ("real", "tukey", "spectrum", False),
    ("real", np.linspace(0.0, 1.0, 32), "density", False),
]
STFT_IDS = [
    "hann",
    "hann_imag",
    "hamming",
    "bartlett",
    "blackman",
    "none",
    "scipy",
    "array",
]


@pytest.mark.parametrize("dtype", ["float32", "float64"], ids=str)
@pytest.mark.parametrize("side, window, scaling, periodic", STFT_CASES, ids=STFT_IDS)
def test_stft_equals_keras(keras, side, window, scaling, periodic, dtype):
    if isinstance(window, str) and window == "tukey":
        pytest.importorskip("scipy")
    shape = (32, 1, 17)
    ours = initializers.STFT(side, window, scaling, periodic)(shape, dtype=dtype)
    theirs = keras.initializers.STFT(side, window, scaling, periodic)(
        shape, dtype=dtype
    )
    assert ours.shape == shape and ours.dtype == getattr(torch, dtype)
    # Windows come from torch rather than SciPy: equal up to float64 rounding.
    torch.testing.assert_close(ours, torch.as_tensor(theirs), rtol=0, atol=1e-12)


def test_stft_hand_computed():
    # Without a window the kernel is the DFT basis: cos(-2 pi t f / fft_length).
    kernel = initializers.STFT("real", None, None)((4, 1, 3), dtype="float64")
    t, f = np.arange(4)[:, None], np.arange(3)[None, :]
    np.testing.assert_allclose(kernel[:, 0].numpy(), np.cos(-2 * np.pi * t * f / 4))


def test_stft_validates_arguments():
    with pytest.raises(ValueError, match="side"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="scaling"):
        initializers.STFT(scaling="max")
    with pytest.raises(ValueError, match="window"):
        initializers.STFT(window=np.ones(3))((4, 1, 3))


def test_stft_config_round_trip(keras):
    stft = initializers.STFT("imag", "hamming", "spectrum", True)
    config = stft.get_config()
    assert (
        config
        == keras.initializers.STFT("imag", "hamming", "spectrum", True).get_config()
    )
    clone = initializers.STFT.from_config(config)
    assert torch.equal(clone((8, 1, 5)), stft((8, 1, 5)))
