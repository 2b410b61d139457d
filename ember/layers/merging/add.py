"""`Add`: the elementwise sum of a list of tensors."""

from ember.layers.merging.base_merge import Merge


class Add(Merge):
    """Adds a list of tensors elementwise.

    The inputs must have broadcast-compatible shapes after the batch axis
    (usually they are equal); the output has the broadcast shape.

    Args:
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list of tensors.

    Input shape:
        A list of tensors `(batch_size, ...)` of compatible shapes.

    Output shape:
        The broadcast shape of the inputs.

    Example:

    >>> a, b = np.ones((2, 3)), np.full((2, 3), 2.0)
    >>> Add()([a, b]).shape
    torch.Size([2, 3])
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


def add(inputs, **kwargs):
    """Sums a list of tensors elementwise: the functional form of `Add`.

    Args:
        inputs: A list of tensors of compatible shapes.
        **kwargs: Standard layer keyword arguments.

    Returns:
        The elementwise sum, with the inputs' broadcast shape.
    """
    return Add(**kwargs)(inputs)
