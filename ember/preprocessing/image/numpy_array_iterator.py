"""`NumpyArrayIterator`: batches of in-memory images through an
`ImageDataGenerator` (what `ImageDataGenerator.flow` returns)."""

import os
import warnings

import numpy as np

from ember.backend import config
from ember.preprocessing.image.iterator import Iterator
from ember.utils import image_utils


class NumpyArrayIterator(Iterator):
    """Yields `(x, y)` (or `x`, or `(x, y, sample_weight)`) batches of transformed
    images from numpy arrays.

    Args:
        x: Rank-4 image array, or a tuple `(images, other_inputs)` whose extra
            arrays are passed through untransformed.
        y: Labels, or `None`.
        image_data_generator: The `ImageDataGenerator` transforming the images.
        batch_size: Batch size. Defaults to `32`.
        shuffle: Whether to shuffle at each epoch. Defaults to `False`.
        sample_weight: Per-sample weights, or `None`.
        seed: Random seed.
        data_format: `"channels_last"` or `"channels_first"`.
        save_to_dir: Directory to save the augmented images to, or `None`.
        save_prefix: File name prefix of saved images.
        save_format: `"png"` or `"jpeg"`. Defaults to `"png"`.
        subset: `"training"` or `"validation"` with the generator's
            `validation_split` (validation is the first part).
        ignore_class_split: Whether to allow subsets with different classes.
        dtype: Dtype of the images. Defaults to `ember.config.floatx()`.
    """

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size=32,
        shuffle=False,
        sample_weight=None,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        ignore_class_split=False,
        dtype=None,
    ):
        data_format = data_format or config.image_data_format()
        self.dtype = dtype or config.floatx()
        if isinstance(x, (tuple, list)):
            extra = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(value) for value in extra]
            x = x[0]
            for value in x_misc:
                if len(x) != len(value):
                    raise ValueError(
                        "All of the arrays in `x` should have the same length. "
                        f"Found a pair with: len(x[0]) = {len(x)}, "
                        f"len(x[?]) = {len(value)}"
                    )
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, y.shape = "
                f"{np.asarray(y).shape}"
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same "
                f"length. Found: x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(
                    f'Invalid subset name: {subset}; expected "training" or '
                    '"validation".'
                )
            split = int(len(x) * image_data_generator._validation_split)
            if (
                y is not None
                and not ignore_class_split
                and not np.array_equal(np.unique(y[:split]), np.unique(y[split:]))
            ):
                raise ValueError(
                    "Training and validation subsets have different number of "
                    "classes after the split. If your numpy arrays are sorted by "
                    "the label, you might want to shuffle them."
                )
            part = slice(0, split) if subset == "validation" else slice(split, None)
            x = x[part]
            x_misc = [np.asarray(value[part]) for value in x_misc]
            y = None if y is None else y[part]
            if sample_weight is not None:
                sample_weight = sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(
                "Input data in `NumpyArrayIterator` should have rank 4. You passed "
                f"an array with shape {self.x.shape}"
            )
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "'
                f'{data_format}" (channels on axis {channels_axis}), i.e. expected '
                f"either 1, 3, or 4 channels on axis {channels_axis}. However, it "
                f"was passed an array with shape {self.x.shape} "
                f"({self.x.shape[channels_axis]} channels).",
                stacklevel=2,
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = (
            None if sample_weight is None else np.asarray(sample_weight)
        )
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir, self.save_prefix = save_to_dir, save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        generator = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = generator.get_random_transform(x.shape)
            x = generator.apply_transform(x.astype(self.dtype), params)
            batch_x[i] = generator.standardize(x)
        if self.save_to_dir:
            for i, j in enumerate(index_array):
                img = image_utils.array_to_img(batch_x[i], self.data_format, scale=True)
                name = f"{self.save_prefix}_{j}_{np.random.randint(1e4)}.{self.save_format}"
                img.save(os.path.join(self.save_to_dir, name))
        misc = [value[index_array] for value in self.x_misc]
        inputs = [batch_x] + misc if misc else batch_x
        if self.y is None:
            return inputs
        output = (inputs, self.y[index_array])
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output
