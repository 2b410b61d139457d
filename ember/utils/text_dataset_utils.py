"""`text_dataset_from_directory`: a batched dataset of text files by class."""

import numpy as np

from ember.utils import dataset_utils


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    format="tf",
    verbose=True,
    *,
    workers=1,
    use_multiprocessing=False,
):
    """Generates a dataset of texts from the `.txt` files in a directory.

    With `labels="inferred"`, `directory` holds one subdirectory per class
    (ordered alphanumerically), each holding `.txt` files.

    Args:
        directory: Directory of the data.
        labels: `"inferred"`, a list/tuple of integer labels (one per file, in
            the alphanumeric order of the file paths), or `None`.
            Defaults to `"inferred"`.
        label_mode: `"int"`, `"categorical"`, `"binary"` or `None`.
            Defaults to `"int"`.
        class_names: With `labels="inferred"`, the subdirectories to use, in
            order. Defaults to `None`.
        batch_size: Batch size, or `None` for unbatched samples. Defaults to `32`.
        max_length: Most characters kept from each text. Defaults to `None`.
        shuffle: Whether to shuffle (as `image_dataset_from_directory`).
            Defaults to `True`.
        seed: Random seed for shuffling; needed with `validation_split`.
        validation_split: Fraction of the files reserved for validation.
        subset: `"training"`, `"validation"` or `"both"`.
        follow_links: Whether to follow symlinked subdirectories.
            Defaults to `False`.
        format: Accepted for compatibility (`"tf"` or `"grain"`).
        verbose: Whether to print what was found. Defaults to `True`.
        workers: Number of workers loading batches (ember only). Defaults to `1`.
        use_multiprocessing: Whether the workers are processes (ember only).
            Defaults to `False`.

    Returns:
        A `Dataset` of `(texts, labels)` batches (texts as a numpy array of
        `str`), with `class_names` and `file_paths`; or `[train, validation]`
        for `subset="both"`.

    Example:

    >>> ds = text_dataset_from_directory("reviews/", batch_size=2, seed=0)
    >>> texts, labels = next(iter(ds))
    """
    dataset_utils.check_label_args(labels, label_mode, class_names, "text")
    if labels is None or label_mode is None:
        labels = label_mode = None
    if max_length is not None and max_length <= 0:
        raise ValueError(
            "Invalid value for argument `max_length`: expected a positive integer. "
            f"Received: max_length={max_length}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(
            f'`format` should be either "tf" or "grain". Received: format={format}'
        )
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = dataset_utils.index_directory(
        directory,
        labels,
        formats=(".txt",),
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
    )
    return dataset_utils.make_file_datasets(
        file_paths,
        labels,
        class_names,
        label_mode,
        _TextLoader(max_length),
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        "text",
        directory,
        workers=workers,
        use_multiprocessing=use_multiprocessing,
    )


class _TextLoader:
    def __init__(self, max_length):
        self.max_length = max_length

    def __call__(self, path):
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
        return text if self.max_length is None else text[: self.max_length]
