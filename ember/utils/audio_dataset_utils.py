"""`audio_dataset_from_directory`: a batched dataset of `.wav` files by class."""

import wave

import numpy as np
import torch

from ember.utils import dataset_utils

ALLOWED_FORMATS = (".wav",)


def audio_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    sampling_rate=None,
    output_sequence_length=None,
    ragged=False,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    verbose=True,
    *,
    workers=1,
    use_multiprocessing=False,
):
    """Generates a dataset of audio clips from the `.wav` files in a directory.

    Files are decoded with the standard library's `wave` (PCM, 8 to 32 bits) to
    float32 in [-1, 1], shaped `(timesteps, channels)`.

    Args:
        directory: Directory of the data (one subdirectory per class with
            `labels="inferred"`).
        labels: `"inferred"`, a list/tuple of integer labels, or `None`.
            Defaults to `"inferred"`.
        label_mode: `"int"`, `"categorical"`, `"binary"` or `None`.
            Defaults to `"int"`.
        class_names: With `labels="inferred"`, the subdirectories to use, in
            order. Defaults to `None`.
        batch_size: Batch size, or `None` for unbatched samples. Defaults to `32`.
        sampling_rate: Rate (Hz) to resample every clip to (band-limited FFT
            resampling); `None` keeps each file's rate. Defaults to `None`.
        output_sequence_length: Length every clip is cut or zero-padded to.
            `None` pads each batch to its longest clip. Defaults to `None`.
        ragged: Whether batches hold clips of their own lengths (a list of
            tensors) instead of padded ones. Defaults to `False`.
        shuffle: Whether to shuffle. Defaults to `True`.
        seed: Random seed for shuffling; needed with `validation_split`.
        validation_split: Fraction of the files reserved for validation.
        subset: `"training"`, `"validation"` or `"both"`.
        follow_links: Whether to follow symlinked subdirectories.
            Defaults to `False`.
        verbose: Whether to print what was found. Defaults to `True`.
        workers: Number of workers loading batches (ember only). Defaults to `1`.
        use_multiprocessing: Whether the workers are processes (ember only).
            Defaults to `False`.

    Returns:
        A `Dataset` of `(audio, labels)` batches, audio of shape
        `(batch_size, timesteps, channels)`, with `class_names`; or
        `[train, validation]` for `subset="both"`.

    Example:

    >>> ds = audio_dataset_from_directory("speech/", output_sequence_length=16000)
    """
    dataset_utils.check_label_args(labels, label_mode, class_names, "audio")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(
                "`sampling_rate` should have an integer value. "
                f"Received: sampling_rate={sampling_rate}"
            )
        if sampling_rate <= 0:
            raise ValueError(
                "`sampling_rate` should be higher than 0. "
                f"Received: sampling_rate={sampling_rate}"
            )
    if labels is None or label_mode is None:
        labels = label_mode = None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = dataset_utils.index_directory(
        directory,
        labels,
        formats=ALLOWED_FORMATS,
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
    )
    collate = None
    if ragged:
        collate = _collate_ragged
    elif output_sequence_length is None:
        collate = _collate_padded
    return dataset_utils.make_file_datasets(
        file_paths,
        labels,
        class_names,
        label_mode,
        _AudioLoader(sampling_rate, output_sequence_length),
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        "audio",
        directory,
        collate=collate,
        workers=workers,
        use_multiprocessing=use_multiprocessing,
    )


def read_wav(path):
    """Decodes a PCM `.wav` file: float32 `(timesteps, channels)` and the rate."""
    try:
        with wave.open(str(path), "rb") as file:
            width, channels = file.getsampwidth(), file.getnchannels()
            rate, raw = file.getframerate(), file.readframes(file.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(
            f"Could not decode {path!s} as a PCM WAV file ({error}). Only integer "
            "PCM WAV files (8, 16, 24 or 32 bits) are supported."
        ) from error
    if width == 1:
        values = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 3:
        bytes3 = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        values = bytes3[:, 0] | (bytes3[:, 1] << 8) | (bytes3[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        values = values.astype(np.float32) / (1 << 23)
    else:
        kind = {2: np.int16, 4: np.int32}[width]
        values = np.frombuffer(raw, kind).astype(np.float32) / (1 << (8 * width - 1))
    return values.reshape(-1, channels), rate


class _AudioLoader:
    def __init__(self, sampling_rate, output_sequence_length):
        self.sampling_rate = sampling_rate
        self.length = output_sequence_length

    def __call__(self, path):
        values, rate = read_wav(path)
        audio = torch.from_numpy(values)
        if self.sampling_rate is not None and rate != self.sampling_rate:
            audio = _resample(audio, rate, self.sampling_rate)
        if self.length is not None:
            audio = audio[: self.length]
            if len(audio) < self.length:
                padding = torch.zeros(self.length - len(audio), audio.shape[1])
                audio = torch.cat([audio, padding])
        return audio


def _resample(audio, rate_in, rate_out):
    """Band-limited resampling along time: keep the spectrum up to the lower
    Nyquist frequency, then invert at the new length."""
    steps = audio.shape[0]
    new_steps = max(1, round(steps * rate_out / rate_in))
    spectrum = torch.fft.rfft(audio.double(), dim=0)
    bins = new_steps // 2 + 1
    kept = torch.zeros(bins, audio.shape[1], dtype=spectrum.dtype)
    count = min(bins, spectrum.shape[0])
    kept[:count] = spectrum[:count]
    out = torch.fft.irfft(kept, n=new_steps, dim=0) * (new_steps / steps)
    return out.float()


def _collate_padded(items):
    """Zero-pads each batch's clips to its longest (Keras's `padded_batch`)."""
    labeled = isinstance(items[0], tuple)
    clips = [item[0] if labeled else item for item in items]
    longest = max(len(clip) for clip in clips)
    batch = torch.zeros(len(clips), longest, clips[0].shape[1])
    for row, clip in enumerate(clips):
        batch[row, : len(clip)] = clip
    if not labeled:
        return batch
    return batch, torch.stack([item[1] for item in items])


def _collate_ragged(items):
    labeled = isinstance(items[0], tuple)
    clips = [item[0] if labeled else item for item in items]
    if not labeled:
        return clips
    return clips, torch.stack([item[1] for item in items])
