"""`text_dataset_from_directory` and `audio_dataset_from_directory`: labels,
shapes, padding and splits as Keras documents them."""

import os

import numpy as np
import pytest
import torch
from data_files import write_wav

from ember.utils import audio_dataset_from_directory, text_dataset_from_directory
from ember.utils.audio_dataset_utils import read_wav


@pytest.fixture
def reviews(tmp_path):
    root = tmp_path / "reviews"
    texts = {
        "neg": ["bad film", "awful, really awful", "boring"],
        "pos": ["great film", "loved it", "wonderful acting", "superb"],
    }
    for label, items in texts.items():
        os.makedirs(root / label)
        for i, text in enumerate(items):
            (root / label / f"{i}.txt").write_text(text, encoding="utf-8")
    (root / "pos" / "notes.md").write_text("not a text file")
    return str(root), texts


def test_text_labels_and_batches(reviews):
    root, texts = reviews
    ds = text_dataset_from_directory(root, batch_size=4, shuffle=False, verbose=False)
    assert ds.class_names == ["neg", "pos"]
    assert len(ds.file_paths) == 7 and all(p.endswith(".txt") for p in ds.file_paths)
    batches = list(ds)
    assert [len(x) for x, _ in batches] == [4, 3]
    strings = np.concatenate([x for x, _ in batches]).tolist()
    labels = torch.cat([y for _, y in batches]).tolist()
    assert strings == texts["neg"] + texts["pos"]
    assert labels == [0, 0, 0, 1, 1, 1, 1]
    assert batches[0][1].dtype == torch.int32


def test_text_max_length_label_modes_and_split(reviews):
    root, _ = reviews
    ds = text_dataset_from_directory(
        root, max_length=4, label_mode="binary", shuffle=False, verbose=False
    )
    texts, labels = ds[0]
    assert texts.tolist()[:2] == ["bad ", "awfu"]
    assert labels.shape == (7, 1) and labels.dtype == torch.float32
    unlabeled = text_dataset_from_directory(
        root, labels=None, batch_size=None, shuffle=False, verbose=False
    )
    assert unlabeled[0] == "bad film" and len(unlabeled) == 7
    train, val = text_dataset_from_directory(
        root, validation_split=0.3, subset="both", seed=4, verbose=False
    )
    assert len(val.file_paths) == 2 and len(train.file_paths) == 5
    assert set(train.file_paths).isdisjoint(val.file_paths)
    categorical = text_dataset_from_directory(
        root, label_mode="categorical", shuffle=False, verbose=False
    )
    assert categorical[0][1].shape == (7, 2)


def _write_clips(root, lengths, rate=8000):
    rng = np.random.default_rng(0)
    for label, clip_lengths in lengths.items():
        os.makedirs(root / label, exist_ok=True)
        for i, length in enumerate(clip_lengths):
            write_wav(root / label / f"{i}.wav", rng.uniform(-0.5, 0.5, length), rate)


@pytest.mark.parametrize("width", [1, 2, 3, 4], ids=["8bit", "16bit", "24bit", "32bit"])
def test_read_wav_decodes_pcm(tmp_path, width):
    values = np.array([[0.0, 0.5], [-0.5, 0.25], [0.75, -1.0]])
    write_wav(tmp_path / "a.wav", values, rate=22050, width=width)
    decoded, rate = read_wav(tmp_path / "a.wav")
    assert rate == 22050 and decoded.dtype == np.float32 and decoded.shape == (3, 2)
    np.testing.assert_allclose(decoded, values, atol=1 / (1 << (8 * width - 2)))


def test_audio_padded_batches_and_labels(tmp_path):
    _write_clips(tmp_path, {"no": [100, 80], "yes": [120, 90, 60]})
    ds = audio_dataset_from_directory(
        tmp_path, batch_size=2, shuffle=False, verbose=False
    )
    assert ds.class_names == ["no", "yes"]
    shapes = [tuple(x.shape) for x, _ in ds]
    assert shapes == [(2, 100, 1), (2, 120, 1), (1, 60, 1)]
    assert torch.cat([y for _, y in ds]).tolist() == [0, 0, 1, 1, 1]
    x, _ = ds[0]
    assert (x[1, 80:] == 0).all()  # the shorter clip is zero-padded
    decoded, _ = read_wav(ds.file_paths[1])
    np.testing.assert_allclose(x[1, :80].numpy(), decoded)


def test_audio_output_sequence_length_ragged_and_resampling(tmp_path):
    _write_clips(tmp_path, {"a": [100, 50], "b": [70]})
    fixed = audio_dataset_from_directory(
        tmp_path, output_sequence_length=64, shuffle=False, verbose=False
    )
    x, y = fixed[0]
    assert x.shape == (3, 64, 1) and (x[1, 50:] == 0).all()
    ragged = audio_dataset_from_directory(
        tmp_path, ragged=True, shuffle=False, verbose=False
    )
    clips, labels = ragged[0]
    assert [tuple(c.shape) for c in clips] == [(100, 1), (50, 1), (70, 1)]
    resampled = audio_dataset_from_directory(
        tmp_path, sampling_rate=4000, ragged=True, shuffle=False, verbose=False
    )
    assert [len(c) for c in resampled[0][0]] == [50, 25, 35]
    with pytest.raises(ValueError, match="ragged"):
        audio_dataset_from_directory(tmp_path, ragged=True, output_sequence_length=5)
    with pytest.raises(ValueError, match="sampling_rate"):
        audio_dataset_from_directory(tmp_path, sampling_rate=0)


def test_audio_resampling_keeps_a_low_tone(tmp_path):
    rate, steps = 8000, 800
    tone = 0.5 * np.sin(2 * np.pi * 200 * np.arange(steps) / rate)
    os.makedirs(tmp_path / "tone")
    write_wav(tmp_path / "tone" / "a.wav", tone, rate)
    ds = audio_dataset_from_directory(
        tmp_path, sampling_rate=16000, batch_size=None, shuffle=False, verbose=False
    )
    clip, _ = ds[0]
    expected = 0.5 * np.sin(2 * np.pi * 200 * np.arange(2 * steps) / 16000)
    np.testing.assert_allclose(clip[:, 0].numpy(), expected, atol=2e-3)


def test_audio_split_is_disjoint_and_complete(tmp_path):
    _write_clips(tmp_path, {"a": [40] * 5, "b": [40] * 5})
    train, val = audio_dataset_from_directory(
        tmp_path, validation_split=0.2, subset="both", seed=9, verbose=False
    )
    assert len(train.file_paths) == 8 and len(val.file_paths) == 2
    assert set(train.file_paths).isdisjoint(val.file_paths)


def test_bad_wav_is_a_clear_error(tmp_path):
    os.makedirs(tmp_path / "a")
    (tmp_path / "a" / "x.wav").write_bytes(b"RIFF\x00\x00garbage")
    ds = audio_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(ValueError, match="PCM WAV"):
        ds[0]
