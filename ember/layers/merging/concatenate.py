"""`Concatenate`: joins a list of tensors along one axis."""

import torch

from ember.backend.errors import ArgumentError
from ember.layers.merging.base_merge import Merge, _fmt_list


class Concatenate(Merge):
    """Concatenates a list of tensors along `axis`.

    All inputs must have the same rank and the same sizes on every axis but
    the concatenation axis.

    Args:
        axis: The axis to concatenate along. Defaults to `-1`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A list of tensors.

    Input shape:
        A list of tensors of equal rank, equal in every axis but `axis`.

    Output shape:
        The common shape, with the sizes along `axis` summed.

    Example:

    >>> a, b = np.zeros((2, 2, 5)), np.ones((2, 1, 5))
    >>> Concatenate(axis=1)([a, b]).shape
    torch.Size([2, 3, 5])
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ArgumentError("axis", "an integer", axis)
        self.axis = axis

    def call(self, inputs, mask=None):
        return torch.cat(self._checked_inputs(inputs), dim=self.axis)

    def compute_mask(self, inputs, previous_mask):
        masks = self._checked_masks(inputs, previous_mask)
        if masks is None or all(m is None for m in masks):
            return None
        # Each mask is spread over its input's full shape (all True where an
        # input has no mask), concatenated like the inputs, then reduced over
        # the last axis.
        full = []
        for x, mask in zip(inputs, masks, strict=True):
            if mask is None:
                full.append(torch.ones_like(x, dtype=torch.bool))
            elif mask.ndim < x.ndim:
                full.append(
                    torch.logical_or(
                        mask.unsqueeze(-1), torch.zeros_like(x, dtype=torch.bool)
                    )
                )
            else:
                full.append(mask)
        return torch.cat(full, dim=self.axis).any(dim=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, axis={self.axis}"

    # Shapes: equal rank, equal sizes off the concatenation axis (None matches).
    def _check_shapes(self, shapes) -> None:
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            raise ValueError(
                f"{self._label()} needs inputs of equal rank, but received "
                f"shapes {_fmt_list(shapes)}. Reshape the inputs (e.g. with "
                "`Reshape` or `ops.expand_dims`) to a common rank first."
            )
        (rank,) = ranks
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"{self._label()} has axis={self.axis}, which is out of range for "
                f"inputs of rank {rank} (shapes {_fmt_list(shapes)}). Use an axis "
                f"in [{-rank}, {rank - 1}]."
            )
        axis = self.axis % rank
        for dim in range(rank):
            sizes = {s[dim] for s in shapes} - {None}
            if dim != axis and len(sizes) > 1:
                raise ValueError(
                    f"{self._label()} cannot concatenate inputs of shapes "
                    f"{_fmt_list(shapes)} along axis {self.axis}: every axis "
                    f"other than the concatenation axis must match, but axis "
                    f"{dim} has sizes {sorted(sizes)}. Concatenate along the "
                    "axis that differs, or bring the inputs to matching shapes."
                )


def concatenate(inputs, axis: int = -1, **kwargs):
    """Concatenates a list of tensors: the functional form of `Concatenate`.

    Args:
        inputs: A list of tensors.
        axis: The axis to concatenate along. Defaults to `-1`.
        **kwargs: Standard layer keyword arguments.

    Returns:
        The inputs joined along `axis`.
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
