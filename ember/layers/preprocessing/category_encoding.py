"""`CategoryEncoding`: one-hot, multi-hot or count encoding of integer ids."""

from ember.backend.errors import ArgumentError
from ember.layers.preprocessing._base import DataInputLayer
from ember.layers.preprocessing._utils import (
    check_choice,
    encode_categorical,
    encoded_shape,
    to_int_tensor,
)


class CategoryEncoding(DataInputLayer):
    """Encodes integer features as one-hot, multi-hot or count vectors.

    Inputs are integer ids in `[0, num_tokens)`; ids outside that range are
    ignored. For inputs that are already strings or unbounded integers, put a
    `StringLookup`/`IntegerLookup` (or `Hashing`) first.

    Args:
        num_tokens: The number of distinct ids (the output's last dimension).
        output_mode: `"one_hot"` (one vector per input id; a trailing axis of
            size 1 is replaced), `"multi_hot"` (one vector per sample with a 1
            for each id present; samples lie along axis 1) or `"count"` (as
            `"multi_hot"`, with the number of occurrences). Defaults to
            `"multi_hot"`.
        sparse: Must be `False`: torch layers return dense tensors.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: Integer ids of shape `(batch,)`, `(batch, tokens)` or more.
        count_weights: Weights of the same shape as `inputs`, summed instead
            of counting ones in `"count"` mode.

    Output shape:
        `"one_hot"`: `inputs.shape + (num_tokens,)` (or with the last axis
        replaced when it is 1); `"multi_hot"`/`"count"`:
        `(batch, num_tokens)` for 2-D inputs.

    Example:

    >>> layer = CategoryEncoding(num_tokens=4, output_mode="count")
    >>> layer([[0, 1], [0, 0], [1, 2], [3, 1]]).tolist()
    [[1.0, 1.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]
    """

    def __init__(
        self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs
    ):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_choice("output_mode", output_mode, ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ArgumentError(
                "num_tokens",
                "a positive integer",
                num_tokens,
                hint="If the number of tokens is not known beforehand, use "
                "`IntegerLookup` instead.",
            )
        if (
            isinstance(num_tokens, bool)
            or not isinstance(num_tokens, int)
            or (num_tokens < 1)
        ):
            raise ArgumentError("num_tokens", "an integer >= 1", num_tokens)
        if sparse:
            raise ArgumentError(
                "sparse",
                "False (torch layers return dense tensors)",
                sparse,
            )
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    f"`CategoryEncoding` (layer '{self.name}'): `count_weights` "
                    "is only used when `output_mode='count'`. Received "
                    f"output_mode='{self.output_mode}'."
                )
            count_weights = to_int_tensor(count_weights).to(
                self._dtype_policy.torch_compute_dtype
            )
        inputs = to_int_tensor(inputs)
        if inputs.is_floating_point():
            inputs = inputs.long()
        return encode_categorical(
            inputs,
            self.output_mode,
            self.num_tokens,
            self._dtype_policy.torch_compute_dtype,
            count_weights=count_weights,
        )

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        }
