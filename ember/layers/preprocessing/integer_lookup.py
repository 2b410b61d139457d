"""`IntegerLookup`: maps integers to indices of a vocabulary."""

from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integer features to contiguous indices (or encodings).

    The vocabulary is given (`vocabulary=`) or learned with `adapt(data)`,
    ordered by frequency (ties: the larger integer first). Indices: in
    `"int"` mode with a `mask_token`, 0 is the mask; then `num_oov_indices`
    indices for out-of-vocabulary values (`value mod num_oov_indices` picks
    one when there are several), then the vocabulary. The lookup runs on the
    inputs' device (a sorted-key search), so the layer works inside models.

    Args:
        max_tokens: Maximum vocabulary size, special tokens included.
            Defaults to `None` (no limit).
        num_oov_indices: Number of OOV indices. Defaults to `1`.
        mask_token: The integer meaning "masked" (index 0 in `"int"` mode).
            Defaults to `None`.
        oov_token: The value `invert=True` returns for OOV indices. Defaults
            to `-1`.
        vocabulary: A list or 1-D array of integers, or a path to a text file
            with one integer a line. Defaults to `None`.
        vocabulary_dtype: Must be `"int64"`. Defaults to `"int64"`.
        idf_weights: Inverse document frequencies (`"tf_idf"` mode only).
        invert: Map indices back to integers. Defaults to `False`.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"`, `"count"` or
            `"tf_idf"`. Defaults to `"int"`.
        sparse: Must be `False`: torch layers return dense tensors.
        pad_to_max_tokens: In the encoding modes, make the last dimension
            `max_tokens`. Defaults to `False`.
        oov_method: `"floormod"` or `"farmhash"` (hash the decimal string)
            to spread OOV values over several OOV indices. Defaults to
            `"floormod"`.
        salt: SipHash key with `oov_method="farmhash"`. Defaults to `None`.
        name: The layer's name. Defaults to `None`.

    Example:

    >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> layer(torch.tensor([[12, 1138, 42], [42, 1000, 36]])).tolist()
    [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token=-1,
        vocabulary=None,
        vocabulary_dtype="int64",
        idf_weights=None,
        invert=False,
        output_mode="int",
        sparse=False,
        pad_to_max_tokens=False,
        oov_method="floormod",
        salt=None,
        name=None,
        **kwargs,
    ):
        if vocabulary_dtype != "int64":
            raise ArgumentError(
                "vocabulary_dtype", "'int64' (the only one supported)", vocabulary_dtype
            )
        super().__init__(**passed(locals()))

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
