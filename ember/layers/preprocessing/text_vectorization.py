"""`TextVectorization`: turns raw strings into token indices or encodings."""

import re
import string

import numpy as np
import torch

from ember.backend.errors import ArgumentError
from ember.layers.preprocessing._base import DataInputLayer
from ember.layers.preprocessing._utils import (
    OUTPUT_MODES,
    adapt_batches,
    to_string_array,
)
from ember.layers.preprocessing.string_lookup import StringLookup

# TensorFlow's defaults, which Keras uses: ASCII lower-casing, the ASCII
# punctuation of `string.punctuation`, and ASCII whitespace.
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)
_WHITESPACE = re.compile(r"[ \t\n\x0b\x0c\r]+")


class TextVectorization(DataInputLayer):
    """Maps text to sequences of token indices, or to token encodings.

    Each string is (1) standardized (lower-cased, punctuation stripped), (2)
    split into tokens (on whitespace), (3) optionally grouped into ngrams, and
    (4) looked up in a vocabulary, given or learned by `adapt(data)` (most
    frequent first; index 0 is padding and 1 the OOV token in `"int"` mode).
    Strings are Python/NumPy strings (torch has no string tensors); outputs
    are torch tensors, so the layer preprocesses data for a model, or runs as
    the first layer of a model called eagerly on strings.

    Args:
        max_tokens: Maximum vocabulary size, padding and OOV included.
            Defaults to `None` (no limit).
        standardize: `"lower_and_strip_punctuation"`, `"lower"`,
            `"strip_punctuation"`, `None`, or a callable taking and returning a
            NumPy array of strings. Lower-casing and punctuation are ASCII, as
            in Keras. Defaults to `"lower_and_strip_punctuation"`.
        split: `"whitespace"`, `"character"`, `None` (each string is one
            token), or a callable mapping a 1-D NumPy array of strings to a
            list of token lists. Defaults to `"whitespace"`.
        ngrams: `None`, an integer `n` (all ngrams up to `n`) or a tuple of
            widths; tokens of an ngram are joined by a space. Defaults to
            `None`.
        output_mode: `"int"` (index sequences, int64), `"multi_hot"`,
            `"count"`, `"tf_idf"` or `"one_hot"`. Defaults to `"int"`.
        output_sequence_length: In `"int"` mode, pad or truncate every
            sequence to this length. Defaults to `None` (the longest).
        pad_to_max_tokens: In the encoding modes, make the last dimension
            `max_tokens`. Defaults to `False`.
        vocabulary: A list of strings or a path to a one-token-a-line file.
            Defaults to `None`.
        idf_weights: IDF weights with `vocabulary` in `"tf_idf"` mode.
        sparse: Must be `False`: torch layers return dense tensors.
        ragged: Must be `False`: torch has no ragged tensors.
        encoding: The text encoding of `bytes` inputs. Defaults to `"utf-8"`.
        name: The layer's name. Defaults to `None`.

    Input shape:
        Strings of shape `(batch,)` or `(batch, 1)`.

    Output shape:
        `"int"`: `(batch, output_sequence_length)`; otherwise
        `(batch, vocabulary size)` (or `max_tokens`).

    Example:

    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["the cat sat", "the dog"])
    >>> layer(["the cat"]).tolist()
    [[2, 5, 0, 0]]
    """

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode="int",
        output_sequence_length=None,
        pad_to_max_tokens=False,
        vocabulary=None,
        idf_weights=None,
        sparse=False,
        ragged=False,
        encoding="utf-8",
        name=None,
        **kwargs,
    ):
        if sparse:
            raise ArgumentError(
                "sparse", "False (torch layers return dense tensors)", sparse
            )
        if ragged:
            raise ArgumentError("ragged", "False (torch has no ragged tensors)", ragged)
        if not (
            standardize is None
            or callable(standardize)
            or standardize
            in ("lower_and_strip_punctuation", "lower", "strip_punctuation")
        ):
            raise ArgumentError(
                "standardize",
                '"lower_and_strip_punctuation", "lower", "strip_punctuation", '
                "None or a callable",
                standardize,
            )
        if not (
            split is None or callable(split) or split in ("whitespace", "character")
        ):
            raise ArgumentError(
                "split", '"whitespace", "character", None or a callable', split
            )
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in OUTPUT_MODES:
            raise ArgumentError(
                "output_mode", "one of " + ", ".join(OUTPUT_MODES), output_mode
            )
        if not (
            ngrams is None
            or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
            or (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))
        ):
            raise ArgumentError(
                "ngrams", "None, an integer, or a tuple of integers", ngrams
            )
        if output_mode == "int" and not (
            output_sequence_length is None or isinstance(output_sequence_length, int)
        ):
            raise ArgumentError(
                "output_sequence_length", "None or an integer", output_sequence_length
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`TextVectorization`: `output_sequence_length` must not be set "
                f"if `output_mode` is not 'int'. Received output_sequence_length="
                f"{output_sequence_length}."
            )
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = (
            tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        )
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        has_input_vocabulary = kwargs.pop(
            "has_input_vocabulary", vocabulary is not None
        )
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            sparse=sparse,
            has_input_vocabulary=has_input_vocabulary,
            encoding=encoding,
            vocabulary_size=vocabulary_size,
        )
        self.built = True

    # ---------------------------------------------------------------- vocabulary
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learns the vocabulary (and IDF weights) from strings.

        Args:
            data: A list or NumPy array of strings (one document each), or an
                iterable of such batches.
            batch_size: Unused (kept for Keras's signature).
            steps: The number of batches to read from an iterable. Defaults
                to `None` (all).
        """
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray, str, bytes)):
            self.update_state(to_string_array(data, self._encoding))
        else:
            for batch in adapt_batches(data, steps, arrays_are_one_batch=False):
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary; with special tokens, a token's index is its place."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The vocabulary's size, padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (a list or a file path) and, in `"tf_idf"`
        mode, the IDF weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ---------------------------------------------------------------------- call
    def call(self, inputs):
        scalar = isinstance(inputs, (str, bytes))
        rows = self._preprocess(inputs)
        lookup = self._lookup_layer
        if self._split is None and self._ngrams is None:
            # One token per string: the lookup keeps the input's shape.
            outputs = lookup(
                np.asarray(rows, dtype=object).reshape(len(rows), -1)
                if rows
                else np.zeros((0, 1), dtype=object)
            )
            if self._output_mode == "int":
                return self._fit_length(outputs)
            return outputs
        lengths = [len(row) for row in rows]
        width = max(lengths, default=0)
        flat = np.concatenate(rows) if width else np.zeros((0,), dtype=object)
        indices = (
            lookup._lookup_strings(flat) if flat.size else np.zeros((0,), np.int64)
        )
        pad = 0 if self._output_mode == "int" else -1
        matrix = np.full((len(rows), width), pad, dtype=np.int64)
        if flat.size:
            matrix[np.arange(width)[None, :] < np.asarray(lengths)[:, None]] = indices
        matrix = torch.from_numpy(matrix)
        if self._output_mode == "int":
            outputs = self._fit_length(matrix)
            return outputs[0] if scalar else outputs
        lookup._ensure_known_vocab_size()
        lookup._called = True
        outputs = lookup._encode(matrix)
        return outputs[0] if scalar and self._output_mode != "one_hot" else outputs

    def _fit_length(self, outputs):
        length = self._output_sequence_length
        if length is None:
            return outputs
        outputs = outputs[..., :length]
        missing = length - outputs.shape[-1]
        if missing > 0:
            outputs = torch.nn.functional.pad(outputs, (0, missing))
        return outputs

    def _preprocess(self, inputs):
        """Standardizes and splits a batch: a list of 1-D token arrays."""
        values = to_string_array(inputs, self._encoding)
        if values.ndim == 0:
            values = values.reshape(1)
        if self._split is not None and values.ndim > 1:
            if values.shape[-1] != 1:
                raise ValueError(
                    "`TextVectorization` tokenizes strings of shape (batch,) or "
                    f"(batch, 1); received shape {values.shape}. Pass one string "
                    "per sample."
                )
            values = values.reshape(values.shape[:-1])
        values = self._standardize_values(values)
        if self._split is None:
            rows = [np.asarray([v], dtype=object) for v in values.reshape(-1).tolist()]
        elif self._split == "whitespace":
            rows = [_as_row([t for t in _WHITESPACE.split(v) if t]) for v in values]
        elif self._split == "character":
            rows = [_as_row(list(v)) for v in values]
        else:
            rows = [
                _as_row(list(np.asarray(r).reshape(-1))) for r in self._split(values)
            ]
        if self._ngrams is not None:
            rows = [_as_row(_ngrams(row.tolist(), self._ngrams)) for row in rows]
        return rows

    def _standardize_values(self, values):
        mode = self._standardize
        if callable(mode):
            result = mode(values.astype(str) if values.size else values)
            return to_string_array(np.asarray(result), self._encoding)
        if mode is None:
            return values
        flat = values.reshape(-1).tolist()
        if mode in ("lower", "lower_and_strip_punctuation"):
            flat = [v.translate(_LOWER) for v in flat]
        if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [v.translate(_NO_PUNCTUATION) for v in flat]
        return np.array(flat, dtype=object).reshape(values.shape)

    # --------------------------------------------------------------- shapes
    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        lookup = self._lookup_layer
        depth = (
            lookup.max_tokens
            if lookup.pad_to_max_tokens
            else (lookup._frozen_vocab_size)
        )
        return (input_shape[0], depth)

    # ------------------------------------------------------------------ saving
    def get_config(self) -> dict:
        lookup = self._lookup_layer
        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": lookup.sparse,
            "ragged": self._ragged,
            "vocabulary": _listify(lookup.input_vocabulary),
            "idf_weights": _listify(lookup.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }

    @classmethod
    def from_config(cls, config):
        from ember.saving import serialization_lib

        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = serialization_lib.deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)

    def save_own_variables(self, store) -> None:
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path) -> None:
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path) -> None:
        self._lookup_layer.load_assets(dir_path)


def _as_row(tokens):
    row = np.empty(len(tokens), dtype=object)
    row[:] = tokens
    return row


def _ngrams(tokens, widths):
    """All ngrams of each width in turn, tokens joined by a space."""
    out = []
    for width in widths:
        out.extend(
            " ".join(tokens[i : i + width]) for i in range(len(tokens) - width + 1)
        )
    return out


def _listify(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x
