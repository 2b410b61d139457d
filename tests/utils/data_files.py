"""Small image, text and audio directories written for the data utility tests."""

import os
import wave

import numpy as np

# 3x5 bitmaps of the digits 0-9, one string per row.
DIGIT_FONT = {
    0: ("###", "#.#", "#.#", "#.#", "###"),
    1: (".#.", "##.", ".#.", ".#.", "###"),
    2: ("###", "..#", "###", "#..", "###"),
    3: ("###", "..#", "###", "..#", "###"),
    4: ("#.#", "#.#", "###", "..#", "..#"),
    5: ("###", "#..", "###", "..#", "###"),
    6: ("###", "#..", "###", "#.#", "###"),
    7: ("###", "..#", "..#", "..#", "..#"),
    8: ("###", "#.#", "###", "#.#", "###"),
    9: ("###", "#.#", "###", "..#", "###"),
}


def digit_image(digit, rng, size=16):
    """A `size`x`size` uint8 image of `digit` (3x upscaled font, jittered, noisy)."""
    glyph = np.array([[c == "#" for c in row] for row in DIGIT_FONT[digit]], bool)
    glyph = np.kron(glyph, np.ones((2, 2), bool)) * 220
    canvas = np.zeros((size, size))
    top = rng.integers(0, size - glyph.shape[0] + 1)
    left = rng.integers(0, size - glyph.shape[1] + 1)
    canvas[top : top + glyph.shape[0], left : left + glyph.shape[1]] = glyph
    canvas += rng.integers(0, 30, canvas.shape)
    return np.clip(canvas, 0, 255).astype(np.uint8)


def write_digit_directory(root, digits=range(10), per_class=6, size=16, seed=0):
    """Writes `root/<digit>/img_<i>.png` grayscale PNGs; returns `root`."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for digit in digits:
        os.makedirs(os.path.join(root, str(digit)), exist_ok=True)
        for i in range(per_class):
            Image.fromarray(digit_image(digit, rng, size)).save(
                os.path.join(root, str(digit), f"img_{i:02d}.png")
            )
    return str(root)


def write_wav(path, values, rate=16000, width=2):
    """Writes float samples in [-1, 1] of shape `(steps, channels)` as PCM."""
    values = np.asarray(values, np.float64)
    if values.ndim == 1:
        values = values[:, None]
    scale = float(1 << (8 * width - 1))
    ints = np.clip(np.round(values * scale), -scale, scale - 1)
    if width == 1:
        raw = (ints + 128).astype(np.uint8).tobytes()
    elif width == 3:
        flat = ints.astype(np.int32).reshape(-1)
        raw = np.stack([flat & 255, (flat >> 8) & 255, (flat >> 16) & 255], 1)
        raw = raw.astype(np.uint8).tobytes()
    else:
        raw = ints.astype({2: "<i2", 4: "<i4"}[width]).tobytes()
    with wave.open(str(path), "wb") as file:
        file.setnchannels(values.shape[1])
        file.setsampwidth(width)
        file.setframerate(rate)
        file.writeframes(raw)
