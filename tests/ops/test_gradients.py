"""Gradients flow through the ops: `torch.autograd.gradcheck` in float64."""

import pytest
import torch

from ember import activations, ops


def _input(*shape, low=-2.0, high=2.0):
    x = torch.empty(shape, dtype=torch.float64).uniform_(low, high)
    return x.requires_grad_(True)


CASES = [
    ("add", lambda x: ops.add(x, 1.5), {}),
    ("multiply", lambda x: ops.multiply(x, x * 2), {}),
    ("divide", lambda x: ops.divide(1.0, x), {"low": 0.5}),
    ("power", lambda x: ops.power(x, 3), {}),
    ("sqrt", ops.sqrt, {"low": 0.5}),
    ("log", ops.log, {"low": 0.5}),
    ("exp", ops.exp, {}),
    ("tanh", ops.tanh, {}),
    ("arctan2", lambda x: ops.arctan2(x, x.flip(0) + 3.0), {}),
    ("maximum", lambda x: ops.maximum(x, 0.1), {}),
    ("clip", lambda x: ops.clip(x, -1.0, 1.0), {}),
    ("where", lambda x: ops.where(x > 0, x * 2, -x), {}),
    ("matmul", lambda x: ops.matmul(x, x.T), {}),
    ("einsum", lambda x: ops.einsum("ij,kj->ik", x, x), {}),
    ("sum", lambda x: ops.sum(x, axis=1), {}),
    ("mean", lambda x: ops.mean(x, axis=0, keepdims=True), {}),
    ("var", lambda x: ops.var(x, axis=1), {}),
    ("max", lambda x: ops.max(x, axis=1), {}),
    ("cumsum", lambda x: ops.cumsum(x, axis=0), {}),
    ("reshape", lambda x: ops.reshape(x, (-1,)), {}),
    ("transpose", ops.transpose, {}),
    ("concatenate", lambda x: ops.concatenate([x, x * 2], axis=1), {}),
    ("get_item", lambda x: ops.get_item(x, (slice(None, None, -1), 0)), {}),
    ("take", lambda x: ops.take(x, torch.tensor([2, 0]), axis=1), {}),
    ("pad-reflect", lambda x: ops.pad(x, ((1, 1), (2, 0)), mode="reflect"), {}),
    ("softmax", ops.softmax, {}),
    ("log_softmax", lambda x: ops.log_softmax(x, axis=(0, 1)), {}),
    ("sparsemax", ops.sparsemax, {}),
    ("gelu", ops.gelu, {}),
    ("logsumexp", lambda x: ops.logsumexp(x, axis=1), {}),
    ("norm", lambda x: ops.norm(x, axis=1), {"low": 0.5}),
    ("normalize", ops.normalize, {"low": 0.5}),
    ("layer_normalization", lambda x: ops.layer_normalization(x, epsilon=1e-3), {}),
    ("moments", lambda x: ops.moments(x, axes=(0,)), {}),
    (
        "categorical_crossentropy",
        lambda x: ops.categorical_crossentropy(
            torch.eye(3, 4, dtype=x.dtype), x, from_logits=True
        ),
        {},
    ),
    (
        "binary_crossentropy",
        lambda x: ops.binary_crossentropy(torch.ones_like(x), ops.sigmoid(x)),
        {},
    ),
    ("segment_sum", lambda x: ops.segment_sum(x, torch.tensor([0, 1, 0]), 2), {}),
    ("inv", lambda x: ops.inv(x[:, :3] + 4 * torch.eye(3, dtype=x.dtype)), {}),
    (
        "relu-activation",
        lambda x: activations.relu(x, negative_slope=0.1, max_value=1.5, threshold=0.2),
        {},
    ),
    ("mish", activations.mish, {}),
]


@pytest.mark.parametrize("fn,bounds", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gradcheck(fn, bounds):
    x = _input(3, 4, **bounds)
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5)


def test_dot_product_attention_gradients():
    q, k, v = (_input(1, 3, 2, 4) for _ in range(3))
    assert torch.autograd.gradcheck(
        lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True),
        (q, k, v),
        eps=1e-6,
        atol=1e-5,
    )
