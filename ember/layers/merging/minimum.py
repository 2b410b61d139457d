"""`Minimum`: the elementwise minimum of a list of tensors."""

import torch

from ember.layers.merging.base_merge import Merge, _select_merge


class Minimum(Merge):
    """Takes the elementwise minimum of a list of tensors.

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
    >>> Minimum()([a, b]).tolist()
    [[1.0, 2.0]]
    """

    def _merge_function(self, inputs, masks):
        return _select_merge(torch.minimum, inputs, masks)


def minimum(inputs, **kwargs):
    """Elementwise minimum of a list of tensors: the functional form of `Minimum`.

    Args:
        inputs: A list of tensors of compatible shapes.
        **kwargs: Standard layer keyword arguments.

    Returns:
        The elementwise minimum, with the inputs' broadcast shape.
    """
    return Minimum(**kwargs)(inputs)
