"""Helpers shared by the directory loaders (file indexing, splits, labels) and
`split_dataset`. The datasets themselves are `ember.utils.batched_dataset.Dataset`.
"""

import os
import random

import numpy as np
import torch

from ember.utils.batched_dataset import (
    ArraySource,
    Batched,
    Dataset,
    FileSource,
    Shuffled,
    collate_items,
)

__all__ = ["Dataset", "split_dataset"]


# Directory indexing, splits and labels, shared by the directory loaders.


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Checks `validation_split`/`subset`/`seed` as Keras does."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            "Invalid value for argument `validation_split`: expected a float "
            f"between 0 and 1. Received: validation_split={validation_split}."
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            "If `subset` is set, `validation_split` must be set, and inversely. "
            f"Received: validation_split={validation_split}, subset={subset!r}."
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            'Invalid value for argument `subset`: expected "training", '
            f'"validation" or "both". Received: subset={subset!r}.'
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide "
            "a `seed` argument, to make sure that there is no overlap between the "
            "training and validation subsets."
        )


def index_directory(
    directory,
    labels,
    formats,
    class_names=None,
    shuffle=True,
    seed=None,
    follow_links=False,
    verbose=True,
):
    """Lists the files of `directory` with their labels, as Keras does.

    With `labels="inferred"` each subdirectory (alphanumeric order, hidden ones
    skipped) is a class and its files (walked recursively, sorted) get its index.
    Otherwise files are listed from `directory` down and `labels` (a list, one
    per file in that order) or `None` label them. With `shuffle`, paths and labels
    are shuffled together by `np.random.RandomState(seed)`.

    Returns:
        `(file_paths, labels, class_names)`.
    """
    if not os.path.isdir(directory):
        raise ValueError(
            f"Directory {directory!r} does not exist or is not a directory."
        )
    if labels == "inferred":
        subdirs = [
            name
            for name in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    "The `class_names` passed did not match the names of the "
                    f"subdirectories of the target directory. Expected: {subdirs} "
                    f"(or a subset of it), but received: class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError(
                "When `labels=None` (no labels), argument `class_names` cannot be "
                "specified."
                if labels is None
                else "When argument `labels` is specified, argument `class_names` "
                "cannot be specified (the `class_names` will be the sorted list "
                "of labels)."
            )
        subdirs = [""]
    class_indices = {name: index for index, name in enumerate(subdirs)}
    filenames, label_list = [], []
    for subdir in subdirs:
        root_dir = os.path.join(directory, subdir)
        for root, name in _valid_files(root_dir, follow_links, formats):
            relative = os.path.relpath(os.path.join(root, name), root_dir)
            filenames.append(os.path.join(os.path.basename(root_dir), relative))
            label_list.append(class_indices[subdir])
    if labels == "inferred":
        labels = np.asarray(label_list, dtype="int32")
        class_names = list(subdirs)
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in "
                f"the target directory. len(labels) is {len(labels)} while we "
                f"found {len(filenames)} files in directory {directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(
                f"Found {len(filenames)} files belonging to {len(class_names)} classes."
            )
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def _valid_files(directory, follow_links, formats):
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The training part (all but the last `validation_split` fraction) or the
    validation part (that last fraction) of the samples and labels."""
    if not validation_split:
        return samples, labels
    count = int(validation_split * len(samples))
    cut = len(samples) - count
    if subset == "training":
        print(f"Using {cut} files for training.")
        part = slice(0, cut)
    elif subset == "validation":
        print(f"Using {count} files for validation.")
        part = slice(cut, len(samples))
    else:
        raise ValueError(
            'Invalid value for argument `subset`: expected "training" or '
            f'"validation". Received: subset={subset!r}.'
        )
    return samples[part], None if labels is None else labels[part]


def encode_labels(labels, label_mode, num_classes):
    """Label tensors for `label_mode`: int32 indices, float32 one-hot rows, or
    float32 `(n, 1)` binary values."""
    labels = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if label_mode == "binary":
        return labels.float().unsqueeze(-1)
    if label_mode == "categorical":
        return torch.nn.functional.one_hot(labels, num_classes).float()
    return labels.int()


def check_label_args(labels, label_mode, class_names, kind):
    """Checks `labels`/`label_mode`/`class_names` of a directory loader."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "The `labels` argument should be a list/tuple of integer labels, "
                f'one per {kind} file in the target directory; or "inferred" '
                "to infer them from the subdirectory names; or `None` for no "
                f"labels. Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                'You can only pass `class_names` if `labels="inferred"`. '
                f"Received: labels={labels}, and class_names={class_names}"
            )
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            'Invalid value for argument `label_mode`: expected "int", '
            f'"categorical", "binary" or None. Received: label_mode={label_mode!r}.'
        )


def make_file_datasets(
    file_paths,
    labels,
    class_names,
    label_mode,
    load,
    batch_size,
    shuffle,
    seed,
    validation_split,
    subset,
    kind,
    directory,
    collate=None,
    workers=1,
    use_multiprocessing=False,
):
    """The dataset (or `[training, validation]` for `subset="both"`) of files."""
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 '
            f"class_names. Received: class_names={class_names}"
        )
    num_classes = len(class_names) if class_names else 0
    subsets = ["training", "validation"] if subset == "both" else [subset]
    datasets = []
    for part in subsets:
        paths, part_labels = get_training_or_validation_split(
            file_paths, labels, validation_split, part
        )
        if not paths:
            where = f"{part} " if subset == "both" else ""
            raise ValueError(
                f"No {where}{kind} files found in directory {directory}. "
                "Check the path and the file extensions."
            )
        encoded = (
            None
            if label_mode is None
            else encode_labels(part_labels, label_mode, num_classes)
        )
        view = FileSource(paths, load, encoded)
        if shuffle and not (subset == "both" and part == "validation"):
            view = Shuffled(view, seed)
        if batch_size is not None:
            view = Batched(view, batch_size, collate=collate)
        dataset = Dataset(view, batch_size, workers, use_multiprocessing)
        dataset.class_names = class_names
        dataset.file_paths = list(paths)
        datasets.append(dataset)
    return datasets if subset == "both" else datasets[0]


