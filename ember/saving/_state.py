"""Where each saveable's variables live in a weights file, as Keras 3 lays it out.

Keras visits a model's state like this (`_walk_saveable`): the root saves its
own variables at `""`; a Sequential or Functional model then lists `layers`
(a container); then every attribute (sorted, private names last, minus the
base `Layer`'s own attributes) holding a layer or an optimizer is visited at
`<path>/<attribute>`, and lists/dicts of them as containers whose items are
named by snake-cased class name plus a counter (`dense`, `dense_1`, ...).
An object reached twice is saved once, at the first path.

Ember's layers are `torch.nn.Module`s, so attributes include the sublayers
held in `_modules`; a private attribute with a public property returning the
same object is saved under the public name, as Keras's order implies. Plain
torch modules inside a model are saved whole (their `state_dict` values, in
order) at their path: an ember extension Keras never writes.
"""

import functools
import os
import shutil
import tempfile
import warnings

import numpy as np
import torch

from ember.backend import naming
from ember.saving._weights_store import WeightsFormatError


# ------------------------------------------------------------------ walking
def _kind(obj):
    from ember.layers.layer import Layer
    from ember.models.functional import Functional
    from ember.models.sequential import Sequential
    from ember.optimizers.optimizer import Optimizer

    if isinstance(obj, Sequential):
        return "Sequential"
    if isinstance(obj, Functional):
        return "Functional"
    if isinstance(obj, Layer):
        return "Layer"
    if isinstance(obj, Optimizer):
        return "Optimizer"
    if isinstance(obj, torch.nn.Module) and not _is_torch_container(obj):
        return "Module"
    return None


def is_saveable(obj) -> bool:
    return _kind(obj) is not None


def _is_torch_container(obj) -> bool:
    return isinstance(obj, (torch.nn.ModuleList, torch.nn.ModuleDict))


def _is_container(obj) -> bool:
    return isinstance(obj, (list, tuple, dict)) or _is_torch_container(obj)


@functools.cache
def _skipset(kind) -> frozenset:
    """The attributes Keras does not visit: the base class's own."""
    from ember.layers.layer import Layer
    from ember.optimizers.optimizer import Optimizer

    if kind == "Optimizer":
        return frozenset(
            set(dir(Optimizer(1.0, name="ember_saving_reference"))) - {"variables"}
        )
    skip = set(dir(Layer(name="ember_saving_reference")))
    # Ember's own bookkeeping: the compile arguments (Keras keeps them in an
    # object it never visits) and the graph of functional models.
    skip |= {"_compile_config", "_auto_config", "_build_shapes_dict"}
    if kind == "Functional":
        skip |= {"operations", "_operations", "_nodes", "_plan", "_inputs"}
        skip |= {"_outputs", "_inputs_struct", "_outputs_struct"}
    elif kind == "Sequential":
        skip |= {"_functional", "_stack"}
    return frozenset(skip)


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def walk(saveable):
    """Yields `(attribute, child)` in the order Keras visits them."""
    kind = _kind(saveable)
    if kind == "Module":
        return
    if kind in ("Sequential", "Functional"):
        yield "layers", saveable.layers
    skip = _skipset(kind)
    for name in sorted(dir(saveable), key=_name_key):
        if name.startswith("__") or name in skip:
            continue
        try:
            child = getattr(saveable, name)
        except Exception:
            continue
        if is_saveable(child) or _is_container(child):
            yield name, child


def _join(path, name):
    return f"{path}/{name}" if path else name


def _container_items(container):
    if isinstance(container, (dict, torch.nn.ModuleDict)):
        return list(container.values())
    return list(container)


def visit(saveable, path, visited, on_saveable, on_missing_container=None):
    """Calls `on_saveable(saveable, path)` for every saveable, parents first."""
    if id(saveable) in visited:
        return
    visited.add(id(saveable))
    on_saveable(saveable, path)
    for name, child in walk(saveable):
        child_path = _join(path, name)
        if is_saveable(child):
            visit(child, child_path, visited, on_saveable, on_missing_container)
        else:
            _visit_container(
                child, child_path, visited, on_saveable, on_missing_container, set()
            )


