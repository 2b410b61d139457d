"""`image_dataset_from_directory`: a batched dataset of images from class folders."""

import numpy as np
import torch

from ember.backend import config
from ember.utils import dataset_utils, image_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_KERAS_INTERPOLATIONS = (
    "bilinear",
    "nearest",
    "bicubic",
    "area",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
)


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",
    verbose=True,
    *,
    workers=1,
    use_multiprocessing=False,
):
    """Generates a dataset of images from the image files in a directory.

    With `labels="inferred"`, `directory` holds one subdirectory per class:

    ```
    main_directory/
    ...class_a/
    ......a_image_1.jpg
    ...class_b/
    ......b_image_1.jpg
    ```

    Classes are ordered alphanumerically by subdirectory name. Supported files:
    `.bmp`, `.gif` (first frame), `.jpeg`, `.jpg`, `.png`. Images are decoded with
    Pillow and resized with torch, giving float32 values in [0, 255].

    Args:
        directory: Directory of the data.
        labels: `"inferred"` (from the subdirectories), a list/tuple of integer
            labels (one per image file, in the alphanumeric order of the file
            paths, as `os.walk` finds them), or `None` (no labels).
            Defaults to `"inferred"`.
        label_mode: `"int"` (int32 indices, for `sparse_categorical_crossentropy`),
            `"categorical"` (float32 one-hot), `"binary"` (float32 `(batch, 1)`,
            exactly two classes) or `None` (images only). Defaults to `"int"`.
        class_names: With `labels="inferred"`, the subdirectories to use, in
            the order of their class indices. Defaults to `None` (all of them).
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`: 1, 3 or 4 channels.
            Defaults to `"rgb"`.
        batch_size: Batch size, or `None` for unbatched samples. Defaults to `32`.
        image_size: `(height, width)` (or one int) to resize images to.
            Defaults to `(256, 256)`.
        shuffle: Whether to shuffle the data (the file list once with `seed`,
            as Keras does, then the training samples every epoch). Without
            shuffling, files are in alphanumeric order. Defaults to `True`.
        seed: Random seed for shuffling; needed with `validation_split`.
        validation_split: Fraction of the files (the last ones after the seeded
            shuffle) reserved for validation.
        subset: `"training"`, `"validation"` or `"both"` (returns a list of the
            two datasets). Only with `validation_split`.
        interpolation: Resizing method: `"bilinear"`, `"nearest"`, `"bicubic"`,
            `"area"` or `"lanczos3"`. Defaults to `"bilinear"`.
        follow_links: Whether to visit subdirectories behind symlinks.
            Defaults to `False`.
        crop_to_aspect_ratio: Whether to crop the largest centered window of the
            target aspect ratio before resizing. Defaults to `False`.
        pad_to_aspect_ratio: Whether to resize keeping the aspect ratio and pad
            the rest with zeros. Defaults to `False`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        format: Accepted for compatibility (`"tf"` or `"grain"`); ember always
            returns its own `Dataset`.
        verbose: Whether to print the number of files and classes found.
            Defaults to `True`.
        workers: Number of workers loading batches (ember only). Defaults to `1`.
        use_multiprocessing: Whether the workers are processes of torch's
            `DataLoader` (ember only). Defaults to `False`.

    Returns:
        A `Dataset` yielding `(images, labels)` (or `images` when unlabeled), with
        images of shape `(batch_size, height, width, channels)` (channels last),
        and the attributes `class_names` and `file_paths`. With `subset="both"`,
        a list `[train_dataset, validation_dataset]`.

    Example:

    >>> train, val = image_dataset_from_directory(
    ...     "digits/", image_size=(28, 28), color_mode="grayscale",
    ...     validation_split=0.2, subset="both", seed=1337)
    >>> train.class_names
    ['0', '1', ...]
    """
    dataset_utils.check_label_args(labels, label_mode, class_names, "image")
    if labels is None or label_mode is None:
        labels = label_mode = None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
    if color_mode not in channels:
        raise ValueError(
            'Invalid value for argument `color_mode`: expected "rgb", "rgba" or '
            f'"grayscale". Received: color_mode={color_mode!r}.'
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            "Invalid value for argument `image_size`: expected a tuple of 2 "
            f"integers. Received: image_size={image_size}"
        )
    interpolation = interpolation.lower()
    if interpolation not in _KERAS_INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`: expected one of "
            f"{_KERAS_INTERPOLATIONS}. Received: interpolation={interpolation!r}"
        )
    if interpolation not in image_utils.RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"`interpolation={interpolation!r}` needs TensorFlow's resize kernels; "
            f"ember resizes with one of {image_utils.RESIZE_INTERPOLATIONS}."
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
            "to `True`."
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
        formats=ALLOWLIST_FORMATS,
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
    )
    load = _ImageLoader(
        tuple(int(s) for s in image_size),
        color_mode,
        interpolation,
        config.standardize_data_format(data_format),
        crop_to_aspect_ratio,
        pad_to_aspect_ratio,
    )
    return dataset_utils.make_file_datasets(
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
        "image",
        directory,
        workers=workers,
        use_multiprocessing=use_multiprocessing,
    )


class _ImageLoader:
    """Decodes one image file to a float32 tensor of the target size (picklable,
    so worker processes can run it)."""

    def __init__(self, size, color_mode, interpolation, data_format, crop, pad):
        self.size, self.color_mode = size, color_mode
        self.interpolation, self.data_format = interpolation, data_format
        self.crop, self.pad = crop, pad

    def __call__(self, path):
        img = image_utils.load_img(path, color_mode=self.color_mode)
        if self.color_mode == "grayscale" and img.mode != "L":
            # 16/32-bit grayscale: keep the high byte, as an 8-bit decode does.
            wide = np.asarray(img).astype(np.int64)
            shift = 8 if img.mode.startswith("I;16") or wide.max() < 65536 else 24
            img = (wide >> shift).clip(0, 255).astype(np.uint8)
        image = torch.from_numpy(image_utils.img_to_array(img, "channels_last"))
        if self.crop:
            image = image_utils.smart_resize(image, self.size, self.interpolation)
        elif self.pad:
            image = _resize_with_pad(image, self.size, self.interpolation)
        else:
            image = image_utils.resize_images(
                image, self.size, self.interpolation, "channels_last"
            )
        if self.data_format == "channels_first":
            image = image.permute(2, 0, 1)
        return image.contiguous()


def _resize_with_pad(image, size, interpolation):
    """Resizes keeping the aspect ratio and centres the result on a zero canvas,
    as `tf.image.resize_with_pad` does."""
    height, width = image.shape[:2]
    target_height, target_width = size
    ratio = max(width / target_width, height / target_height)
    new_height, new_width = int(height / ratio), int(width / ratio)
    top = max(0, int((target_height - height / ratio) / 2))
    left = max(0, int((target_width - width / ratio) / 2))
    resized = image_utils.resize_images(
        image, (new_height, new_width), interpolation, "channels_last"
    )
    canvas = torch.zeros(target_height, target_width, image.shape[2])
    canvas[top : top + new_height, left : left + new_width] = resized
    return canvas
