"""`Subtract`: the difference of exactly two tensors."""

from ember.layers.merging.base_merge import Merge, _fmt_list


class Subtract(Merge):
    """Subtracts the second of two tensors from the first, elementwise.

    Args:
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list of exactly two tensors `[x1, x2]`; the result is
            `x1 - x2`.

    Input shape:
        Two tensors `(batch_size, ...)` of compatible shapes.

    Output shape:
        The broadcast shape of the inputs.

    Example:

    >>> a, b = np.full((2, 3), 5.0), np.ones((2, 3))
    >>> Subtract()([a, b])[0, 0].item()
    4.0
    """

    def build(self, input_shape):
        super().build(input_shape)
        self._check_count(len(input_shape), input_shape)

    def _merge_function(self, inputs, masks):
        self._check_count(len(inputs), [tuple(x.shape) for x in inputs])
        return inputs[0] - inputs[1]

    def _check_count(self, count, shapes):
        if count != 2:
            raise ValueError(
                f"{self._label()} must be called on exactly 2 inputs `[x1, x2]` "
                f"(it computes x1 - x2), but received {count}: shapes "
                f"{_fmt_list(shapes)}. To combine more tensors, chain "
                "`Subtract` layers or use `Add` on negated inputs."
            )


def subtract(inputs, **kwargs):
    """Subtracts two tensors: the functional form of `Subtract`.

    Args:
        inputs: A list of exactly two tensors `[x1, x2]`.
        **kwargs: Standard layer keyword arguments.

    Returns:
        `x1 - x2`, with the inputs' broadcast shape.
    """
    return Subtract(**kwargs)(inputs)
