"""`model.export(path, format="onnx")`: a model's inference pass as an ONNX file.

torch's ONNX exporter (`torch.onnx.export(..., dynamo=True)`, which needs the `onnx`
and `onnxscript` packages) traces the model with `torch.export`; every `None`
dimension of the input signature stays dynamic in the file (the batch axis, and the
time axis of a recurrent model that leaves it free), so the file serves any batch size.
"""

import contextlib
import logging
import re
import warnings

import torch

from ember.backend import tree
from ember.backend.dtypes import to_torch_dtype
from ember.backend.files import atomic_write
from ember.layers.input_spec import InputSpec

# Stand-in sizes for the free dimensions while tracing: not 0 or 1, which the
# exporter would treat as fixed, and different from each other so that a model
# that ties two free dimensions together is caught.
_SAMPLE_SIZES = (2, 3, 5, 7, 11, 13)


def export_onnx(
    model, filepath, verbose=None, input_signature=None, opset_version=None
):
    """Exports `model`'s inference pass (`training=False`) to an ONNX file.

    Args:
        model: A built ember model (or layer).
        filepath: Where to write the `.onnx` file; written to a temporary file in
            the same folder, then renamed over `filepath`.
        verbose: Print where the artifact went. Defaults to `True`.
        input_signature: The inputs' shapes and dtypes: a structure (as the model
            takes its inputs) of `ember.InputSpec`, `KerasTensor` or tensors. `None`
            dims stay dynamic. Defaults to the model's own inputs.
        opset_version: The ONNX opset; defaults to the exporter's.
    """
    signature = (
        input_signature if input_signature is not None else _model_signature(model)
    )
    flat_specs = tree.flatten(signature)
    input_names = [_input_name(spec, i) for i, spec in enumerate(flat_specs)]
    samples, dynamic_shapes = [], []
    for index, spec in enumerate(flat_specs):
        shape, dtype = _shape_and_dtype(spec, model)
        dims, sample = {}, []
        for axis, size in enumerate(shape):
            if size is None:
                name = "batch" if axis == 0 else f"dim_{index}_{axis}"
                dims[axis] = torch.export.Dim(name, min=1)
                size = _SAMPLE_SIZES[(index + axis) % len(_SAMPLE_SIZES)]
            sample.append(size)
        samples.append(_sample_tensor(sample, dtype))
        dynamic_shapes.append(dims or None)

    module = _InferenceModule(model, signature).eval()
    try:
        with torch.no_grad(), _quiet_exporter():
            program = torch.onnx.export(
                module,
                tuple(samples),
                dynamo=True,
                # forward(*flat_inputs): the varargs are one tuple argument.
                dynamic_shapes=(tuple(dynamic_shapes),),
                input_names=input_names,
                opset_version=opset_version,
                verbose=False,
            )
    except Exception as error:
        raise _export_error(model, error, flat_specs, input_names) from error
    _check_dynamic_dims(model, program, dynamic_shapes)
    with atomic_write(filepath) as temporary:
        program.save(temporary)
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")


def _check_dynamic_dims(model, program, dynamic_shapes):
    """Refuses a file in which the exporter fixed a dimension that should vary
    (it specializes a free dimension when the traced code depends on its size)."""
    for value, dims in zip(program.model.graph.inputs, dynamic_shapes):
        for axis in dims or {}:
            size = value.shape[axis] if value.shape is not None else None
            if isinstance(size, int):
                raise ValueError(
                    f"Exporting model '{model.name}' to ONNX: the exporter fixed axis "
                    f"{axis} of input '{value.name}' to {size}, which the input "
                    "signature leaves free (None); the file would accept only that "
                    "size. Pass `input_signature` with that axis fixed, e.g. "
                    "`[ember.InputSpec(shape=(None, 80), dtype='int64')]`."
                )


