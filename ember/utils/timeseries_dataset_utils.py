"""`timeseries_dataset_from_array`: sliding windows over an array, batched."""

import numpy as np
import torch

from ember.utils import batched_dataset


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length,
    sequence_stride=1,
    sampling_rate=1,
    batch_size=128,
    shuffle=False,
    seed=None,
    start_index=None,
    end_index=None,
    format="tf",
):
    """Creates a dataset of sliding windows over a time series.

    Window `i` starts at `start_index + i * sequence_stride` and takes
    `sequence_length` timesteps, `sampling_rate` apart; its target is
    `targets[start_index + i * sequence_stride]` (the target of the window's
    first step; shift `targets` to predict the future).

    Args:
        data: Array or tensor of consecutive timesteps, axis 0 being time.
        targets: Targets aligned with `data` (`targets[i]` for the window starting
            at `i`), or `None` for windows only.
        sequence_length: Number of timesteps per window.
        sequence_stride: Steps between the starts of consecutive windows.
            Defaults to `1`.
        sampling_rate: Steps between the timesteps of a window. Defaults to `1`.
        batch_size: Windows per batch, or `None` for unbatched windows.
            Defaults to `128`.
        shuffle: Whether to shuffle the windows (once with `seed`, as Keras
            orders them, then every epoch). Defaults to `False`.
        seed: Random seed for shuffling.
        start_index: First timestep used (windows start at or after it).
        end_index: Timesteps at or after it are not used.
        format: Accepted for compatibility (`"tf"` or `"grain"`).

    Returns:
        A `Dataset` of `(windows, targets)` batches (or windows alone), windows
        of shape `(batch_size, sequence_length, ...)`.

    Example:

    >>> ds = timeseries_dataset_from_array(np.arange(100), None, 10,
    ...     sequence_stride=3, sampling_rate=2, batch_size=None)
    >>> ds[0].tolist()
    [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
    """
    length = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(
                f"`start_index` must be 0 or greater. Received: start_index={start_index}"
            )
        if start_index >= length:
            raise ValueError(
                "`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {length}"
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index}"
            )
        if end_index >= length:
            raise ValueError(
                "`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {length}"
            )
        if end_index <= 0:
            raise ValueError(
                f"`end_index` must be higher than 0. Received: end_index={end_index}"
            )
    for name, value in (
        ("sampling_rate", sampling_rate),
        ("sequence_stride", sequence_stride),
    ):
        if value <= 0:
            raise ValueError(
                f"`{name}` must be higher than 0. Received: {name}={value}"
            )
        if value >= length:
            raise ValueError(
                f"`{name}` must be lower than the length of the data. Received: "
                f"{name}={value}, for data of length {length}"
            )
    if format not in ("tf", "grain"):
        raise ValueError(
            f'`format` should be either "tf" or "grain". Received: format={format}'
        )
    start_index = start_index or 0
    end_index = end_index or length
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    view = _Windows(
        _tensor(data)[start_index:end_index],
        None if targets is None else _tensor(targets)[start_index:end_index],
        starts,
        sequence_length,
        sampling_rate,
    )
    if shuffle:
        view = batched_dataset.Shuffled(view, seed)
    if batch_size is not None:
        view = batched_dataset.Batched(view, int(batch_size))
    return batched_dataset.Dataset(view, batch_size)


def _tensor(x):
    return (
        x if isinstance(x, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(x))
    )


class _Windows(batched_dataset.View):
    """Window `i` of the series; `gather` cuts many windows with one index."""

    def __init__(self, data, targets, starts, sequence_length, sampling_rate):
        self.data, self.targets = data, targets
        self.starts = torch.from_numpy(starts)
        self.offsets = torch.arange(sequence_length) * sampling_rate

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, index):
        return self.gather([index], squeeze=True)

    def gather(self, indices, squeeze=False):
        starts = self.starts[torch.as_tensor(np.asarray(indices), dtype=torch.long)]
        windows = self.data[starts[:, None] + self.offsets]
        if self.targets is None:
            return windows[0] if squeeze else windows
        targets = self.targets[starts]
        return (windows[0], targets[0]) if squeeze else (windows, targets)
