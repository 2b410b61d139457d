"""`Multiply`: the elementwise product of a list of tensors."""

import torch

from ember.layers.merging.base_merge import Merge, _expand_to


class Multiply(Merge):
    """Multiplies a list of tensors elementwise.

    Masked-out entries of an input count as 1 in the product. When every input
    carries a mask, entries masked out in all of them are 0 in the output.

    Args:
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list of tensors.

    Input shape:
        A list of tensors `(batch_size, ...)` of compatible shapes.

    Output shape:
        The broadcast shape of the inputs.

    Example:

    >>> a, b = np.full((2, 3), 2.0), np.full((2, 3), 3.0)
    >>> Multiply()([a, b])[0, 0].item()
    6.0
    """

    def _merge_function(self, inputs, masks):
        masks = masks or [None] * len(inputs)
        all_masked = all(m is not None for m in masks)
        output, output_mask = None, None
        for x, mask in zip(inputs, masks, strict=True):
            if mask is not None:
                mask = _expand_to(mask, x)
                x = torch.where(mask, x, 1)
                if all_masked:
                    output_mask = mask if output_mask is None else output_mask | mask
            output = x if output is None else output * x
        if all_masked:
            output = torch.where(output_mask, output, 0)
        return output


def multiply(inputs, **kwargs):
    """Multiplies a list of tensors: the functional form of `Multiply`.

    Args:
        inputs: A list of tensors of compatible shapes.
        **kwargs: Standard layer keyword arguments.

    Returns:
        The elementwise product, with the inputs' broadcast shape.
    """
    return Multiply(**kwargs)(inputs)
