"""`GlobalAveragePooling1D`: global average pooling over temporal data (sequences)."""

import torch

from ember.layers.pooling.base_global_pooling import BaseGlobalPooling, _mean


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling over temporal data (sequences).

    Reduces every spatial axis to its average, separately per channel: a
    `(batch, steps, channels)` input becomes `(batch, channels)`.

    The output carries no mask: the steps it describes are gone.

    Args:
        data_format: `"channels_last"` (inputs `(batch, steps, channels)`)
            or `"channels_first"` (inputs `(batch, channels, steps)`).
            Defaults to the `image_data_format` setting (`"channels_last"`
            unless changed).
        keepdims: Whether to keep the spatial axes, with size 1 (as
            `torch.mean(..., keepdim=True)` does). Defaults to `False`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor of rank 3.
        mask: Boolean tensor of shape `(batch_size, steps)`, `True` for the
            steps to average; masked steps are left out of the average. Taken
            from the input's mask (e.g. of an `Embedding(mask_zero=True)`)
            when not given. Defaults to `None` (every step counts).

    Input shape:
        `(batch_size, steps, channels)` (channels_last) or
        `(batch_size, channels, steps)` (channels_first).

    Output shape:
        `(batch_size, channels)`; with `keepdims=True`,
        `(batch_size, 1, channels)` (channels_last) or
        `(batch_size, channels, 1)` (channels_first).

    Example:

    >>> GlobalAveragePooling1D()(torch.ones(2, 10, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs
    ):
        super().__init__(
            pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs
        )
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps = self.spatial_axes[0]
        if mask is None:
            return _mean(inputs, steps, self.keepdims)
        if not isinstance(mask, torch.Tensor):
            mask = torch.as_tensor(mask, device=inputs.device)
        # `(batch, steps)` gains the channels axis: 2, or 1 for channels_first.
        mask = mask.to(torch.bool).unsqueeze(3 - steps)
        total = torch.where(mask, inputs, 0).sum(steps, keepdim=self.keepdims)
        return total / mask.sum(steps, keepdim=self.keepdims).to(total.dtype)

    def compute_mask(self, inputs, previous_mask=None):
        return None
