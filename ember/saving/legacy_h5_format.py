"""Keras 2's legacy HDF5 files (`.h5` / `.hdf5`): full models and weights.

A full-model file (tf.keras 2's `model.save("m.h5")`, or Keras 3's legacy
writer) holds the root attributes `keras_version`, `backend`, `model_config`
(JSON of `{"class_name", "config"}` in the legacy spelling: no `module`,
`batch_input_shape`, `Policy` dtypes, `[[name, node, tensor, kwargs]]`
nodes) and optionally `training_config`, a `model_weights` group and an
`optimizer_weights` group. The weights group lists `layer_names`; each layer
group lists `weight_names` (`"dense/kernel:0"`, paths inside the group) in
the layer's legacy order: trainable weights, then non-trainable ones. A
weights-only file has `layer_names` at its root. Long attribute lists are
split into `layer_names0`, `layer_names1`, ...

Weights load by order (the layers that have weights, in turn) or
`by_name`. Everything is read and checked (counts, shapes, dtypes, no links
or external data) before any variable is assigned, so a bad file leaves the
model unchanged. Configs are converted to Keras 3's format and built by
`serialization_lib`: no module named by the file is imported, nothing is
unpickled, and Python code stored in a `Lambda` is refused under
`safe_mode`.
"""

import json
import math
import os
import warnings

import h5py
import numpy as np
import torch

from ember.saving import serialization_lib
from ember.saving._legacy_config import compile_args, convert_legacy_config
from ember.saving._weights_store import (
    H5_BOMB_FLOOR_BYTES,
    H5_MAX_EXPANSION,
    WeightsFormatError,
)
from ember.saving.saving_lib import SavedModelError, SavedModelTypeError

_H5_ERRORS = (OSError, KeyError, ValueError, TypeError, RuntimeError)


