"""`StringLookup`: maps strings to integer indices of a vocabulary."""

from ember.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to indices (or encodings) through a vocabulary.

    The vocabulary is given (`vocabulary=`) or learned with `adapt(data)`,
    ordered by frequency (ties: the larger string first). Indices: in `"int"`
    mode with a `mask_token`, 0 is the mask; then `num_oov_indices` indices for
    out-of-vocabulary strings (hashed among them when there are several),
    then the vocabulary. Strings are Python/NumPy strings (torch has none);
    outputs are torch tensors, or, with `invert=True`, a NumPy array of
    strings.

    Args:
        max_tokens: Maximum vocabulary size, special tokens included.
            Defaults to `None` (no limit).
        num_oov_indices: Number of OOV indices. Defaults to `1`.
        mask_token: The token meaning "masked" (index 0 in `"int"` mode).
            Defaults to `None`.
        oov_token: The token `invert=True` returns for OOV indices. Defaults
            to `"[UNK]"`.
        vocabulary: A list or 1-D array of strings, or a path to a text file
            with one string a line. Defaults to `None`.
        idf_weights: Inverse document frequencies (`"tf_idf"` mode only).
        invert: Map indices back to strings. Defaults to `False`.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"`, `"count"` or
            `"tf_idf"`. Defaults to `"int"`.
        pad_to_max_tokens: In the encoding modes, make the last dimension
            `max_tokens` whatever the vocabulary size. Defaults to `False`.
        sparse: Must be `False`: torch layers return dense tensors.
        encoding: The text encoding of `bytes` inputs. Defaults to `"utf-8"`.
        name: The layer's name. Defaults to `None`.
        salt: SipHash key for hashing OOV strings among several OOV indices.
            Defaults to `None` (FarmHash).

    Example:

    >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
    >>> layer([["a", "c", "d"], ["d", "z", "b"]]).tolist()
    [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token="[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        pad_to_max_tokens=False,
        sparse=False,
        encoding="utf-8",
        name=None,
        salt=None,
        **kwargs,
    ):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            name=name,
            salt=salt,
            vocabulary_dtype="string",
            **kwargs,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}
