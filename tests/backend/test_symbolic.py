"""KerasTensors, nodes, and shape inference on torch's meta device."""

import pytest
import torch

from ember.backend import KerasTensor, compute_output_spec, symbolic_op


def test_torch_functions_on_keras_tensors_record_nodes():
    x = KerasTensor((None, 4))
    y = torch.relu(x)
    assert isinstance(y, KerasTensor) and y.shape == (None, 4)
    operation, node_index, tensor_index = y._keras_history
    assert node_index == 0 and tensor_index == 0
    assert operation._inbound_nodes[0].input_tensors == [x]


def test_unknown_dimensions_stay_unknown():
    x = KerasTensor((None, 3, None))
    out = compute_output_spec(lambda t: t.reshape(t.shape[0], -1), (x,), {})
    assert out.shape == (None, None)


def test_known_dimensions_are_inferred():
    x = KerasTensor((None, 6))
    op = symbolic_op(lambda t: t.reshape(-1, 2, 3))
    assert op(x).shape == (None, 2, 3)


def test_meta_fallback_to_cpu_for_value_reading_code():
    def reads_values(t):
        return t[: int(t.sum().item() * 0) + 2]

    out = compute_output_spec(reads_values, (KerasTensor((5, 3)),), {})
    assert out.shape == (2, 3)


def test_keras_tensor_has_no_values():
    x = KerasTensor((None, 2))
    with pytest.raises(TypeError, match="symbolic"):
        x.numpy()
    with pytest.raises(TypeError, match="symbolic"):
        bool(x)
