"""`pad_sequences`, as `keras.utils` and `keras.preprocessing.sequence` expose it."""

import numpy as np


def pad_sequences(
    sequences,
    maxlen=None,
    dtype="int32",
    padding="pre",
    truncating="pre",
    value=0.0,
):
    """Pads (and truncates) sequences to one length, giving a 2D+ numpy array.

    Sequences longer than `maxlen` lose values from the start (`truncating="pre"`)
    or the end (`"post"`); shorter ones are filled with `value` before
    (`padding="pre"`) or after (`"post"`).

    Args:
        sequences: List of sequences (each a list or array; entries may be
            arrays of one common shape).
        maxlen: Length of the result. `None` pads to the longest sequence.
            Defaults to `None`.
        dtype: Dtype of the result; use `object` for variable-length strings.
            Defaults to `"int32"`.
        padding: `"pre"` or `"post"`: where to pad. Defaults to `"pre"`.
        truncating: `"pre"` or `"post"`: where to cut long sequences.
            Defaults to `"pre"`.
        value: The padding value. Defaults to `0.0`.

    Returns:
        Numpy array of shape `(len(sequences), maxlen) + sample_shape`.

    Example:

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            "Invalid value for argument `sequences` of `pad_sequences`: expected "
            f"a list of sequences. Received: {type(sequences).__name__}."
        )
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(
                f"Invalid value for argument `{name}` of `pad_sequences`: expected "
                f'"pre" or "post". Received: {name}={choice!r}.'
            )
    lengths, sample_shape = [], None
    for sequence in sequences:
        try:
            lengths.append(len(sequence))
        except TypeError as error:
            raise ValueError(
                "`sequences` must be a list of iterables (lists or arrays). Found "
                f"a non-iterable element: {sequence!r}."
            ) from error
        if sample_shape is None and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(
            f"`dtype` {dtype} cannot hold the string padding `value` {value!r}. "
            "Pass `dtype=object` for variable-length strings."
        )
    result = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype)
    for position, sequence in enumerate(sequences):
        if not len(sequence) or maxlen == 0:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of the sequence at position "
                f"{position} differs from the expected shape {tuple(sample_shape)}."
            )
        if padding == "post":
            result[position, : len(kept)] = kept
        else:
            result[position, -len(kept) :] = kept
    return result
