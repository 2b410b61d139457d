"""Small helpers shared by the data adapters: unpacking, class weights, splitting."""

import numpy as np
import torch

from ember.backend import tree


def unpack_x_y_sample_weight(data):
    """Splits a batch into `(x, y, sample_weight)`, as Keras's utility does."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
        f"`(x, y, sample_weight)`; received a tuple of {len(data)} elements."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from a `{class_index: weight}` dict and the labels `y`."""
    if isinstance(y, (dict, list)) and len(tree.flatten(y)) > 1:
        raise ValueError(
            "`class_weight` is only supported for models with a single output. "
            "For several outputs, pass `sample_weight` per output instead."
        )
    y = tree.flatten(y)[0]
    labels = y if isinstance(y, torch.Tensor) else torch.as_tensor(np.asarray(y))
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(dim=-1)
    elif labels.ndim > 1:
        labels = (
            (labels[..., 0] > 0.5).long()
            if labels.is_floating_point()
            else labels[..., 0]
        )
    labels = labels.long()
    size = max(int(labels.max()) + 1 if labels.numel() else 0, max(class_weight) + 1)
    table = torch.ones(size, dtype=torch.float32)
    for index, weight in class_weight.items():
        table[int(index)] = float(weight)
    return table[labels.cpu()].to(labels.device)


def num_samples(structure) -> int:
    flat = [x for x in tree.flatten(structure) if x is not None]
    sizes = {int(x.shape[0]) for x in flat}
    if len(sizes) > 1:
        shapes = [tuple(x.shape) for x in flat]
        raise ValueError(
            "All arrays passed to the model must have the same number of samples "
            f"(first dimension). Received shapes: {shapes}."
        )
    return sizes.pop() if sizes else 0


def train_validation_split(arrays, validation_split):
    """Splits arrays into training and validation parts: the last
    `validation_split` fraction of the samples (before shuffling) validates."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            "Invalid value for argument `validation_split`: expected a float in "
            f"(0, 1). Received: validation_split={validation_split!r}."
        )
    total = num_samples(arrays)
    split = int(total * (1.0 - validation_split))
    if split == 0 or split == total:
        raise ValueError(
            f"`validation_split={validation_split}` leaves no samples for training or "
            f"validation with {total} samples. Use more data or another split."
        )
    train = tree.map_structure(lambda x: None if x is None else x[:split], arrays)
    validation = tree.map_structure(lambda x: None if x is None else x[split:], arrays)
    return train, validation