def _visit_container(
    container, path, visited, on_saveable, on_missing, seen, nested=False
):
    if id(container) in seen:
        return
    seen.add(id(container))
    if nested and on_missing is not None and on_missing(path, container, visited):
        return
    used = {}
    for item in _container_items(container):
        if is_saveable(item):
            name = _unique(naming.to_snake_case(type(item).__name__), used)
            visit(item, _join(path, name), visited, on_saveable, on_missing)
        elif _is_container(item):
            name = _unique("container", used)
            _visit_container(
                item, _join(path, name), visited, on_saveable, on_missing, seen, True
            )


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# ------------------------------------------------------------------- saving
def save_state(model, writer, assets_dir=None):
    """Writes every saveable's variables (and assets) under its path."""

    def save_one(saveable, path):
        name = getattr(saveable, "name", None)
        name = name if isinstance(name, str) else None
        if writer is not None:
            entry = writer.make(path, name)
            if _kind(saveable) == "Module":
                for index, value in enumerate(saveable.state_dict().values()):
                    entry[str(index)] = value
            else:
                saveable.save_own_variables(entry)
        if assets_dir is not None and hasattr(saveable, "save_assets"):
            directory = _assets_path(assets_dir, path)
            os.makedirs(directory, exist_ok=True)
            saveable.save_assets(directory)

    visit(model, "", set(), save_one)


def _assets_path(root, path):
    # Paths come from attribute and class names; keep them inside `root`.
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or os.sep in p for p in parts):
        raise ValueError(f"Invalid asset path '{path}'.")
    return os.path.join(root, *parts)


# ------------------------------------------------------------------ loading
def load_state(model, reader, label, assets_dir=None, skip_mismatch=False):
    """Loads every saveable's variables from `reader`, all or nothing.

    Every value is read and every shape checked before anything is assigned;
    saveables with their own `load_own_variables` run first, and their
    variables are restored if any of them fails. With `skip_mismatch`,
    mismatched saveables are skipped with a warning instead of failing.
    """
    plan = []

    def missing_nested(path, container, visited):
        # Keras before 3.13 wrote no groups for containers nested in
        # containers; their layers keep their initial weights (with a warning).
        if reader.has_path(path):
            return False
        if any(
            is_saveable(item) and id(item) not in visited and _own_variables(item)
            for item in _container_items(container)
        ):
            warnings.warn(
                f"Skipping the nested container at '{path}': {label} has no group "
                "for it (files from Keras before 3.13 did not write one). Its "
                "layers keep their initial weights.",
                stacklevel=4,
            )
        return True

    visit(model, "", set(), lambda s, p: plan.append((s, p)), missing_nested)

    # 1. Read and check everything.
    problems, steps = [], []
    for saveable, path in plan:
        values = reader.get(path)
        problem = _check(saveable, path, values, label)
        if problem is None and not _has_custom_loader(saveable):
            values, problem = _converted(saveable, path, values)
        if problem is not None:
            problems.append(problem)
            continue
        steps.append((saveable, path, values))
    if problems and not skip_mismatch:
        raise WeightsFormatError(_summary(problems, label))
    # 2. Assign: custom loaders first, so a failing one leaves nothing written
    # (the default ones only copy values already converted to their variables'
    # dtypes and shapes, which cannot fail).
    custom = [s for s in steps if _has_custom_loader(s[0])]
    default = [s for s in steps if not _has_custom_loader(s[0])]
    snapshots = [_snapshot(s[0]) for s in custom]
    try:
        for saveable, path, values in custom:
            _load_one(saveable, path, values, label)
    except Exception:
        for snapshot in snapshots:
            _restore(snapshot)
        raise
    for saveable, path, values in default:
        _load_one(saveable, path, values, label)
    if assets_dir is not None:
        for saveable, path in plan:
            if hasattr(saveable, "load_assets"):
                directory = _assets_path(assets_dir, path)
                saveable.load_assets(directory if os.path.isdir(directory) else None)
    if problems:
        warnings.warn(_summary(problems, label, skipped=True), stacklevel=3)


def _own_variables(saveable):
    kind = _kind(saveable)
    if kind == "Module":
        return list(saveable.state_dict().values())
    if kind == "Optimizer":
        return list(saveable.variables)
    return list(saveable._trainable_variables + saveable._non_trainable_variables)


def _has_custom_loader(saveable) -> bool:
    from ember.layers.layer import Layer
    from ember.optimizers.optimizer_variables import OptimizerVariables

    kind = _kind(saveable)
    if kind == "Module":
        return False
    if kind == "Optimizer":
        return type(saveable).load_own_variables is not (
            OptimizerVariables.load_own_variables
        )
    return type(saveable).load_own_variables is not Layer.load_own_variables


def _describe(saveable):
    name = getattr(saveable, "name", None)
    name = f"'{name}' " if isinstance(name, str) else ""
    return f"{name}({type(saveable).__name__})"


