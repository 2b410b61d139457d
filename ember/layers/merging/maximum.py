"""`Maximum`: the elementwise maximum of a list of tensors."""

import torch

from ember.layers.merging.base_merge import Merge, _select_merge


class Maximum(Merge):
    """Takes the elementwise maximum of a list of tensors.

    Masked-out entries (where an input carries a mask) never win: the other
    inputs' values are used there.

    Args:
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list of tensors.

    Input shape:
        A list of tensors `(batch_size, ...)` of compatible shapes.

    Output shape:
        The broadcast shape of the inputs.

    Example:

    >>> a, b = np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])
    >>> Maximum()([a, b]).tolist()
    [[3.0, 5.0]]
    """

    def _merge_function(self, inputs, masks):
        return _select_merge(torch.maximum, inputs, masks)


def maximum(inputs, **kwargs):
    """Elementwise maximum of a list of tensors: the functional form of `Maximum`.

    Args:
        inputs: A list of tensors of compatible shapes.
        **kwargs: Standard layer keyword arguments.

    Returns:
        The elementwise maximum, with the inputs' broadcast shape.
    """
    return Maximum(**kwargs)(inputs)
