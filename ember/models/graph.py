"""Ordering the nodes of a functional graph, as Keras orders them.

Depth 0 is the output side. Operations are listed from the deepest (inputs) to
depth 0; ties keep the order in which a depth-first walk from the outputs first
met them. This order is `model.layers`, and so the order of `model.weights`.
"""

from ember.backend.symbolic import Node


def map_graph(inputs, outputs):
    """Returns `(nodes_in_execution_order, operations_in_order)`.

    Raises a ValueError naming the tensor and operation when an output needs
    a value that the inputs do not provide.
    """
    input_ids = {id(x) for x in inputs}
    finished, in_progress = set(), set()
    post_order, first_seen = [], {}

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ValueError(
                f"Tensor {tensor} from operation '{operation.name}' is part of a cycle."
            )
        first_seen.setdefault(id(operation), (len(first_seen), operation))
        in_progress.add(id(node))
        for parent_tensor in node.input_tensors:
            if parent_tensor._keras_history is None:
                raise _disconnected(parent_tensor, operation, [])
            visit(parent_tensor)
        in_progress.discard(id(node))
        finished.add(id(node))
        post_order.append(node)

    for output in outputs:
        if output._keras_history is None:
            raise ValueError(
                f"Output tensor {output} was not produced by a layer or op called on "
                "the model's inputs. Build outputs by calling layers on "
                "`ember.Input(...)` tensors."
            )
        visit(output)

    node_depth, operation_depth = {}, {}
    nodes_by_id = {id(n): n for n in post_order}
    for node in reversed(post_order):
        depth = max(
            node_depth.get(id(node), 0), operation_depth.get(id(node.operation), 0)
        )
        node_depth[id(node)] = depth
        operation_depth[id(node.operation)] = depth
        for parent in node.parent_nodes:
            if id(parent) in nodes_by_id:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    for x in inputs:
        operation, node_index, _ = x._keras_history
        node = operation._inbound_nodes[node_index]
        if node.is_input and id(operation) not in operation_depth:
            operation_depth[id(operation)] = 0
            first_seen[id(operation)] = (-1, operation)
            node_depth[id(node)] = 0
            nodes_by_id[id(node)] = node

    operations = sorted(
        (entry[1] for entry in first_seen.values()),
        key=lambda op: (-operation_depth[id(op)], first_seen[id(op)][0]),
    )
    nodes = sorted(nodes_by_id.values(), key=lambda n: -node_depth[id(n)])

    # Every node's inputs must be computable from the model's inputs.
    computable = set(input_ids)
    done = []
    for node in nodes:
        if node.is_input and not any(id(x) in input_ids for x in node.outputs):
            raise ValueError(
                f"Graph disconnected: the outputs depend on the input "
                f"'{node.operation.name}' (shape {node.outputs[0].shape}), which is "
                "not among the model's `inputs`. Add it to `inputs=`."
            )
        for x in node.input_tensors:
            if id(x) not in computable:
                raise _disconnected(x, node.operation, done)
        done.append(node.operation.name)
        computable.update(id(x) for x in node.outputs)

    names = [op.name for op in operations]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the model. '
                "All layer names in a model must be unique: pass `name=` to tell "
                "them apart."
            )
    return nodes, operations


def _disconnected(tensor, operation, done):
    return ValueError(
        f"Graph disconnected: cannot obtain a value for tensor {tensor} needed by "
        f"'{operation.name}'. It does not come from the model's inputs; pass every "
        "`ember.Input` that the outputs depend on in `inputs=`. Layers reached "
        f"without issue: {done}"
    )


__all__ = ["map_graph", "Node"]