# ------------------------------------------------------------------ loading
def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model from a legacy Keras 2 `.h5` file.

    Args:
        filepath: Path to the `.h5` / `.hdf5` file.
        custom_objects: Optional dict mapping names to custom classes or
            functions.
        compile: Whether to compile the model with the file's
            `training_config` (and restore the optimizer state when it fits).
            Defaults to `True`.
        safe_mode: Refuse Python code stored in `Lambda` layers. Defaults to
            `True`.

    Returns:
        The model, with its weights.

    Example:

    >>> model = ember.models.load_model("model_from_tf_keras.h5")
    """
    with _LegacyFile(filepath) as file:
        config = file.json_attr(file.root, "model_config", required=True)
        model = _model_from_legacy_config(config, custom_objects, safe_mode, file)
        if not file.has(file.root, "model_weights"):
            raise SavedModelError(
                f"Invalid legacy model file {file.label}: it has no 'model_weights' "
                "group (the file is truncated or holds only a config)."
            )
        weights = file.group(file.root, "model_weights")
        _plan_by_order(model, file, weights, skip_mismatch=False).apply()
        if compile:
            _compile_from_file(model, file, custom_objects)
    return model


def load_weights_from_hdf5(model, filepath, by_name=False, skip_mismatch=False):
    """Loads the weights of a legacy `.h5` file (weights-only or full model).

    Args:
        model: The model to load into (built).
        filepath: Path to the `.h5` / `.hdf5` file.
        by_name: Match layers by name instead of by order; layers of the
            model absent from the file keep their weights. Defaults to `False`.
        skip_mismatch: Skip (with a warning) layers whose weight count or
            shapes do not match instead of failing. Defaults to `False`.

    Example:

    >>> model.load_weights("weights_from_tf_keras.h5", by_name=True)
    """
    with _LegacyFile(filepath) as file:
        group = file.root
        if not file.has_list_attr(group, "layer_names"):
            if file.has(group, "model_weights"):
                group = file.group(group, "model_weights")
            elif file.has(group, "layers") or file.has(group, "vars"):
                raise WeightsFormatError(
                    f"{file.label} is a Keras 3 weights file, not a legacy one: "
                    "rename it to end in `.weights.h5` and load it again."
                )
        if by_name:
            plan = _plan_by_name(model, file, group, skip_mismatch)
        else:
            plan = _plan_by_order(model, file, group, skip_mismatch)
        plan.apply()


# ------------------------------------------------------------- the file
class _LegacyFile:
    """A legacy HDF5 file opened for checked reading."""

    def __init__(self, filepath):
        self.path = os.fspath(filepath)
        self.label = os.path.basename(self.path)

    def __enter__(self):
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"File not found: filepath={self.path}.")
        try:
            self.root = h5py.File(self.path, "r")
        except _H5_ERRORS as error:
            raise WeightsFormatError(
                f"Cannot read {self.label}: it is not a valid HDF5 file ({error})."
            ) from None
        try:
            self._check_origin()
        except BaseException:
            self.root.close()
            raise
        return self

    def __exit__(self, *exc_info):
        try:
            self.root.close()
        except Exception:
            if exc_info[0] is None:
                raise

    def _check_origin(self):
        version = self.text_attr(self.root, "keras_version")
        backend = self.text_attr(self.root, "backend")
        if version is None and self.has(self.root, "model_weights"):
            weights = self.group(self.root, "model_weights")
            version = self.text_attr(weights, "keras_version")
            backend = backend or self.text_attr(weights, "backend")
        if version is not None and version.split(".")[0] == "1":
            raise WeightsFormatError(
                f"{self.label} was written by Keras {version}; ember reads files of "
                "Keras 2 and later. Load it in Keras 2 and save it again."
            )
        if backend == "theano":
            raise WeightsFormatError(
                f"{self.label} was written with Keras's Theano backend, whose "
                "convolution kernels are stored flipped; ember does not convert "
                "them. Load it in Keras 2 and save it again."
            )

    def fail(self, where, message):
        return WeightsFormatError(
            f"Invalid legacy file {self.label} at '{where}': {message}"
        )

    def text_attr(self, group, name):
        try:
            value = group.attrs.get(name)
        except _H5_ERRORS as error:
            raise self.fail(
                group.name, f"unreadable attribute '{name}' ({error})."
            ) from None
        if value is None:
            return None
        if isinstance(value, np.ndarray) and value.shape == ():
            value = value.item()
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise self.fail(
                    group.name, f"attribute '{name}' is not UTF-8."
                ) from None
        if not isinstance(value, str):
            raise self.fail(
                group.name,
                f"attribute '{name}' should be a string, found {type(value).__name__}.",
            )
        return value

    def json_attr(self, group, name, required=False):
        text = self.text_attr(group, name)
        if text is None:
            if required:
                raise SavedModelError(
                    f"Invalid legacy model file {self.label}: it has no '{name}' "
                    "attribute. A file written by `model.save('m.h5')` has one; a "
                    "weights file loads with `model.load_weights(...)`."
                )
            return None
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise SavedModelError(
                f"Invalid legacy model file {self.label}: attribute '{name}' is "
                f"malformed JSON ({error})."
            ) from None

    def has(self, group, name):
        """Whether `group` holds `name` (a damaged file raises ember's error)."""
        try:
            return name in group
        except _H5_ERRORS as error:
            raise self.fail(name, f"the file is damaged ({error}).") from None

    def has_list_attr(self, group, name):
        try:
            return name in group.attrs or f"{name}0" in group.attrs
        except _H5_ERRORS as error:
            raise self.fail(name, f"the file is damaged ({error}).") from None

    def list_attr(self, group, name):
        """A list of strings stored as `name` (or chunked as `name0`, ...)."""
        try:
            attrs = group.attrs
            if name in attrs:
                chunks = [attrs[name]]
            else:
                chunks, index = [], 0
                while f"{name}{index}" in attrs:
                    chunks.append(attrs[f"{name}{index}"])
                    index += 1
                if not chunks:
                    raise self.fail(group.name, f"the attribute '{name}' is missing.")
        except WeightsFormatError:
            raise
        except _H5_ERRORS as error:
            raise self.fail(
                group.name, f"unreadable attribute '{name}' ({error})."
            ) from None
        items = []
        for chunk in chunks:
            array = np.asarray(chunk)
            if array.ndim != 1 or (array.size and array.dtype.kind not in "OSU"):
                if array.size == 0:
                    continue  # Keras writes an empty list as a float array
                raise self.fail(
                    group.name,
                    f"attribute '{name}' should be a list of names, found "
                    f"{array.dtype} data of shape {array.shape}.",
                )
            for item in array.tolist():
                if isinstance(item, bytes):
                    item = item.decode("utf-8", errors="replace")
                if not isinstance(item, str) or not item:
                    raise self.fail(group.name, f"'{name}' holds {item!r}.")
                items.append(item)
        return items

    def child(self, parent, path, want):
        """The object at the relative `path` under `parent`, checked part by
        part: no links, no absolute or parent paths."""
        parts = path.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise self.fail(parent.name, f"invalid name '{path}'.")
        current = parent
        for index, part in enumerate(parts):
            where = f"{parent.name.rstrip('/')}/{'/'.join(parts[: index + 1])}"
            try:
                if not isinstance(current, h5py.Group) or part not in current:
                    raise self.fail(where, "it is missing.")
                link = current.get(part, getclass=True, getlink=True)
                if link in (h5py.SoftLink, h5py.ExternalLink):
                    raise self.fail(
                        where, f"a {link.__name__} (genuine files have none)."
                    )
                current = current[part]
            except WeightsFormatError:
                raise
            except _H5_ERRORS as error:
                raise self.fail(where, f"the file is damaged ({error}).") from None
        if not isinstance(current, want):
            raise self.fail(
                current.name,
                f"expected a {want.__name__.lower()}, found {type(current).__name__}.",
            )
        return current

    def group(self, parent, path):
        return self.child(parent, path, h5py.Group)

    def values(self, parent, path):
        """The numeric array stored at `path` (after the safety checks)."""
        dataset = self.child(parent, path, h5py.Dataset)
        where = dataset.name
        try:
            if dataset.external or dataset.is_virtual:
                raise self.fail(where, "external or virtual data is not allowed.")
            if dataset.dtype.kind not in "biuf":
                raise self.fail(
                    where, f"dtype {dataset.dtype} is not a numeric weight."
                )
            declared = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
            stored = dataset.id.get_storage_size()
            if declared > H5_BOMB_FLOOR_BYTES and declared > H5_MAX_EXPANSION * stored:
                raise self.fail(
                    where,
                    f"declares {declared} bytes but stores {stored}; refusing a "
                    "potential decompression bomb.",
                )
            return np.asarray(dataset[()])
        except WeightsFormatError:
            raise
        except _H5_ERRORS as error:
            raise self.fail(where, f"the data is damaged ({error}).") from None

    def layer_weights(self, group, name):
        """`[(weight_name, array)]` of the layer group `name`, in file order."""
        layer_group = self.group(group, name)
        names = self.list_attr(layer_group, "weight_names")
        return [(w, self.values(layer_group, w)) for w in names]


# ------------------------------------------------------------ weight plans
def _legacy_weights(layer):
    """A layer's weights in the legacy order: trainable, then the others."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _own_weights(model):
    weights = {id(w) for w in model.weights}
    own = list(getattr(model, "_trainable_variables", [])) + list(
        getattr(model, "_non_trainable_variables", [])
    )
    return [v for v in own if id(v) in weights]


def _layers_of(model):
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(
            "Legacy `.h5` weights load into a model with `layers` (Sequential, "
            f"Functional or a subclassed Model). Received: {type(model).__name__}."
        )
    return list(layers)


class _Plan:
    """The checked assignments of one load, and what does not fit."""

    def __init__(self, file, skip_mismatch):
        self.file, self.skip_mismatch = file, skip_mismatch
        self.pairs, self.owners, self.errors, self.skipped = [], [], [], []

    def match(self, label, owner, variables, weights, count_skippable):
        if len(weights) != len(variables):
            message = (
                f"{label}: the model has {len(variables)} weight(s) "
                f"{[v.path for v in variables]}, the file holds {len(weights)} "
                f"{[w for w, _ in weights]}."
            )
            skip = count_skippable and self.skip_mismatch
            (self.skipped if skip else self.errors).append(message)
            return
        for variable, (weight_name, value) in zip(variables, weights):
            if tuple(value.shape) != tuple(variable.shape):
                message = (
                    f"{label}: weight '{variable.path}' has shape "
                    f"{tuple(variable.shape)}, the file's '{weight_name}' has shape "
                    f"{tuple(value.shape)}."
                )
                (self.skipped if self.skip_mismatch else self.errors).append(message)
                continue
            self.pairs.append((variable, self._tensor(value, variable, weight_name)))
        self.owners.append(owner)

    def _tensor(self, value, variable, weight_name):
        try:
            array = value.astype(value.dtype.newbyteorder("="), copy=False)
            if array.dtype == np.uint64:
                array = array.astype(np.int64)
            if not array.flags.c_contiguous:
                array = array.copy()  # (`ascontiguousarray` makes 0-d arrays 1-d)
            return torch.as_tensor(array).to(variable.dtype)
        except (TypeError, ValueError, RuntimeError) as error:
            self.errors.append(
                f"weight '{weight_name}' cannot become {variable.dtype} ({error})."
            )
            return None

    def apply(self):
        """Assigns every checked value, or raises before assigning any."""
        if self.errors:
            raise WeightsFormatError(
                "\n  ".join(
                    [
                        f"Cannot load the weights from {self.file.label}: "
                        f"{len(self.errors)} problem(s), and nothing was loaded.",
                        *self.errors,
                    ]
                )
            )
        with torch.no_grad():
            for variable, tensor in self.pairs:
                variable.copy_(tensor)
        for owner in self.owners:
            if hasattr(owner, "finalize_state"):
                owner.finalize_state()
        if self.skipped:
            warnings.warn(
                "\n  ".join(
                    [
                        f"Skipped weights of {self.file.label} that do not match "
                        "(skip_mismatch=True):",
                        *self.skipped,
                    ]
                ),
                stacklevel=5,
            )


def _plan_by_order(model, file, group, skip_mismatch):
    layers = [layer for layer in _layers_of(model) if _legacy_weights(layer)]
    stored = []
    for name in file.list_attr(group, "layer_names"):
        weights = file.layer_weights(group, name)
        if weights:
            stored.append((name, weights))
    if len(stored) != len(layers):
        hint = " The model has no weights yet: build it first." if not layers else ""
        raise file.fail(
            group.name,
            f"the file holds weights for {len(stored)} layer(s) "
            f"{[n for n, _ in stored]}, the model has {len(layers)} layer(s) with "
            f"weights {[layer.name for layer in layers]}. Nothing was loaded.{hint}",
        )
    plan = _Plan(file, skip_mismatch)
    for index, ((name, weights), layer) in enumerate(zip(stored, layers)):
        label = f"layer #{index} ('{layer.name}' in the model, '{name}' in the file)"
        plan.match(label, layer, _legacy_weights(layer), weights, False)
    _match_top_level(model, file, group, plan, count_skippable=False)
    return plan


def _plan_by_name(model, file, group, skip_mismatch):
    index = {}
    for layer in _layers_of(model):
        index.setdefault(layer.name, []).append(layer)
    plan = _Plan(file, skip_mismatch)
    for number, name in enumerate(file.list_attr(group, "layer_names")):
        if name not in index:
            continue
        weights = file.layer_weights(group, name)
        for layer in index[name]:
            label = f"layer #{number} ('{name}')"
            plan.match(label, layer, _legacy_weights(layer), weights, True)
    _match_top_level(model, file, group, plan, count_skippable=True)
    return plan


def _match_top_level(model, file, group, plan, count_skippable):
    if not file.has(group, "top_level_model_weights"):
        return
    weights = file.layer_weights(group, "top_level_model_weights")
    own = _own_weights(model)
    if weights or own:
        plan.match("the model's own weights", model, own, weights, count_skippable)


# ------------------------------------------------------------------ configs
def _model_from_legacy_config(config, custom_objects, safe_mode, file):
    from ember.models.model import Model

    with (
        serialization_lib.SafeModeScope(safe_mode),
        serialization_lib.ObjectSharingScope(),
    ):
        try:
            converted = convert_legacy_config(config, custom_objects)
            model = serialization_lib.deserialize_keras_object(
                converted, custom_objects=custom_objects, safe_mode=safe_mode
            )
        except WeightsFormatError:
            raise
        except Exception as error:
            raise _config_error(error, file.label) from error
    if not isinstance(model, Model):
        raise SavedModelError(
            f"The 'model_config' of {file.label} describes a "
            f"{type(model).__name__}, not a model."
        )
    return model


def _config_error(error, label):
    where = f"the 'model_config' of {label}"
    if isinstance(error, TypeError):
        return SavedModelTypeError(f"Cannot load {where}: {error}")
    if isinstance(error, ValueError):
        return SavedModelError(f"Cannot load {where}: {error}")
    if isinstance(error, RecursionError):
        return SavedModelError(f"Invalid {where}: the config nests too deeply.")
    return SavedModelError(
        f"Invalid {where}: the config is malformed ({type(error).__name__}: "
        f"{_short(error)})."
    )


def _short(value, limit=500):
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ------------------------------------------------------------------ compile
def _compile_from_file(model, file, custom_objects):
    """Compiles `model` as the file's `training_config` says; warns and
    leaves it uncompiled when there is none or it cannot be restored."""
    try:
        training_config = file.json_attr(file.root, "training_config")
        if training_config is None:
            warnings.warn(
                f"No training configuration found in {file.label}, so the model "
                "was *not* compiled. Compile it manually.",
                stacklevel=4,
            )
            return
        args = {
            key: serialization_lib.deserialize_keras_object(
                value, custom_objects=custom_objects
            )
            for key, value in compile_args(training_config, custom_objects).items()
        }
        if len(getattr(model, "outputs", None) or ()) == 1:
            # tf.keras 2 wrote the metrics of a one-output model as `[[...]]`.
            for key in ("metrics", "weighted_metrics"):
                value = args[key]
                if isinstance(value, list) and len(value) == 1:
                    if isinstance(value[0], list):
                        args[key] = value[0]
        model.compile(**args)
    except Exception as error:
        warnings.warn(
            f"The training configuration of {file.label} could not be restored "
            f"({type(error).__name__}: {error}), so the model was *not* compiled. "
            "Compile it manually.",
            stacklevel=4,
        )
        return
    if file.has(file.root, "optimizer_weights"):
        _load_optimizer_weights(model, file)


def _load_optimizer_weights(model, file):
    """Restores the optimizer's variables when they fit; otherwise warns and
    leaves it freshly initialized (as Keras does)."""
    try:
        weights = file.layer_weights(file.root, "optimizer_weights")
        optimizer = model.optimizer
        if not getattr(optimizer, "built", False):
            optimizer.build(model.trainable_variables)
        variables = list(optimizer.variables)
        if len(variables) != len(weights):
            raise ValueError(
                f"the file holds {len(weights)} optimizer values, the optimizer "
                f"has {len(variables)} variables"
            )
        plan = _Plan(file, skip_mismatch=False)
        plan.match("the optimizer", optimizer, variables, weights, False)
        plan.owners = []
        plan.apply()
    except (WeightsFormatError, ValueError, TypeError, AttributeError) as error:
        warnings.warn(
            f"The optimizer state in {file.label} could not be restored ({error}); "
            "the model starts with a freshly initialized optimizer.",
            stacklevel=5,
        )