# split_dataset


def split_dataset(
    dataset,
    left_size=None,
    right_size=None,
    shuffle=False,
    seed=None,
    preferred_backend=None,
):
    """Splits a dataset into a left and a right dataset.

    Arrays (or a tuple/list of arrays) and torch `Dataset`s give two torch
    `Subset`s: with `shuffle`, `torch.utils.data.random_split` seeded by `seed`
    (Keras's split on its torch backend); without, the first `left_size` and the
    last `right_size` samples in order (Keras's torch path shuffles even then;
    ember follows the documented argument). An ember `Dataset` is unbatched, split
    (shuffled with Python's `random.seed(seed)` as Keras shuffles a `tf.data`
    dataset), and each part batched again with the original batch size.

    Args:
        dataset: Numpy array, tuple/list of arrays, torch `Dataset`, or ember
            `Dataset`.
        left_size: Integer (number of samples) or float in (0, 1) (fraction) of
            the left part; `None` takes what `right_size` leaves.
        right_size: Same for the right part.
        shuffle: Whether to shuffle before splitting. Defaults to `False`.
        seed: Random seed for the shuffle.
        preferred_backend: Accepted for compatibility with Keras; ember always
            returns torch datasets for arrays and ember datasets for ember ones.

    Returns:
        `(left_dataset, right_dataset)`.

    Example:

    >>> left, right = split_dataset(np.zeros((10, 2)), left_size=0.8)
    >>> len(left), len(right)
    (8, 2)
    """
    if left_size is None and right_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. "
            "Received: left_size=None and right_size=None"
        )
    if isinstance(dataset, Dataset):
        return _split_ember_dataset(dataset, left_size, right_size, shuffle, seed)
    if isinstance(dataset, np.ndarray):
        dataset = torch.utils.data.TensorDataset(torch.from_numpy(dataset))
    elif isinstance(dataset, (list, tuple)):
        if not dataset or not all(isinstance(x, np.ndarray) for x in dataset):
            raise ValueError(
                "Expected a non-empty list/tuple of `numpy.ndarray` objects. "
                f"Received: {[type(x).__name__ for x in dataset]}."
            )
        if len({len(x) for x in dataset}) != 1:
            raise ValueError(
                "Received a list/tuple of NumPy arrays with different lengths: "
                f"{[x.shape for x in dataset]}. Please provide arrays of the same "
                "length."
            )
        dataset = torch.utils.data.TensorDataset(
            *(torch.from_numpy(x) for x in dataset)
        )
    elif not isinstance(dataset, torch.utils.data.Dataset):
        raise TypeError(
            "The `dataset` argument must be a numpy array, a list/tuple of arrays, "
            "a torch `Dataset` or an ember `Dataset`. "
            f"Received: dataset={dataset!r} of type {type(dataset).__name__}"
        )
    total = len(dataset)
    left_size, right_size = _rescale_split_sizes(left_size, right_size, total)
    if not shuffle:
        return (
            torch.utils.data.Subset(dataset, range(left_size)),
            torch.utils.data.Subset(dataset, range(total - right_size, total)),
        )
    generator = torch.Generator()
    if seed is not None:
        generator.manual_seed(seed)
    else:
        generator.seed()
    return tuple(
        torch.utils.data.random_split(
            dataset, [left_size, right_size], generator=generator
        )
    )


def _split_ember_dataset(dataset, left_size, right_size, shuffle, seed):
    source = dataset.unbatch() if dataset._batch_size else dataset
    samples = [source._view[i] for i in range(len(source))]
    if not samples:
        raise ValueError("Received an empty dataset: there is nothing to split.")
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(samples)
    left_size, right_size = _rescale_split_sizes(left_size, right_size, len(samples))
    parts = []
    for part in (samples[:left_size], samples[len(samples) - right_size :]):
        view = ArraySource(collate_items(part))
        if dataset._batch_size:
            view = Batched(view, dataset._batch_size)
        parts.append(
            Dataset(
                view, dataset._batch_size, dataset.workers, dataset.use_multiprocessing
            )
        )
    return tuple(parts)


def _rescale_split_sizes(left_size, right_size, total):
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            continue
        if type(size) not in (int, float):
            raise TypeError(
                f"Invalid `{name}` type: expected int, float or None. Received: "
                f"type({name})={type(size).__name__}."
            )
        if (type(size) is int and not 0 < size < total) or (
            type(size) is float and not 0 < size < 1
        ):
            raise ValueError(
                f"`{name}` should be either a positive integer smaller than "
                f"{total}, or a float within the range `[0, 1]`. Received: "
                f"{name}={size}"
            )
    if (
        type(left_size) is float
        and type(right_size) is float
        and left_size + right_size > 1
    ):
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. It must be "
            "less than or equal to 1."
        )
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be at most the "
            f"dataset's length {total}. Received: left_size + right_size = "
            f"{left + right}."
        )
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(
                f"With a dataset of length {total}, left_size={left} and "
                f"right_size={right}, the {side} split would be empty. Adjust "
                "the sizes."
            )
    return int(left), int(right)
