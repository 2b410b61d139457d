"""Image file helpers as `keras.utils` exposes them: load, save, convert, resize.

Decoding and encoding use Pillow (imported when first needed); resizing of arrays
uses torch's interpolation, which matches `tf.image.resize` (half-pixel centers,
no antialiasing) for `"bilinear"`, `"nearest"` and integer-factor `"area"`.
"""

import io
import pathlib
import warnings

import numpy as np
import torch

from ember.backend import config

# tf.image.resize's methods that torch computes; "lanczos3" goes through Pillow.
_TORCH_MODES = {
    "bilinear": "bilinear",
    "nearest": "nearest-exact",
    "bicubic": "bicubic",
    "area": "area",
}
RESIZE_INTERPOLATIONS = (*_TORCH_MODES, "lanczos3")


def _pil():
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            "Reading and writing images needs Pillow: `pip install pillow`."
        ) from error
    return Image


def _pil_resampling(interpolation):
    resampling = getattr(_pil(), "Resampling", _pil())
    methods = {
        "nearest": resampling.NEAREST,
        "bilinear": resampling.BILINEAR,
        "bicubic": resampling.BICUBIC,
        "hamming": resampling.HAMMING,
        "box": resampling.BOX,
        "lanczos": resampling.LANCZOS,
    }
    if interpolation not in methods:
        raise ValueError(
            f"Invalid interpolation method {interpolation!r}: expected one of "
            f"{', '.join(methods)}."
        )
    return methods[interpolation]


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3D image array to a PIL image.

    Args:
        x: Array of shape `(height, width, channels)` (or channels first), with
            1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        scale: Whether to rescale the values to [0, 255]. Defaults to `True`.
        dtype: Dtype the array is read as. Defaults to `ember.config.floatx()`.

    Returns:
        A PIL image.

    Example:

    >>> array_to_img(np.random.rand(8, 8, 3)).size
    (8, 8)
    """
    data_format = config.standardize_data_format(data_format)
    image_module = _pil()
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.array(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(
            "Expected an image array of rank 3 (one image). Received an array of "
            f"shape {x.shape}."
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image_module.fromarray(
            x.astype("uint8"), "RGBA" if channels == 4 else "RGB"
        )
    if channels == 1:
        if np.max(x) > 255:
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported number of channels {channels}: expected 1, 3 or 4.")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL image to a 3D numpy array.

    Args:
        img: A PIL image (or anything `np.asarray` turns into a 2D/3D array).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        dtype: Dtype of the result. Defaults to `ember.config.floatx()`.

    Returns:
        Array of shape `(height, width, channels)` (or channels first).

    Example:

    >>> img_to_array(array_to_img(np.zeros((4, 6, 1)))).shape
    (4, 6, 1)
    """
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"Unsupported image shape {x.shape}: expected 2 or 3 dims.")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image array to a file.

    Args:
        path: Path or file object.
        x: Image array (see `array_to_img`).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `ember.config.image_data_format()`.
        file_format: Image format; `None` infers it from the path's suffix.
        scale: Whether to rescale the values to [0, 255]. Defaults to `True`.
        **kwargs: Passed on to `PIL.Image.save`.

    Example:

    >>> save_img("/tmp/black.png", np.zeros((4, 4, 3)))
    """
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn(
            "The JPEG format does not support RGBA images, converting to RGB.",
            stacklevel=2,
        )
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def load_img(
    path,
    color_mode="rgb",
    target_size=None,
    interpolation="nearest",
    keep_aspect_ratio=False,
):
    """Loads an image file into a PIL image.

    Args:
        path: Path to the image file (str, `pathlib.Path`, bytes) or a
            `io.BytesIO`.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`. Defaults to `"rgb"`.
        target_size: `None` (original size) or `(height, width)`.
        interpolation: Pillow resampling used to resize: `"nearest"`,
            `"bilinear"`, `"bicubic"`, `"lanczos"`, `"box"` or `"hamming"`.
            Defaults to `"nearest"`.
        keep_aspect_ratio: Whether to crop the center to the target aspect
            ratio before resizing. Defaults to `False`.

    Returns:
        A PIL image.

    Example:

    >>> img_to_array(load_img("/tmp/black.png", target_size=(2, 2))).shape
    (2, 2, 3)
    """
    image_module = _pil()
    if isinstance(path, io.BytesIO):
        img = image_module.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as file:
            img = image_module.open(io.BytesIO(file.read()))
    else:
        raise TypeError(
            f"`path` should be path-like or io.BytesIO, not {type(path).__name__}."
        )
    wanted = {"grayscale": None, "rgba": "RGBA", "rgb": "RGB"}
    if color_mode not in wanted:
        raise ValueError(
            'Invalid value for argument `color_mode`: expected "grayscale", "rgb" '
            f'or "rgba". Received: color_mode={color_mode!r}.'
        )
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != wanted[color_mode]:
        img = img.convert(wanted[color_mode])
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])
    if img.size == size:
        return img
    resample = _pil_resampling(interpolation)
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    crop_height = min(height, (width * size[1]) // size[0])
    crop_width = min(width, (height * size[0]) // size[1])
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    box = [left, top, left + crop_width, top + crop_height]
    return img.resize(size, resample, box=box)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resizes images to `size` without distorting them: crops the largest
    centered window of the target aspect ratio, then resizes it.

    Args:
        x: Image (3D) or batch of images (4D), numpy array or tensor.
        size: `(height, width)` of the result.
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"area"` or
            `"lanczos3"`. Defaults to `"bilinear"`.
        data_format: `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.

    Returns:
        The resized images, as a numpy array for a numpy input, else a tensor.

    Example:

    >>> smart_resize(np.zeros((20, 10, 3)), (5, 5)).shape
    (5, 5, 3)
    """
    if len(size) != 2:
        raise ValueError(
            f"Expected `size` to be a tuple of 2 integers. Received: size={size}."
        )
    image = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x)
    if image.ndim not in (3, 4):
        raise ValueError(
            "Expected an image of shape `(height, width, channels)` or a batch "
            "`(batch_size, height, width, channels)`. Received shape "
            f"{tuple(image.shape)}."
        )
    channels_last = data_format == "channels_last"
    height, width = image.shape[-3:-1] if channels_last else image.shape[-2:]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    rows, cols = slice(top, top + crop_height), slice(left, left + crop_width)
    image = image[..., rows, cols, :] if channels_last else image[..., rows, cols]
    image = resize_images(image, size, interpolation, data_format)
    return image.numpy() if isinstance(x, np.ndarray) else image


def resize_images(images, size, interpolation="bilinear", data_format=None):
    """Resizes a 3D or 4D image tensor as `tf.image.resize` does (float result)."""
    data_format = config.standardize_data_format(data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`: expected one of "
            f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation!r}."
        )
    single = images.ndim == 3
    batch = images[None] if single else images
    if data_format == "channels_last":
        batch = batch.permute(0, 3, 1, 2)
    batch = batch.float()
    if tuple(batch.shape[-2:]) != tuple(size):
        if interpolation == "lanczos3":
            batch = _pil_lanczos(batch, size)
        else:
            mode = _TORCH_MODES[interpolation]
            extra = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
            batch = torch.nn.functional.interpolate(
                batch, size=tuple(size), mode=mode, **extra
            )
    if data_format == "channels_last":
        batch = batch.permute(0, 2, 3, 1)
    return batch[0] if single else batch


def _pil_lanczos(batch, size):
    image_module = _pil()
    resample = _pil_resampling("lanczos")
    out = np.empty(batch.shape[:2] + tuple(size), "float32")
    for index in np.ndindex(*batch.shape[:2]):
        plane = image_module.fromarray(batch[index].numpy().astype("float32"), "F")
        out[index] = np.asarray(plane.resize((size[1], size[0]), resample))
    return torch.from_numpy(out)
