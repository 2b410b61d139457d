"""Per-image random transformations of `ImageDataGenerator` (numpy, one image).

`apply_affine_transform` resamples with the same coordinate conventions and fill
modes as `scipy.ndimage.affine_transform` (which Keras calls) for spline orders
0 and 1, computed here with numpy; higher orders use scipy when installed.
"""

import numpy as np

from ember.backend.arguments import passed
from ember.utils import image_utils


def flip_axis(x, axis):
    """Reverses `x` along `axis`."""
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix, x, y):
    """Conjugates a 3x3 homogeneous transform so it acts about the image centre."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def apply_affine_transform(
    x,
    theta=0,
    tx=0,
    ty=0,
    shear=0,
    zx=1,
    zy=1,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    order=1,
):
    """Applies a rotation, shift, shear and zoom to one 3D image.

    Args:
        x: 3D image array.
        theta: Rotation angle in degrees.
        tx: Shift along the rows (height), in pixels.
        ty: Shift along the columns (width), in pixels.
        shear: Shear angle in degrees.
        zx: Zoom factor along the rows.
        zy: Zoom factor along the columns.
        row_axis: Index of the rows axis. Defaults to `1`.
        col_axis: Index of the columns axis. Defaults to `2`.
        channel_axis: Index of the channels axis (0 or 2). Defaults to `0`.
        fill_mode: Points outside the input: `"constant"`, `"nearest"`,
            `"reflect"` or `"wrap"`. Defaults to `"nearest"`.
        cval: Value outside the input with `fill_mode="constant"`.
        order: Spline interpolation order (0: nearest, 1: linear).
            Defaults to `1`.

    Returns:
        The transformed image.

    Example:

    >>> apply_affine_transform(np.ones((1, 4, 4)), theta=90).shape
    (1, 4, 4)
    """
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(
            f"Invalid axis indices: {({row_axis, col_axis, channel_axis}) - {0, 1, 2}}"
        )
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    if fill_mode not in ("constant", "nearest", "reflect", "wrap"):
        raise ValueError(
            'Invalid value for argument `fill_mode`: expected "constant", '
            f'"nearest", "reflect" or "wrap". Received: fill_mode={fill_mode!r}.'
        )
    matrix = np.eye(3)
    changed = False
    if theta != 0:
        angle = np.deg2rad(theta)
        cos, sin = np.cos(angle), np.sin(angle)
        matrix = matrix @ np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]])
        changed = True
    if tx != 0 or ty != 0:
        matrix = matrix @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        changed = True
    if shear != 0:
        angle = np.deg2rad(shear)
        matrix = matrix @ np.array(
            [[1, -np.sin(angle), 0], [0, np.cos(angle), 0], [0, 0, 1]]
        )
        changed = True
    if zx != 1 or zy != 1:
        matrix = matrix @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        changed = True
    if not changed:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    planes = np.moveaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    out = _affine_planes(planes, matrix[:2, :2], matrix[:2, 2], order, fill_mode, cval)
    return np.moveaxis(out.astype(x.dtype, copy=False), 0, channel_axis)


def _affine_planes(planes, matrix, offset, order, mode, cval):
    """`scipy.ndimage.affine_transform` of each plane, for orders 0 and 1."""
    if order not in (0, 1):
        try:
            from scipy import ndimage
        except ImportError as error:
            raise ImportError(
                f"Spline interpolation of order {order} needs scipy "
                "(`pip install scipy`); orders 0 and 1 work without it."
            ) from error
        return np.stack(
            [
                ndimage.affine_transform(
                    p, matrix, offset, order=order, mode=mode, cval=cval
                )
                for p in planes
            ]
        )
    h, w = planes.shape[1:]
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    r = matrix[0, 0] * rows + matrix[0, 1] * cols + offset[0]
    c = matrix[1, 0] * rows + matrix[1, 1] * cols + offset[1]
    outside = (r < 0) | (r > h - 1) | (c < 0) | (c > w - 1)
    r, c = _fold(r, h, mode), _fold(c, w, mode)
    if order == 0:
        r0 = np.minimum(np.floor(r + 0.5).astype(np.int64), h - 1)
        c0 = np.minimum(np.floor(c + 0.5).astype(np.int64), w - 1)
        out = planes[:, r0, c0]
    else:
        r0, c0 = np.floor(r).astype(np.int64), np.floor(c).astype(np.int64)
        r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
        fr, fc = r - r0, c - c0
        out = (
            planes[:, r0, c0] * ((1 - fr) * (1 - fc))
            + planes[:, r0, c1] * ((1 - fr) * fc)
            + planes[:, r1, c0] * (fr * (1 - fc))
            + planes[:, r1, c1] * (fr * fc)
        )
    if mode == "constant":
        out = np.where(outside, cval, out)
    return out


def _fold(coordinate, size, mode):
    """Maps sample coordinates into [0, size - 1] as scipy's modes extend."""
    if mode == "reflect":
        coordinate = np.mod(coordinate + 0.5, 2 * size) - 0.5
        coordinate = np.where(
            coordinate > size - 0.5, 2 * size - 1 - coordinate, coordinate
        )
    elif mode == "wrap":
        coordinate = np.mod(coordinate, size - 1) if size > 1 else 0 * coordinate
    return np.clip(coordinate, 0, size - 1)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's value range."""
    low, high = np.min(x), np.max(x)
    return np.clip(x + intensity, low, high)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Shifts the channels by one intensity drawn in `±intensity_range`."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Scales brightness by `brightness` with Pillow's `ImageEnhance.Brightness`."""
    from PIL import ImageEnhance

    low, high = np.min(x), np.max(x)
    local_scale = (low < 0) or (high > 255)
    img = image_utils.array_to_img(x, scale=local_scale or scale)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    out = image_utils.img_to_array(img)
    if not scale and local_scale:
        out = out / 255 * (high - low) + low
    return out


