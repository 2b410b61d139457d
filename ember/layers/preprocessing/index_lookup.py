"""`IndexLookup`: the vocabulary machinery of `StringLookup`, `IntegerLookup`
and `TextVectorization` (not exported; use those layers).

Index layout, as Keras's: in `"int"` mode with a `mask_token`, index 0 is the
mask; then come `num_oov_indices` OOV indices, then the vocabulary. In the
other output modes the mask takes no index (masked tokens count nowhere).
Integer vocabularies are looked up on the inputs' device with a sorted-key
`searchsorted`; strings through a Python dict (strings live on the host).
"""

import collections
import os

import numpy as np
import torch

from ember.backend.errors import ArgumentError
from ember.layers.preprocessing._base import DataInputLayer
from ember.layers.preprocessing._lookup_kernels import LookupKernels
from ember.layers.preprocessing._utils import (
    OUTPUT_MODES,
    adapt_batches,
    check_choice,
    encode_categorical,
    encoded_shape,
    to_string_array,
)


class IndexLookup(LookupKernels, DataInputLayer):
    """Maps tokens to indices of a vocabulary (see `StringLookup`)."""

    def __init__(
        self,
        max_tokens,
        num_oov_indices,
        mask_token,
        oov_token,
        vocabulary_dtype,
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        sparse=False,
        pad_to_max_tokens=False,
        oov_method="floormod",
        name=None,
        salt=None,
        **kwargs,
    ):
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop(
            "has_input_vocabulary", vocabulary is not None
        )
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ArgumentError("max_tokens", "None or an integer > 1", max_tokens)
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"`{type(self).__name__}`: `pad_to_max_tokens=True` needs "
                "`max_tokens` to be set. Received: max_tokens=None."
            )
        if num_oov_indices < 0:
            raise ArgumentError("num_oov_indices", "an integer >= 0", num_oov_indices)
        check_choice("oov_method", oov_method, ("floormod", "farmhash"))
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(
                    f"`{type(self).__name__}`: `salt` is only used with "
                    f"`oov_method='farmhash'`. Received: oov_method={oov_method!r}."
                )
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ArgumentError("salt", "an integer or a pair of integers", salt)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_choice("output_mode", output_mode, OUTPUT_MODES)
        if invert and output_mode != "int":
            raise ValueError(
                f"`{type(self).__name__}`: `invert=True` needs `output_mode='int'`. "
                f"Received: output_mode={output_mode!r}."
            )
        if sparse:
            raise ArgumentError(
                "sparse", "False (torch layers return dense tensors)", sparse
            )
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"`{type(self).__name__}`: `idf_weights` is only used when "
                f"`output_mode='tf_idf'`. Received: output_mode={output_mode!r}."
            )
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens = []
        self._index = {}
        self._device_tables = {}
        self.idf_weights = None
        self._reset_counts()
        if output_mode == "tf_idf":
            if has_input_vocabulary and idf_weights is None:
                raise ValueError(
                    f"`{type(self).__name__}`: with a `vocabulary` in "
                    "`output_mode='tf_idf'`, pass `idf_weights` too."
                )
            if idf_weights is not None:
                self.idf_weights = torch.as_tensor(
                    np.asarray(idf_weights), dtype=torch.float32
                )
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # ---------------------------------------------------------------- vocabulary
    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary, special tokens first unless excluded.

        With special tokens, a token's position is its index in the outputs.
        """
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index() :]
        return vocab

    def vocabulary_size(self) -> int:
        """The vocabulary's size, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (and, in `"tf_idf"` mode, the IDF weights).

        Args:
            vocabulary: A list, tuple or 1-D array of tokens, or the path of a
                text file with one token per line. It may start with the
                special tokens (mask, then OOV) in index order.
            idf_weights: Inverse document frequencies, one per vocabulary
                entry; required in `"tf_idf"` mode, refused otherwise.
        """
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(
                    f"`{type(self).__name__}`: `idf_weights` must be set when "
                    "output_mode='tf_idf'."
                )
        elif idf_weights is not None:
            raise ValueError(
                f"`{type(self).__name__}`: `idf_weights` is only used when "
                f"output_mode='tf_idf'. Received: output_mode={self.output_mode!r}."
            )
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        elif isinstance(vocabulary, torch.Tensor):
            vocabulary = vocabulary.detach().cpu().numpy().tolist()
        vocabulary = [
            self._standardize_token(t)
            for t in np.asarray(vocabulary, dtype=object).reshape(-1).tolist()
        ]
        if isinstance(idf_weights, torch.Tensor):
            idf_weights = idf_weights.detach().cpu().numpy()
        if not vocabulary:
            raise ValueError(
                f"`{type(self).__name__}`: cannot set an empty vocabulary. "
                f"Received: vocabulary={vocabulary}."
            )
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [
            self.oov_token
        ] * self.num_oov_indices
        found_special = vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                f"`{type(self).__name__}`: the vocabulary has repeated terms "
                f"{repeated}. Remove the duplicates."
            )
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"`{type(self).__name__}`: found the mask token "
                f"{self.mask_token!r} at an unexpected place in `vocabulary` "
                f"(index {vocabulary.index(self.mask_token)}). The vocabulary "
                "need not hold the mask and OOV tokens; if it does, they must "
                f"come first, in this order: {special}."
            )
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(
                f"`{type(self).__name__}`: found the OOV token "
                f"{self.oov_token!r} at an unexpected place in `vocabulary` "
                f"(index {vocabulary.index(self.oov_token)}). Either remove it "
                f"or put the special tokens first, in this order: {special}."
            )
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                f"`{type(self).__name__}`: the vocabulary has {size} entries "
                f"(special tokens included), more than max_tokens="
                f"{self.max_tokens}."
            )
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf" and idf_weights is not None:
            idf_weights = np.asarray(idf_weights, dtype=np.float64)
            if idf_weights.ndim != 1:
                raise ValueError(
                    f"`{type(self).__name__}`: `idf_weights` must be 1-D. "
                    f"Received shape {idf_weights.shape}."
                )
            if len(idf_weights) != len(vocabulary):
                raise ValueError(
                    f"`{type(self).__name__}`: `idf_weights` must be as long as "
                    f"the vocabulary. len(idf_weights) is {len(idf_weights)}; "
                    f"len(vocabulary) is {len(vocabulary)}."
                )
            front = 0 if found_special else token_start
            front_value = 0 if found_special else np.average(idf_weights)
            back = 0
            if self.pad_to_max_tokens and self.max_tokens is not None:
                back = self.max_tokens - front - len(idf_weights)
            weights = np.pad(
                idf_weights, (front, back), constant_values=(front_value, 0)
            )
            self.idf_weights = torch.as_tensor(weights, dtype=torch.float32)

    def _read_vocabulary_file(self, path):
        from ember.saving import serialization_lib

        if serialization_lib.in_safe_mode():
            raise ValueError(
                "Loading a vocabulary file from outside the model archive is "
                "disallowed in safe mode (it could read arbitrary files). If "
                "you trust the source, pass `safe_mode=False` to the loading "
                "function or call `ember.config.enable_unsafe_deserialization()`. "
                f"Vocabulary file: '{path}'"
            )
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError(
                "output_mode 'tf_idf' does not support loading a vocabulary from "
                "a file; pass a list and `idf_weights`."
            )
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def _standardize_token(self, token):
        if self.vocabulary_dtype == "string":
            return token.decode("utf-8") if isinstance(token, bytes) else str(token)
        return int(token)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        self._index = {t: i + self._token_start_index() for i, t in enumerate(tokens)}
        self._device_tables = {}
        self._record_vocabulary_size()

    def _record_vocabulary_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            self._frozen_vocab_size = self.vocabulary_size()
            return
        new_size = self.vocabulary_size()
        if (
            self._frozen_vocab_size is not None
            and self._called
            and (new_size != self._frozen_vocab_size)
        ):
            raise RuntimeError(
                f"`{type(self).__name__}` (layer '{self.name}'): with "
                f"output_mode={self.output_mode!r} and pad_to_max_tokens=False, "
                "the vocabulary size cannot change after the layer was called. "
                f"Old size: {self._frozen_vocab_size}; new size: {new_size}."
            )
        self._frozen_vocab_size = new_size

    _called = False

    # --------------------------------------------------------------------- adapt
    def adapt(self, data, steps=None) -> None:
        """Builds the vocabulary from the tokens of `data`, by frequency.

        Tokens are ordered by count, most frequent first, ties by the token in
        descending order; `max_tokens` keeps the most frequent. In `"tf_idf"`
        mode the document frequencies are learned too (each row is a document;
        a 1-D array is a column of one-token documents).

        Args:
            data: A list, NumPy array or tensor of tokens, or an iterable of
                batches (a generator, a torch `DataLoader`, ...).
            steps: The number of batches to read from an iterable. Defaults
                to `None` (all).
        """
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray, torch.Tensor, str, bytes)):
            batch = next(adapt_batches(data))
            if batch.ndim == 1:
                batch = batch.reshape(-1, 1)
            self.update_state(batch)
        else:
            for batch in adapt_batches(data, steps, arrays_are_one_batch=False):
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        """Counts the tokens of one batch (rows are documents)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static "
                "vocabulary via the `vocabulary` argument or `set_vocabulary()`."
            )
        rows = self._rows(data)
        flat = np.concatenate(rows) if rows else np.zeros((0,), dtype=object)
        self._count(self._token_counts, flat)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._count(self._document_counts, _unique(row))
            self._num_documents += len(rows)

    def _rows(self, data):
        """A batch as a list of 1-D arrays of tokens, one per document."""
        if (
            isinstance(data, list)
            and data
            and all(isinstance(r, np.ndarray) for r in data)
        ):
            return [self._flat_values(r) for r in data]
        array = self._as_values(data)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim == 1:
            array = array.reshape(1, -1)
        return [self._flat_values(row) for row in array]

    def _as_values(self, data):
        if self.vocabulary_dtype == "string":
            return to_string_array(data)
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        return np.asarray(data).astype(np.int64)

    def _flat_values(self, row):
        row = np.asarray(row).reshape(-1)
        if self.vocabulary_dtype == "string":
            return to_string_array(row)
        return row.astype(np.int64)

    def _count(self, counter, values):
        if values.dtype == object:
            counter.update(values.tolist())
        else:
            keys, counts = np.unique(values, return_counts=True)
            for key, count in zip(keys.tolist(), counts.tolist()):
                counter[key] += count

    def finalize_state(self) -> None:
        """Turns the counts gathered by `update_state` into the vocabulary."""
        if self._has_input_vocabulary or not self._token_counts:
            self._record_vocabulary_size()
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        # Most frequent first; ties broken by the token, largest first.
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[: self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            frequencies = np.array(
                [self._document_counts.get(t, 0) for t in tokens], dtype=np.float64
            )
            idf = np.log(1 + self._num_documents / (1 + frequencies)).astype(np.float32)
            mean = idf.mean() if idf.size else np.float32(0)
            weights = np.concatenate(
                [np.full(self._token_start_index(), mean, np.float32), idf]
            )
            if self.pad_to_max_tokens and self.max_tokens is not None:
                weights = np.pad(weights, (0, self.max_tokens - weights.size))
            self.idf_weights = torch.as_tensor(weights, dtype=torch.float32)
        self._reset_counts()

    def reset_state(self) -> None:
        if self._has_input_vocabulary:
            return
        self._reset_counts()

    def _reset_counts(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    # ---------------------------------------------------------------------- call
    def call(self, inputs):
        self._ensure_known_vocab_size()
        self._called = True
        if self.vocabulary_dtype == "string" and not self.invert:
            values = to_string_array(inputs)
            lookups = torch.from_numpy(self._lookup_strings(values))
        elif self.vocabulary_dtype == "string":
            return self._invert_to_strings(inputs)
        else:
            inputs = torch.as_tensor(inputs)
            if inputs.device.type == "meta":
                # Shape inference only: the values do not matter.
                lookups = torch.zeros_like(inputs, dtype=torch.int64)
            else:
                lookups = self._lookup_integers(inputs)
        return self._encode(lookups)

    def _encode(self, lookups):
        if self.output_mode == "int":
            return lookups
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        output = encode_categorical(lookups, mode, depth, torch.float32)
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError(
                    f"`{type(self).__name__}` (layer '{self.name}'): "
                    "output_mode='tf_idf' needs IDF weights: call `adapt()` or "
                    "pass `vocabulary` and `idf_weights`."
                )
            output = output * self.idf_weights.to(output.device)
        return output

    def _ensure_known_vocab_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is None:
            raise RuntimeError(
                f"`{type(self).__name__}` (layer '{self.name}'): with "
                f"output_mode={self.output_mode!r} and pad_to_max_tokens=False, "
                "set the vocabulary before calling the layer: pass `vocabulary` "
                "or call `adapt()` with sample data."
            )

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    # --------------------------------------------------------------- shapes
    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoded_shape(input_shape, self.output_mode, depth)

    # ------------------------------------------------------------ saving
    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }

    def get_build_config(self):
        return {}

    def build_from_config(self, config) -> None:
        self.built = True

    def save_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights.detach().cpu().numpy()

    def load_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = torch.as_tensor(
                np.asarray(store["idf_weights"]), dtype=torch.float32
            )

    def save_assets(self, dir_path) -> None:
        """Writes `vocabulary.txt` (one token a line, special tokens first)."""
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary()))

    def load_assets(self, dir_path) -> None:
        """Reads the `vocabulary.txt` that `save_assets` (or Keras) wrote."""
        if self.input_vocabulary is not None or dir_path is None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not lines:
            return
        values = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        idf = None
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            # The saved weights may be padded to max_tokens; the file is not.
            idf = self.idf_weights.numpy()[: len(values)]
        self._called = False
        self.set_vocabulary(values, idf_weights=idf)

    def _apply(self, fn, *args, **kwargs):
        self._device_tables = {}
        return super()._apply(fn, *args, **kwargs)


def _unique(values):
    if values.dtype == object:
        return np.array(list(dict.fromkeys(values.tolist())), dtype=object)
    return np.unique(values)


def _listify(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    return x
