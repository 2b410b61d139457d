"""`model.summary()`: Keras's table of layers, output shapes and parameter counts."""

import textwrap

import numpy as np

from ember.backend import dtypes

# Column widths (including one space of padding each side), as Keras prints them.
_WIDTHS = {3: (33, 24, 15), 4: (21, 19, 12, 19)}
_RIGHT_ALIGNED = {2}


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
    layer_range=None,
):
    """Prints `model`'s summary table line by line through `print_fn`."""
    print_fn = print_fn or print
    headers = ["Layer (type)", "Output Shape", "Param #"]
    connected = _shows_connections(model)
    if connected:
        headers.append("Connected to")
    if show_trainable:
        headers.append("Trainable")
    widths = list(_WIDTHS.get(len(headers), _WIDTHS[4] + (11,)))
    widths = _apply_layout(widths, line_length, positions)

    rows = []
    layers = _select(model.layers, layer_range)
    for layer in layers:
        rows.extend(
            _rows_for(layer, model, connected, show_trainable, expand_nested, 0)
        )

    lines = [f'Model: "{model.name}"']
    lines.append(_border("┏", "┳", "┓", "━", widths))
    lines.extend(_cells(headers, widths, "┃"))
    lines.append(_border("┡", "╇", "┩", "━", widths))
    for i, row in enumerate(rows):
        if i:
            lines.append(_border("├", "┼", "┤", "─", widths))
        lines.extend(_cells(row, widths, "│"))
    lines.append(_border("└", "┴", "┘", "─", widths))

    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    total_bytes = _bytes(model.weights)
    trainable_bytes = _bytes(model.trainable_weights)
    lines.append(
        f" Total params: {trainable[0] + non_trainable[0]:,} ({_size(total_bytes)})"
    )
    lines.append(f" Trainable params: {trainable[0]:,} ({_size(trainable_bytes)})")
    lines.append(
        f" Non-trainable params: {non_trainable[0]:,} "
        f"({_size(total_bytes - trainable_bytes)})"
    )
    for line in lines:
        print_fn(line)


def _shows_connections(model) -> bool:
    from ember.models.functional import Functional

    if type(model).__name__ == "Sequential" or not isinstance(model, Functional):
        return False
    # A chain (each layer fed only by the one before) reads fine without it.
    previous = None
    for node in model._nodes:
        if node.is_input:
            if previous is not None:
                return True
            previous = node
            continue
        if len(node.input_tensors) != 1 or node.parent_nodes[0] is not previous:
            return True
        previous = node
    return False


def _rows_for(layer, model, connected, show_trainable, expand_nested, depth):
    from ember.layers.layer import Layer

    name = getattr(layer, "name", type(layer).__name__)
    prefix = "   " * depth
    row = [
        f"{prefix}{name} ({type(layer).__name__})",
        _output_shape(layer),
        _params(layer),
    ]
    if connected:
        row.append(_connections(layer, model))
    if show_trainable:
        row.append("Y" if getattr(layer, "trainable", True) else "N")
    rows = [row]
    if expand_nested and isinstance(layer, Layer) and hasattr(layer, "layers"):
        for sub in layer.layers:
            rows.extend(_rows_for(sub, layer, False, show_trainable, True, depth + 1))
    return rows


def _output_shape(layer) -> str:
    nodes = getattr(layer, "_inbound_nodes", None)
    if not nodes:
        return "?"
    outputs = nodes[0].outputs
    shapes = [tuple(x.shape) for x in outputs if hasattr(x, "shape")]
    if not shapes:
        return "?"
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _params(layer) -> str:
    from ember.layers.layer import Layer

    if isinstance(layer, Layer):
        if not layer.built and not layer.weights:
            return "0 (unbuilt)"
        return f"{layer.count_params():,}"
    return f"{sum(int(np.prod(p.shape)) for p in layer.parameters()):,}"


def _connections(layer, model) -> str:
    node_ids = {id(n) for n in model._nodes}
    parts = []
    for node in getattr(layer, "_inbound_nodes", []):
        if id(node) not in node_ids:
            continue
        for x in node.input_tensors:
            operation, node_index, tensor_index = x._keras_history
            parts.append(f"{operation.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) if parts else "-"


def _select(layers, layer_range):
    if layer_range is None:
        return layers
    if len(layer_range) != 2:
        raise ValueError(
            "Invalid value for argument `layer_range`: expected a list of two layer "
            f"names [first, last]. Received: layer_range={layer_range!r}."
        )
    names = [getattr(layer, "name", "") for layer in layers]
    starts = [i for i, n in enumerate(names) if layer_range[0] in n]
    ends = [i for i, n in enumerate(names) if layer_range[1] in n]
    if not starts or not ends:
        raise ValueError(
            f"`layer_range` {layer_range} names no layer of the model. Layer names: "
            f"{names}."
        )
    return layers[starts[0] : ends[-1] + 1]


def _apply_layout(widths, line_length, positions):
    if line_length is None and positions is None:
        return widths
    total = line_length or sum(widths) + len(widths) + 1
    inner = total - len(widths) - 1
    if positions is None:
        scale = inner / sum(widths)
        return [max(4, int(w * scale)) for w in widths]
    ends = [p * inner if p <= 1 else p for p in positions][: len(widths)]
    result, start = [], 0
    for end in ends:
        result.append(max(4, int(end - start)))
        start = end
    return result + widths[len(result) :]


def _border(left, middle, right, fill, widths):
    return left + middle.join(fill * w for w in widths) + right


def _cells(values, widths, bar):
    wrapped = [
        textwrap.wrap(str(v), width=w - 2, break_long_words=True) or [""]
        for v, w in zip(values, widths)
    ]
    lines = []
    for i in range(max(len(w) for w in wrapped)):
        cells = []
        for column, (parts, width) in enumerate(zip(wrapped, widths)):
            text = parts[i] if i < len(parts) else ""
            text = (
                text.rjust(width - 2)
                if column in _RIGHT_ALIGNED
                else text.ljust(width - 2)
            )
            cells.append(f" {text} ")
        lines.append(bar + bar.join(cells) + bar)
    return lines


def _count(weights):
    return (sum(int(np.prod(w.shape)) for w in weights),)


def _bytes(weights) -> int:
    total = 0
    for w in weights:
        itemsize = dtypes.to_torch_dtype(w.dtype).itemsize
        total += int(np.prod(w.shape)) * itemsize
    return total


def _size(num_bytes) -> str:
    value = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} GB"