def random_brightness(x, brightness_range, scale=True):
    """Brightness shift by a factor drawn in `brightness_range`."""
    if len(brightness_range) != 2:
        raise ValueError(
            "`brightness_range` should be a tuple or list of two floats. "
            f"Received: {brightness_range}"
        )
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor, scale)


def _apply_drawn(arguments, drawn, **transform):
    """`apply_affine_transform` of a `random_*` function's image with its
    placement arguments (its `passed(locals())` less the ranges `drawn`) and
    the `transform` drawn from those ranges."""
    placement = {k: v for k, v in arguments.items() if k not in drawn}
    placement["order"] = placement.pop("interpolation_order")
    return apply_affine_transform(placement.pop("x"), **placement, **transform)


def random_rotation(
    x,
    rg,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Rotates by an angle drawn in `±rg` degrees."""
    arguments = passed(locals())
    theta = np.random.uniform(-rg, rg)
    return _apply_drawn(arguments, ("rg",), theta=theta)


def random_shift(
    x,
    wrg,
    hrg,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Shifts by fractions drawn in `±hrg` of the height and `±wrg` of the width."""
    arguments = passed(locals())
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return _apply_drawn(arguments, ("wrg", "hrg"), tx=tx, ty=ty)


def random_shear(
    x,
    intensity,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Shears by an angle drawn in `±intensity` degrees."""
    arguments = passed(locals())
    shear = np.random.uniform(-intensity, intensity)
    return _apply_drawn(arguments, ("intensity",), shear=shear)


def random_zoom(
    x,
    zoom_range,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Zooms by two factors (rows, columns) drawn in `zoom_range`."""
    arguments = passed(locals())
    if len(zoom_range) != 2:
        raise ValueError(
            f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}"
        )
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return _apply_drawn(arguments, ("zoom_range",), zx=zx, zy=zy)
