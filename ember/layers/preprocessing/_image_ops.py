"""Image kernels of the image preprocessing layers, on torch.

Images are handled channels-first (`(batch, channels, height, width)`), the
layout torch's kernels want; `to_channels_first`/`from_channels_first` convert
at the layer boundary. `resize` follows Keras's resize on its torch backend
(`F.interpolate`, half-pixel centers, `nearest` as `nearest-exact`), and
`affine_transform` Keras's `map_coordinates` sampling: the four (or one)
neighbours of each source point, out-of-range neighbours remapped by the fill
mode, or replaced by `fill_value` in `"constant"` mode.
"""

import torch
import torch.nn.functional as F

INTERPOLATIONS = {
    "bilinear": "bilinear",
    "nearest": "nearest-exact",
    "bicubic": "bicubic",
}
FILL_MODES = ("reflect", "wrap", "constant", "nearest", "mirror")


def to_channels_first(images, data_format):
    """`(images as (B, C, H, W), was_unbatched)`."""
    unbatched = images.ndim == 3
    if unbatched:
        images = images.unsqueeze(0)
    if data_format == "channels_last":
        images = images.permute(0, 3, 1, 2)
    return images, unbatched


def from_channels_first(images, data_format, unbatched):
    if data_format == "channels_last":
        images = images.permute(0, 2, 3, 1)
    return images.squeeze(0) if unbatched else images


def resize(
    images,
    size,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_value=0.0,
):
    """Resizes `(B, C, H, W)` images to `size`, optionally cropping or padding
    them to the target aspect ratio first (centered)."""
    height, width = images.shape[-2], images.shape[-1]
    target_height, target_width = size
    if crop_to_aspect_ratio:
        crop_height = max(
            min(height, int(float(width * target_height) / target_width)), 1
        )
        crop_width = max(
            min(width, int(float(height * target_width) / target_height)), 1
        )
        top = int(float(height - crop_height) / 2)
        left = int(float(width - crop_width) / 2)
        images = images[..., top : top + crop_height, left : left + crop_width]
    elif pad_to_aspect_ratio:
        pad_height = max(height, int(float(width * target_height) / target_width))
        pad_width = max(width, int(float(height * target_width) / target_height))
        top = int(float(pad_height - height) / 2)
        left = int(float(pad_width - width) / 2)
        # Keras pads the same amount on both sides.
        images = F.pad(images, (left, left, top, top), value=float(fill_value))
    mode = INTERPOLATIONS[interpolation]
    if tuple(images.shape[-2:]) == tuple(size) and mode != "bicubic":
        return images
    antialias = antialias and interpolation in ("bilinear", "bicubic")
    return F.interpolate(
        images,
        size=tuple(size),
        mode=mode,
        align_corners=False if interpolation in ("bilinear", "bicubic") else None,
        antialias=antialias,
    )


def affine_transform(images, transforms, interpolation, fill_mode, fill_value):
    """Samples `(B, C, H, W)` images through per-image affine transforms.

    `transforms` is `(B, 8)`: `[a0, a1, a2, b0, b1, b2, c0, c1]` maps an output
    pixel `(x, y)` to the input point `(a0 x + a1 y + a2, b0 x + b1 y + b2)`
    (the projective terms `c0, c1` must be 0).
    """
    batch, channels, height, width = images.shape
    t = transforms.to(torch.float32)
    ys = torch.arange(height, dtype=torch.float32, device=images.device)
    xs = torch.arange(width, dtype=torch.float32, device=images.device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    grid_x, grid_y = grid_x.reshape(1, -1), grid_y.reshape(1, -1)
    src_x = t[:, 0:1] * grid_x + t[:, 1:2] * grid_y + t[:, 2:3]
    src_y = t[:, 3:4] * grid_x + t[:, 4:5] * grid_y + t[:, 5:6]
    if interpolation == "nearest":
        nodes_y = [(torch.round(src_y).long(), None)]
        nodes_x = [(torch.round(src_x).long(), None)]
    else:
        y0, x0 = torch.floor(src_y), torch.floor(src_x)
        wy, wx = src_y - y0, src_x - x0
        nodes_y = [(y0.long(), 1 - wy), (y0.long() + 1, wy)]
        nodes_x = [(x0.long(), 1 - wx), (x0.long() + 1, wx)]
    flat = images.reshape(batch, channels, height * width)
    out = torch.zeros(
        (batch, channels, height * width), dtype=torch.float32, device=images.device
    )
    for iy, wy in nodes_y:
        for ix, wx in nodes_x:
            fy, fx = _fix_index(iy, height, fill_mode), _fix_index(ix, width, fill_mode)
            index = (fy * width + fx).unsqueeze(1).expand(-1, channels, -1)
            values = torch.gather(flat, 2, index).to(torch.float32)
            if fill_mode == "constant":
                valid = (
                    (iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)
                ).unsqueeze(1)
                values = torch.where(valid, values, float(fill_value))
            weight = 1.0
            if wy is not None:
                weight = (wy * wx).unsqueeze(1)
            out = out + weight * values
    return out.reshape(batch, channels, height, width).to(images.dtype)


def _fix_index(index, size, fill_mode):
    if fill_mode in ("constant", "nearest"):
        return index.clamp(0, size - 1)
    if fill_mode == "wrap":
        return torch.remainder(index, size)
    if fill_mode == "mirror":
        return _mirror(index, size)
    # reflect: (d c b a | a b c d | d c b a)
    return torch.div(_mirror(2 * index + 1, 2 * size + 1) - 1, 2, rounding_mode="floor")


def _mirror(index, size):
    # (d c b | a b c d | c b a): a triangular wave of half-period size - 1.
    period = size - 1
    if period == 0:
        return torch.zeros_like(index)
    return torch.abs(torch.remainder(index + period, 2 * period) - period)
