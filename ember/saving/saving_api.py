"""The public saving functions: `save_model`, `load_model`, `save_weights`,
`load_weights` (checks of the arguments, then `saving_lib`)."""

import os
import sys

from ember.backend import sharding
from ember.distribution.runtime import is_chief
from ember.saving import legacy_h5_format, saving_lib


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs) -> None:
    """Saves a model to a `.keras` file (Keras 3's format), atomically.

    Args:
        model: The model (or layer) to save.
        filepath: Path ending in `.keras`.
        overwrite: Whether to replace an existing file without asking.
            Defaults to `True`.
        zipped: `None` or `True`; ember writes zipped `.keras` files only.

    Example:

    >>> model.save("model.keras")
    >>> restored = ember.saving.load_model("model.keras")
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    if kwargs:
        raise ValueError(
            "The following argument(s) are not supported by `save_model`: "
            f"{sorted(kwargs)}."
        )
    if zipped is False:
        raise ValueError(
            "`zipped=False` (an unzipped model folder) is not supported by ember: "
            "save to a `.keras` file with `zipped=None` or `True`."
        )
    filepath = _check_path(filepath, "save_model")
    if not filepath.endswith(".keras"):
        if filepath.endswith((".h5", ".hdf5")):
            raise ValueError(
                "ember does not write the legacy Keras 2 `.h5` model format. Save "
                f"to a `.keras` file instead. Received: filepath={filepath}"
            )
        raise ValueError(
            "Invalid filepath extension for saving. Please add the `.keras` "
            f"extension. Received: filepath={filepath}"
        )
    if not include_optimizer:
        raise ValueError(
            "`include_optimizer=False` is only meaningful for the legacy `.h5` "
            "format; `.keras` files always hold the optimizer state."
        )
    _write_on_chief(model, filepath, overwrite, saving_lib.save_model)


def _write_on_chief(model, filepath, overwrite, write):
    """`write(model, filepath)` by rank 0 alone under torchrun (every process
    takes part in gathering variables split across processes)."""
    with gathered(model):
        if is_chief() and _may_write(filepath, overwrite):
            write(model, filepath)


def gathered(model):
    """Context in which `model`'s variables split across processes (and its
    optimizer's) hold their full values, gathered by every process on entry,
    so that rank 0 alone can write them. Without split variables: nothing."""
    variables = list(model.weights)
    variables += list(getattr(getattr(model, "optimizer", None), "variables", []))
    return sharding.full_values_cached(variables)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved as a `.keras` file (by ember or Keras 3), or as a
    legacy Keras 2 `.h5` file.

    Args:
        filepath: Path to the `.keras` (or `.h5` / `.hdf5`) file.
        custom_objects: Optional dict mapping names (registered names or class
            names) to custom classes or functions.
        compile: Whether to compile the model as it was when saved (restoring
            the optimizer state too). Defaults to `True`.
        safe_mode: Refuse Python lambdas stored in the file (they are code).
            Pass `False` only for files you trust. Defaults to `True`.

    Returns:
        The model.

    Example:

    >>> model = ember.models.load_model("model.keras")
    """
    filepath = _check_path(filepath, "load_model")
    if filepath.endswith(".keras"):
        return saving_lib.load_model(
            filepath,
            custom_objects=custom_objects,
            compile=compile,
            safe_mode=safe_mode,
        )
    if filepath.endswith(".weights.h5"):
        raise ValueError(
            "This is a weights file, not a model: build the model and call "
            f"`model.load_weights(...)`. Received: filepath={filepath}"
        )
    if filepath.endswith((".h5", ".hdf5")):
        return legacy_h5_format.load_model_from_hdf5(
            filepath,
            custom_objects=custom_objects,
            compile=compile,
            safe_mode=safe_mode,
        )
    raise ValueError(
        f"File format not supported: filepath={filepath}. ember loads `.keras` "
        "files (Keras 3's format). For weights use `model.load_weights()`."
    )


def save_weights(model, filepath, overwrite=True, max_shard_size=None) -> None:
    """Saves `model`'s weights (and optimizer state) to a `.weights.h5` file."""
    filepath = _check_path(filepath, "save_weights")
    if not filepath.endswith(".weights.h5"):
        raise ValueError(
            f"The filename must end in `.weights.h5`. Received: filepath={filepath}"
        )
    if max_shard_size is not None:
        raise ValueError(
            "`max_shard_size` (sharded weights files) is not supported by ember: "
            "pass `max_shard_size=None`."
        )
    _write_on_chief(model, filepath, overwrite, saving_lib.save_weights_only)


def load_weights(model, filepath, skip_mismatch=False, **kwargs) -> None:
    """Loads weights from a `.weights.h5`, `.keras` or legacy `.h5` file.

    Legacy Keras 2 `.h5` files (weights-only or full models) also take
    `by_name=True`: layers are matched by name instead of by order.
    """
    filepath = _check_path(filepath, "load_weights")
    legacy = filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(
        ".weights.h5"
    )
    by_name = kwargs.pop("by_name", False) if legacy else False
    if kwargs:
        raise ValueError(
            f"Invalid keyword arguments for `load_weights`: {sorted(kwargs)}."
        )
    if legacy:
        legacy_h5_format.load_weights_from_hdf5(
            model, filepath, by_name=by_name, skip_mismatch=skip_mismatch
        )
        return
    if filepath.endswith((".keras", ".weights.h5")):
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"File not found: filepath={filepath}.")
        saving_lib.load_weights_only(model, filepath, skip_mismatch=skip_mismatch)
        return
    raise ValueError(
        "File format not supported: ember loads weights from `.weights.h5`, "
        f"`.keras` and legacy Keras 2 `.h5` files. Received: filepath={filepath}"
    )


def _check_path(filepath, function) -> str:
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(
            f"`{function}` expects a file path (a str or os.PathLike). Received: "
            f"{filepath!r}."
        ) from None


def _may_write(filepath, overwrite) -> bool:
    """Whether to write `filepath`: asks before replacing it unless
    `overwrite` (as Keras does), and refuses when nobody can answer."""
    if overwrite or not os.path.exists(filepath):
        return True
    if not sys.stdin or not sys.stdin.isatty():
        raise FileExistsError(
            f"{filepath} already exists and `overwrite=False`. Pass "
            "`overwrite=True` to replace it."
        )
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ")
    while answer.strip().lower() not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel). ')
    return answer.strip().lower() == "y"


def model_from_json(json_string, custom_objects=None):
    """Builds a model (without weights) from `model.to_json()`'s string.

    Args:
        json_string: The JSON string.
        custom_objects: Optional dict mapping names to custom classes or
            functions.

    Example:

    >>> config = model.to_json()
    >>> clone = ember.models.model_from_json(config)
    """
    import json

    from ember.saving import serialization_lib

    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"`model_from_json` expects the JSON string of `model.to_json()`; it "
            f"could not be parsed ({error})."
        ) from None
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects
    )
