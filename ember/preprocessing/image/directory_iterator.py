"""`DirectoryIterator`: batches of image files from class subdirectories through
an `ImageDataGenerator` (what `ImageDataGenerator.flow_from_directory` returns)."""

import os

import numpy as np

from ember.backend import config
from ember.preprocessing.image.iterator import Iterator
from ember.utils import image_utils


class DirectoryIterator(Iterator):
    """Yields `(x, y)` batches of images read from `directory/<class>/...`.

    Classes are the subdirectories in alphanumeric order (or `classes`); each
    class's files are walked recursively in sorted order. With `subset`, the
    first `validation_split` fraction of every class's files is the validation
    subset and the rest the training subset.

    Args:
        directory: Directory with one subdirectory per class.
        image_data_generator: The `ImageDataGenerator` transforming the images.
        target_size: `(height, width)` images are resized to.
            Defaults to `(256, 256)`.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`. Defaults to `"rgb"`.
        classes: Class subdirectory names, in the order of their indices.
            Defaults to `None` (all subdirectories).
        class_mode: `"categorical"` (one-hot), `"binary"` (float 0/1),
            `"sparse"` (float class index), `"input"` (the images) or `None`
            (no labels). Defaults to `"categorical"`.
        batch_size: Batch size. Defaults to `32`.
        shuffle: Whether to shuffle at each epoch. Defaults to `True`.
        seed: Random seed.
        data_format: `"channels_last"` or `"channels_first"`.
        save_to_dir: Directory to save the augmented images to, or `None`.
        save_prefix: File name prefix of saved images.
        save_format: `"png"` or `"jpeg"`. Defaults to `"png"`.
        follow_links: Whether to follow symlinked subdirectories.
        subset: `"training"` or `"validation"`.
        interpolation: Pillow resampling for resizing. Defaults to `"nearest"`.
        keep_aspect_ratio: Whether to crop to the target aspect ratio first.
        dtype: Dtype of the images. Defaults to `ember.config.floatx()`.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(
        self,
        directory,
        image_data_generator,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        dtype=None,
    ):
        self.data_format = data_format or config.image_data_format()
        self.dtype = dtype or config.floatx()
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
        if color_mode not in channels:
            raise ValueError(
                f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or '
                '"grayscale".'
            )
        self.color_mode = color_mode
        if self.data_format == "channels_last":
            self.image_shape = self.target_size + (channels[color_mode],)
        else:
            self.image_shape = (channels[color_mode],) + self.target_size
        self.save_to_dir, self.save_prefix = save_to_dir, save_prefix
        self.save_format, self.interpolation = save_format, interpolation
        self.split = None
        if subset is not None:
            fraction = image_data_generator._validation_split
            if subset == "validation":
                self.split = (0, fraction)
            elif subset == "training":
                self.split = (fraction, 1)
            else:
                raise ValueError(
                    f'Invalid subset name: {subset}; expected "training" or '
                    '"validation"'
                )
        self.subset = subset
        if class_mode not in self.allowed_class_modes:
            raise ValueError(
                f"Invalid class_mode: {class_mode}; expected one of: "
                f"{self.allowed_class_modes}"
            )
        self.class_mode = class_mode
        self.directory = directory
        if not os.path.isdir(directory):
            raise ValueError(
                f"Directory {directory!r} does not exist or is not a directory."
            )
        if not classes:
            classes = [
                name
                for name in sorted(os.listdir(directory))
                if os.path.isdir(os.path.join(directory, name))
            ]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames, labels = [], []
        for name in classes:
            files = self._list_class(os.path.join(directory, name), follow_links)
            self.filenames += files
            labels += [self.class_indices[name]] * len(files)
        self.samples = len(self.filenames)
        self.classes = np.asarray(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, name) for name in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _list_class(self, class_dir, follow_links):
        found = []
        walk = sorted(os.walk(class_dir, followlinks=follow_links), key=lambda e: e[0])
        for root, _, files in walk:
            for name in sorted(files):
                if name.lower().endswith(self.white_list_formats):
                    found.append((root, name))
        if self.split:
            count = len(found)
            found = found[int(self.split[0] * count) : int(self.split[1] * count)]
        base = os.path.basename(class_dir)
        return [
            os.path.join(base, os.path.relpath(os.path.join(root, name), class_dir))
            for root, name in found
        ]

    @property
    def filepaths(self):
        """Absolute paths of the image files, in index order."""
        return self._filepaths

    @property
    def labels(self):
        """Class index of every file."""
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            img = image_utils.load_img(
                self._filepaths[j],
                color_mode=self.color_mode,
                target_size=self.target_size,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
            )
            x = image_utils.img_to_array(img, data_format=self.data_format)
            img.close()
            if generator:
                params = generator.get_random_transform(x.shape)
                x = generator.apply_transform(x, params)
                x = generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            for i, j in enumerate(index_array):
                img = image_utils.array_to_img(batch_x[i], self.data_format, scale=True)
                name = f"{self.save_prefix}_{j}_{np.random.randint(1e7)}.{self.save_format}"
                img.save(os.path.join(self.save_to_dir, name))
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, self.classes[index_array].astype(self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
            return batch_x, batch_y
        return batch_x
