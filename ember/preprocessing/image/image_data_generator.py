"""`ImageDataGenerator`: Keras's legacy real-time image augmentation."""

import math
import warnings

import numpy as np

from ember.backend import config
from ember.preprocessing.image import affine_transformations as transforms
from ember.preprocessing.image.directory_iterator import DirectoryIterator
from ember.preprocessing.image.numpy_array_iterator import NumpyArrayIterator


class ImageDataGenerator:
    """Generates batches of images with random augmentation, for `fit()`.

    Each image goes through `get_random_transform` (random draws from numpy's
    global RNG, in Keras's order), `apply_transform` (affine warp, channel shift,
    flips, brightness) and `standardize` (`preprocessing_function`, `rescale`,
    centering and normalization), so a seeded run gives Keras's batches.

    Args:
        featurewise_center: Subtract the dataset mean (computed by `fit`), per
            channel. Defaults to `False`.
        samplewise_center: Subtract each image's mean. Defaults to `False`.
        featurewise_std_normalization: Divide by the dataset std (`fit`).
            Defaults to `False`.
        samplewise_std_normalization: Divide each image by its std.
            Defaults to `False`.
        zca_whitening: Apply ZCA whitening (`fit`). Defaults to `False`.
        zca_epsilon: Epsilon of ZCA whitening. Defaults to `1e-6`.
        rotation_range: Degrees of random rotations. Defaults to `0`.
        width_shift_range: Horizontal shift: a fraction of the width (< 1), a
            number of pixels (>= 1), or a list of allowed pixel shifts.
            Defaults to `0.0`.
        height_shift_range: Vertical shift, as `width_shift_range`.
            Defaults to `0.0`.
        brightness_range: `(low, high)` brightness factors, or `None`.
        shear_range: Shear angle in degrees (counter-clockwise).
            Defaults to `0.0`.
        zoom_range: Float `z` for `[1 - z, 1 + z]`, or `[low, high]`.
            Defaults to `0.0`.
        channel_shift_range: Range of random channel shifts. Defaults to `0.0`.
        fill_mode: `"constant"`, `"nearest"`, `"reflect"` or `"wrap"`: how points
            outside the input are filled. Defaults to `"nearest"`.
        cval: Fill value for `fill_mode="constant"`. Defaults to `0.0`.
        horizontal_flip: Randomly flip left-right. Defaults to `False`.
        vertical_flip: Randomly flip up-down. Defaults to `False`.
        rescale: Factor the images are multiplied by (after the other
            transformations), or `None`.
        preprocessing_function: Function of one image (rank-3 array) returning
            an array of the same shape, run first in `standardize`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        validation_split: Fraction of images reserved for the `"validation"`
            subset. Defaults to `0.0`.
        interpolation_order: Spline order of the affine warp. Defaults to `1`.
        dtype: Dtype of the batches. Defaults to `ember.config.floatx()`.

    Example:

    >>> datagen = ImageDataGenerator(rescale=1 / 255, validation_split=0.2)
    >>> train = datagen.flow_from_directory("digits/", target_size=(28, 28),
    ...     color_mode="grayscale", class_mode="sparse", subset="training")
    >>> model.fit(train, epochs=3)
    """

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
    ):
        data_format = data_format or config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                '`data_format` should be `"channels_last"` (channel after row and '
                'column) or `"channels_first"` (channel before row and column). '
                f"Received: {data_format}"
            )
        if fill_mode not in ("constant", "nearest", "reflect", "wrap"):
            raise ValueError(
                'Invalid value for argument `fill_mode`: expected "constant", '
                f'"nearest", "reflect" or "wrap". Received: fill_mode={fill_mode!r}.'
            )
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                "`validation_split` must be strictly between 0 and 1. "
                f"Received: {validation_split}"
            )
        if isinstance(zoom_range, (float, int)):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(
            isinstance(v, (float, int)) for v in zoom_range
        ):
            zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(
                "`zoom_range` should be a float or a tuple or list of two floats. "
                f"Received: {zoom_range}"
            )
        if brightness_range is not None and (
            not isinstance(brightness_range, (tuple, list))
            or len(brightness_range) != 2
        ):
            raise ValueError(
                "`brightness_range` should be a tuple or list of two floats. "
                f"Received: {brightness_range}"
            )
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range, self.zoom_range = shear_range, zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or config.floatx()
        self.interpolation_order = interpolation_order
        self.brightness_range = brightness_range
        self.data_format = data_format
        first = data_format == "channels_first"
        self.channel_axis, self.row_axis, self.col_axis = (
            (1, 2, 3) if first else (3, 1, 2)
        )
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        self._resolve_overrides()

    def _resolve_overrides(self):
        def overrides(flag, other):
            warnings.warn(
                f"This ImageDataGenerator specifies `{flag}`, which overrides "
                f"setting of `{other}`.",
                stacklevel=3,
            )

        if self.zca_whitening:
            if not self.featurewise_center:
                self.featurewise_center = True
                overrides("zca_whitening", "featurewise_center")
            if self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                overrides("zca_whitening", "featurewise_std_normalization")
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            overrides("featurewise_std_normalization", "featurewise_center")
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            overrides("samplewise_std_normalization", "samplewise_center")

    def flow(
        self,
        x,
        y=None,
        batch_size=32,
        shuffle=True,
        sample_weight=None,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        ignore_class_split=False,
        subset=None,
    ):
        """A `NumpyArrayIterator` of augmented batches of the arrays `x`, `y`."""
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            ignore_class_split=ignore_class_split,
            subset=subset,
            dtype=self.dtype,
        )

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
    ):
        """A `DirectoryIterator` of augmented batches of the images under
        `directory` (one subdirectory per class)."""
        return DirectoryIterator(
            directory,
            self,
            target_size=target_size,
            color_mode=color_mode,
            keep_aspect_ratio=keep_aspect_ratio,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            follow_links=follow_links,
            subset=subset,
            interpolation=interpolation,
            dtype=self.dtype,
        )

    def standardize(self, x):
        """Applies the normalization configuration in place to one image."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        for flag, stat in (
            ("featurewise_center", "mean"),
            ("featurewise_std_normalization", "std"),
            ("zca_whitening", "zca_whitening_matrix"),
        ):
            if getattr(self, flag) and getattr(self, stat) is None:
                warnings.warn(
                    f"This ImageDataGenerator specifies `{flag}`, but it hasn't "
                    "been fit on any training data. Fit it first by calling "
                    "`.fit(numpy_data)`.",
                    stacklevel=2,
                )
        if self.featurewise_center and self.mean is not None:
            x -= self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x /= self.std + 1e-6
        if self.zca_whitening and self.zca_whitening_matrix is not None:
            flat = x.reshape(-1, math.prod(x.shape[-3:]))
            x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
        return x

    def get_random_transform(self, img_shape, seed=None):
        """Draws the random transformation parameters for one image."""
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = (
            np.random.uniform(-self.rotation_range, self.rotation_range)
            if self.rotation_range
            else 0
        )
        tx = _draw_shift(self.height_shift_range, img_shape[row_axis])
        ty = _draw_shift(self.width_shift_range, img_shape[col_axis])
        shear = (
            np.random.uniform(-self.shear_range, self.shear_range)
            if self.shear_range
            else 0
        )
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(
                -self.channel_shift_range, self.channel_shift_range
            )
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(*self.brightness_range)
        return {
            "theta": theta,
            "tx": tx,
            "ty": ty,
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_horizontal,
            "flip_vertical": flip_vertical,
            "channel_shift_intensity": channel_shift_intensity,
            "brightness": brightness,
        }

    def apply_transform(self, x, transform_parameters):
        """Applies the transformation `transform_parameters` to one image."""
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        channel_axis = self.channel_axis - 1
        params = transform_parameters
        x = transforms.apply_affine_transform(
            x,
            params.get("theta", 0),
            params.get("tx", 0),
            params.get("ty", 0),
            params.get("shear", 0),
            params.get("zx", 1),
            params.get("zy", 1),
            row_axis=row_axis,
            col_axis=col_axis,
            channel_axis=channel_axis,
            fill_mode=self.fill_mode,
            cval=self.cval,
            order=self.interpolation_order,
        )
        if params.get("channel_shift_intensity") is not None:
            x = transforms.apply_channel_shift(
                x, params["channel_shift_intensity"], channel_axis
            )
        if params.get("flip_horizontal", False):
            x = transforms.flip_axis(x, col_axis)
        if params.get("flip_vertical", False):
            x = transforms.flip_axis(x, row_axis)
        if params.get("brightness") is not None:
            x = transforms.apply_brightness_shift(x, params["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """Applies a random transformation to one image."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the dataset statistics (mean, std, ZCA matrix) that the
        featurewise options need, from sample images `x` (rank 4)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}"
            )
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(
                "Expected input to be images (as Numpy array) following the data "
                f'format convention "{self.data_format}" (channels on axis '
                f"{self.channel_axis}), i.e. expected either 1, 3 or 4 channels on "
                f"axis {self.channel_axis}. However, it was passed an array with "
                f"shape {x.shape} ({x.shape[self.channel_axis]} channels).",
                stacklevel=2,
            )
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented
        broadcast = [1, 1, 1]
        broadcast[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), broadcast)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), broadcast)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = np.reshape(x, (len(x), -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            s_inv = np.sqrt(len(x)) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)


def _draw_shift(shift_range, size):
    """A shift as Keras draws it: from a list of pixel shifts (random sign), or
    uniformly in `±shift_range` (a fraction of `size` when below 1)."""
    if not shift_range:
        return 0
    try:
        shift = np.random.choice(shift_range)
        shift *= np.random.choice([-1, 1])
    except ValueError:
        shift = np.random.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        shift *= size
    return shift
