"""The main job, `examples/mnist_convnet.py`, runs end to end on a tiny IDX folder."""

import importlib.util
import os
import sys

import numpy as np

EXAMPLE = os.path.join(
    os.path.dirname(__file__), "..", "..", "examples", "mnist_convnet.py"
)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "datasets"))

from dataset_writers import write_idx_folder  # noqa: E402


def load_example():
    spec = importlib.util.spec_from_file_location("mnist_convnet", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digit_images(rng, n):
    """Two easy classes: a bright left half (0) or a bright right half (1)."""
    y = rng.integers(0, 2, n).astype("uint8")
    x = rng.integers(0, 40, (n, 28, 28)).astype("uint8")
    for i, label in enumerate(y):
        x[i, :, 14 * label : 14 * label + 14] += 200
    return x, y


def test_trains_evaluates_saves_and_reloads(tmp_path, capsys):
    rng = np.random.default_rng(0)
    splits = (digit_images(rng, 512), digit_images(rng, 128))
    folder = write_idx_folder(tmp_path / "idx", splits)
    out = tmp_path / "model.keras"

    accuracy = load_example().main(
        ["--epochs", "3", "--data", str(folder), "--out", str(out)]
    )

    printed = capsys.readouterr().out
    assert f"data: MNIST from {folder}: 512 training, 128 test images" in printed
    assert "reloaded model predicts the same: True" in printed
    assert out.is_file()
    assert accuracy > 0.9


def test_trains_from_a_directory_of_png_files(tmp_path, capsys):
    rng = np.random.default_rng(1)
    splits = (digit_images(rng, 384), digit_images(rng, 96))
    folder = write_idx_folder(tmp_path / "idx", splits)
    images = tmp_path / "png"

    accuracy = load_example().main(
        [
            "--epochs",
            "4",
            "--data",
            str(folder),
            "--from-directory",
            str(images),
            "--out",
            str(tmp_path / "model.keras"),
        ]
    )

    printed = capsys.readouterr().out
    assert f"writing the images as PNG files under {images}" in printed
    assert len(list((images / "train" / "1").glob("*.png"))) == splits[0][1].sum()
    assert len(list((images / "test").glob("*/*.png"))) == 96
    assert "reloaded model predicts the same: True" in printed
    assert accuracy > 0.9
