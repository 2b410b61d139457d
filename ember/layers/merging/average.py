"""`Average`: the elementwise mean of a list of tensors."""

from ember.layers.merging.base_merge import Merge


class Average(Merge):
    """Averages a list of tensors elementwise.

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

    >>> a, b = np.zeros((2, 3)), np.full((2, 3), 4.0)
    >>> Average()([a, b])[0, 0].item()
    2.0
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


def average(inputs, **kwargs):
    """Averages a list of tensors elementwise: the functional form of `Average`.

    Args:
        inputs: A list of tensors of compatible shapes.
        **kwargs: Standard layer keyword arguments.

    Returns:
        The elementwise mean, with the inputs' broadcast shape.
    """
    return Average(**kwargs)(inputs)