def _check(saveable, path, values, label):
    """None if `values` fit `saveable`, else a message naming what differs."""
    base = f"{path}/vars" if path else "vars"
    where = f"'{base}'"
    if _has_custom_loader(saveable):
        return None
    expected = _own_variables(saveable)
    if len(values) != len(expected):
        if _kind(saveable) == "Optimizer":
            return None  # the optimizer says why it skips its state, as Keras
        names = [getattr(v, "path", getattr(v, "name", "?")) for v in expected]
        if not values and expected:
            return (
                f"{_describe(saveable)} at {where}: the file has no variables there, "
                f"but the object has {len(expected)} ({names}). The file was saved "
                "from a different architecture (or the object is not built yet)."
            )
        return (
            f"{_describe(saveable)} at {where}: the file holds {len(values)} "
            f"variables, the object has {len(expected)} ({names})."
        )
    for index, variable in enumerate(expected):
        key = str(index)
        if key not in values:
            return (
                f"{_describe(saveable)} at {where}: the file has no entry '{key}' "
                f"(it has {sorted(values)})."
            )
        got = tuple(values[key].shape)
        want = tuple(variable.shape)
        if got != want:
            vname = getattr(variable, "path", getattr(variable, "name", key))
            return (
                f"{_describe(saveable)} at '{base}/{key}': variable '{vname}' has "
                f"shape {want}, the file holds shape {got}."
            )
    return None


# The numpy dtypes torch converts directly; others go through float64/int64.
_TORCH_NUMPY_KINDS = {
    np.dtype(t) for t in ("bool", "uint8", "int8", "int16", "int32", "int64")
} | {np.dtype(t) for t in ("float16", "float32", "float64")}


def _converted(saveable, path, values):
    """`(values as tensors of the variables' dtypes, None)`, or `(values,
    problem)` when a value cannot become its variable's dtype."""
    expected = _own_variables(saveable)
    if len(values) != len(expected):
        return values, None  # an optimizer that skips its state (it warns)
    converted = {}
    for index, variable in enumerate(expected):
        key = str(index)
        try:
            converted[key] = _as_tensor(values[key], variable.dtype)
        except Exception as error:
            base = f"{path}/vars" if path else "vars"
            return values, (
                f"{_describe(saveable)} at '{base}/{key}': the value (dtype "
                f"{getattr(values[key], 'dtype', '?')}) cannot become the variable's "
                f"dtype {variable.dtype} ({type(error).__name__}: {error})."
            )
    return converted, None


def _as_tensor(value, dtype):
    if not isinstance(value, torch.Tensor):
        array = np.asarray(value)
        if array.dtype not in _TORCH_NUMPY_KINDS:  # big-endian, uint64, ...
            if array.dtype.kind not in "biuf":
                raise TypeError(f"{array.dtype} is not a numeric dtype")
            wide = np.float64 if array.dtype.kind == "f" else np.int64
            array = array.astype(wide)
        if not array.flags.c_contiguous:
            array = array.copy()  # (not `ascontiguousarray`: it makes 0-d 1-d)
        value = torch.as_tensor(array)
    return value.to(dtype=dtype)


def _summary(problems, label, skipped=False):
    head = (
        f"Skipped {len(problems)} object(s) whose weights in {label} do not match "
        "(skip_mismatch=True):"
        if skipped
        else f"Cannot load the weights from {label}: {len(problems)} object(s) do "
        "not match, and nothing was loaded."
    )
    return "\n  ".join([head, *problems])


def _load_one(saveable, path, values, label):
    if _kind(saveable) == "Module":
        with torch.no_grad():
            for index, tensor in enumerate(saveable.state_dict().values()):
                value = values[str(index)]
                if not isinstance(value, torch.Tensor):
                    value = torch.as_tensor(np.asarray(value))
                tensor.copy_(value)
        return
    try:
        saveable.load_own_variables(values)
    except Exception as error:
        where = f"'{path}/vars'" if path else "'vars'"
        message = f"Loading {_describe(saveable)} from {label} at {where} failed: "
        try:
            wrapped = type(error)(message + str(error))
        except Exception:
            raise error from None
        raise wrapped from error


def _snapshot(saveable):
    if _kind(saveable) == "Optimizer":
        variables = list(saveable.variables)
    else:
        variables = list(saveable.weights)
    return [(v, v.detach().clone()) for v in variables]


def _restore(snapshot):
    with torch.no_grad():
        for variable, value in snapshot:
            variable.copy_(value)


# ------------------------------------------------------------------- assets
class TemporaryAssets:
    """A temporary folder for assets, removed on exit."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="ember_assets_")
        return self.path

    def __exit__(self, *exc_info):
        shutil.rmtree(self.path, ignore_errors=True)
