"""`Embedding`: turns integer indices into dense vectors of fixed size."""

import warnings

import torch

from ember import constraints, initializers, regularizers
from ember.backend import dtypes
from ember.backend.errors import ArgumentError
from ember.layers.core.dense import _is_positive_int
from ember.layers.layer import Layer


class Embedding(Layer):
    """Looks up a dense vector for each integer index: `embeddings[inputs]`.

    For example `[[4], [20]]` becomes `[[embeddings[4]], [embeddings[20]]]`.
    Floating-point inputs are truncated to integers.

    Args:
        input_dim: Positive integer, the vocabulary size: the largest index
            plus one.
        output_dim: Positive integer, the size of each embedding vector.
        embeddings_initializer: Initializer of the `embeddings` matrix.
            Defaults to `"uniform"`.
        embeddings_regularizer: Regularizer of the `embeddings` matrix.
            Defaults to `None`.
        embeddings_constraint: Constraint on the `embeddings` matrix.
            Defaults to `None`.
        mask_zero: Whether index 0 is padding to be masked out downstream
            (layers that support masks, e.g. recurrent ones, skip it). Index
            0 then cannot be a word: use `input_dim = vocabulary size + 1`.
            Defaults to `False`.
        weights: Optional initial `embeddings` matrix of shape
            `(input_dim, output_dim)` (or a list holding it). Defaults to
            `None`.
        quantization_config: Present for compatibility with Keras configs;
            only `None` is accepted. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: An integer tensor of indices in `[0, input_dim)`.

    Input shape:
        `(batch_size, ...)`, any rank.

    Output shape:
        `(batch_size, ..., output_dim)`.

    Example:

    >>> Embedding(1000, 64)(torch.randint(0, 1000, (32, 10))).shape
    torch.Size([32, 10, 64])
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        weights=None,
        quantization_config=None,
        **kwargs,
    ):
        if kwargs.pop("input_length", None) is not None:
            warnings.warn(
                "Argument `input_length` of `Embedding` is deprecated (Keras 3 "
                "ignores it). Just remove it.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        for argument, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not _is_positive_int(value):
                raise ArgumentError(argument, "a positive integer", value)
        if quantization_config is not None:
            raise ArgumentError(
                "quantization_config",
                "None (ember does not quantize Embedding)",
                quantization_config,
            )
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = bool(mask_zero)
        # Indices must not be cast to a float compute dtype.
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )
        self.built = True

    def call(self, inputs):
        indices = inputs
        if indices.dtype not in (torch.int32, torch.int64):
            indices = indices.to(torch.int32)
        try:
            outputs = torch.nn.functional.embedding(indices, self.embeddings)
        except IndexError:
            raise self._out_of_range(indices) from None
        compute = dtypes.to_torch_dtype(self.compute_dtype)
        return outputs if outputs.dtype == compute else outputs.to(compute)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(
                self.embeddings_initializer
            ),
            "embeddings_regularizer": regularizers.serialize(
                self.embeddings_regularizer
            ),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, input_dim={self.input_dim}, "
            f"output_dim={self.output_dim}"
        )

    def _out_of_range(self, indices):
        # Only reached after torch refused an index (CPU raises at once).
        low, high = int(indices.min()), int(indices.max())
        return IndexError(
            f"`Embedding` (layer '{self.name}') received indices in "
            f"[{low}, {high}], but its `input_dim` is {self.input_dim}: indices "
            f"must be in [0, {self.input_dim - 1}]. Use a larger `input_dim` "
            "(vocabulary size + 1 when index 0 is padding), or fix the indices."
        )
