"""`STFT`: convolution kernels that compute a short-time Fourier transform."""

import numpy as np
import torch

from ember.backend import dtypes
from ember.initializers.initializer import Initializer

# Windows torch computes itself; any other name needs SciPy, as in Keras.
_TORCH_WINDOWS = {
    "hann": torch.hann_window,
    "hamming": torch.hamming_window,
    "blackman": torch.blackman_window,
    "bartlett": torch.bartlett_window,
}


class STFT(Initializer):
    """Fills convolution kernels of shape `(frame_length, 1, fft_length // 2 + 1)`
    with the real or the imaginary part of the discrete Fourier basis, so that a
    strided 1-D convolution computes a short-time Fourier transform. It is meant
    for the `STFTSpectrogram` layer.

    Only the first half of the frequency bins is produced: for real signals the
    second half mirrors it.

    Args:
        side: `"real"` or `"imag"`, which part of the transform the kernel
            computes. Defaults to `"real"`.
        window: The window applied over each frame: the name of a window
            (`"hann"`, `"hamming"`, `"blackman"`, `"bartlett"`, or, with SciPy
            installed, any name `scipy.signal.get_window` accepts), an array of
            `frame_length` values, or `None` for no window. Defaults to
            `"hann"`.
        scaling: `"density"` (divide by the window's L2 norm), `"spectrum"`
            (divide by its L1 norm) or `None`. Defaults to `"density"`.
        periodic: Boolean, whether a named window is periodic (as used for
            spectral analysis) rather than symmetric. Defaults to `False`.

    Example:

    >>> initializer = ember.initializers.STFT("real", "hann", "density", False)
    >>> initializer((128, 1, 65)).shape
    torch.Size([128, 1, 65])
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(
                "Invalid value for argument `side` of `STFT`: expected 'real' or "
                f"'imag'. Received: side={side!r}."
            )
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(
                "Invalid value for argument `scaling` of `STFT`: expected "
                f"'density', 'spectrum' or None. Received: scaling={scaling!r}."
            )
        if isinstance(window, str):
            _named_window(window, 1, periodic)  # fails early on unknown names
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = dtypes.to_torch_dtype(dtype)
        frame_length, _, bins = shape
        fft_length = (bins - 1) * 2
        frequency = torch.arange(bins, dtype=dtype).reshape(1, 1, bins) / fft_length
        time = torch.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        pi = torch.arccos(torch.tensor(-1.0, dtype=dtype))
        angle = (-2 * time) * frequency * pi
        kernel = torch.cos(angle) if self.side == "real" else torch.sin(angle)
        if self.window is None:
            return kernel
        window = self.window
        if isinstance(window, str):
            window = _named_window(window, frame_length, self.periodic)
        elif not isinstance(window, torch.Tensor):
            window = torch.as_tensor(np.asarray(window, dtype=np.float64))
        window = window.to(dtype)
        if window.shape != (frame_length,):
            raise ValueError(
                f"`STFT` needs a window of shape ({frame_length},), one value per "
                f"frame position. Received a window of shape {tuple(window.shape)}."
            )
        window = window.reshape(frame_length, 1, 1)
        if self.scaling == "density":
            kernel = kernel * window / torch.sqrt(torch.sum(torch.square(window)))
        elif self.scaling == "spectrum":
            kernel = kernel * window / torch.sum(torch.abs(window))
        else:
            kernel = kernel * window
        return kernel

    def get_config(self) -> dict:
        window = self.window
        if isinstance(window, (np.ndarray, torch.Tensor)):
            window = window.tolist()
        return {
            "side": self.side,
            "window": window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        }


def _named_window(name: str, length: int, periodic: bool) -> torch.Tensor:
    """The float64 window `name` of `length` values."""
    if name in _TORCH_WINDOWS:
        return _TORCH_WINDOWS[name](length, periodic=periodic, dtype=torch.float64)
    try:
        from scipy.signal import get_window
    except ImportError:
        raise ValueError(
            f"Unknown window {name!r} for `STFT`: without SciPy the accepted names "
            f"are {sorted(_TORCH_WINDOWS)}. Install SciPy for more windows, or pass "
            "the window values as an array."
        ) from None
    return torch.as_tensor(get_window(name, length, fftbins=periodic))