@contextlib.contextmanager
def _quiet_exporter():
    """torch's exporter warns about its own internals (deprecations, torchvision
    ops it skips); none of it is the user's to act on."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.setLevel(level)


class _InferenceModule(torch.nn.Module):
    """Takes the flat inputs the exporter hands it, calls the model in inference."""

    def __init__(self, model, structure):
        super().__init__()
        self.model = model
        self.structure = structure

    def forward(self, *flat_inputs):
        inputs = tree.pack_sequence_as(self.structure, list(flat_inputs))
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]
        return self.model(inputs, training=False)


def _model_signature(model):
    try:
        return model.input  # Functional, or Sequential once built
    except (AttributeError, ValueError):
        pass
    shapes = getattr(model, "_build_shapes_dict", None)
    if shapes and len(shapes) == 1:
        return _specs_for_shapes(next(iter(shapes.values())), _model_dtype(model))
    raise ValueError(
        f"Model '{model.name}' has no known inputs to export: it was never built or "
        "called. Call it once on data, start it with `ember.Input(shape=...)`, or pass "
        "`input_signature=[ember.InputSpec(shape=(None, ...), dtype=...)]`."
    )


def _is_shape(x):
    return isinstance(x, (tuple, list)) and all(
        d is None or isinstance(d, int) for d in x
    )


def _specs_for_shapes(shapes, dtype):
    """The recorded build shapes, batch axis freed, as InputSpecs."""
    if _is_shape(shapes):
        return InputSpec(shape=(None, *tuple(shapes)[1:]), dtype=dtype)
    if isinstance(shapes, dict):
        return {k: _specs_for_shapes(v, dtype) for k, v in shapes.items()}
    return [_specs_for_shapes(s, dtype) for s in shapes]


def _shape_and_dtype(spec, model):
    shape = getattr(spec, "shape", None)
    if shape is None:
        raise ValueError(
            f"Cannot export model '{model.name}': input_signature entry {spec!r} has no "
            "shape. Give an `ember.InputSpec(shape=..., dtype=...)`, a KerasTensor "
            "or a tensor."
        )
    dtype = getattr(spec, "dtype", None) or _model_dtype(model)
    return tuple(shape), dtype


def _model_dtype(model):
    return getattr(model, "_input_dtype_hint", None) or getattr(
        getattr(model, "dtype_policy", None), "compute_dtype", "float32"
    )


def _sample_tensor(shape, dtype):
    dtype = to_torch_dtype(dtype) if not isinstance(dtype, torch.dtype) else dtype
    if dtype.is_floating_point:
        return torch.randn(shape).to(dtype)
    if dtype == torch.bool:
        return torch.ones(shape, dtype=dtype)
    return torch.ones(shape, dtype=dtype)  # token ids: 1 is inside any vocabulary


def _input_name(spec, index):
    name = getattr(spec, "name", None)
    return name if isinstance(name, str) and name else f"input_{index}"


def _export_error(model, error, flat_specs, input_names):
    # torch's exporter puts the cause under "## Exception summary".
    lines = [
        re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()
    ]
    lines = [line for line in lines if line]
    summary = [line for line in lines if line.startswith("<class")]
    detail = summary[0] if summary else (lines[0] if lines else type(error).__name__)
    dynamic = [
        f"{name} {tuple(getattr(spec, 'shape', spec))}"
        for name, spec in zip(input_names, flat_specs)
    ]
    hint = (
        "If the exporter could not keep a `None` dimension dynamic (a time axis the "
        "model specializes, for one), pass `input_signature` with that dimension "
        "fixed, e.g. `[ember.InputSpec(shape=(None, 80), dtype='int64')]`."
    )
    if isinstance(error, ImportError):
        hint = "ONNX export needs the `onnx` and `onnxscript` packages: pip install onnx onnxscript."
    return ValueError(
        f"Exporting model '{model.name}' to ONNX failed (inputs: "
        f"{', '.join(dynamic)}): {type(error).__name__}: {detail}\n{hint}"
    )
