"""Shared data and checks for the recurrent layer tests."""

import numpy as np
import torch

from ember import tree

# Right-padded rows (as Embedding(mask_zero=True) gives), a full row and a fully
# masked row; the middle-gap mask is not right-padded and forces the loop.
RIGHT_PADDED = np.array(
    [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
    dtype=bool,
)
WITH_GAPS = np.array(
    [[1, 0, 1, 1, 0, 0], [0, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0]],
    dtype=bool,
)


def sequences(batch=4, steps=6, features=3, seed=0):
    return (
        np.random.default_rng(seed)
        .standard_normal((batch, steps, features))
        .astype("float32")
    )


def to_numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def assert_outputs_close(ours, theirs, atol=1e-5):
    flat_ours, flat_theirs = tree.flatten(ours), tree.flatten(theirs)
    assert len(flat_ours) == len(flat_theirs)
    for a, b in zip(flat_ours, flat_theirs):
        a, b = to_numpy(a), to_numpy(b)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-5)


def twin_layers(our_layer, their_layer, input_shape):
    """Builds both layers for `input_shape` and copies Keras's weights into ours."""
    their_layer.build(input_shape)
    our_layer.build(input_shape)
    our_layer.set_weights([to_numpy(w) for w in their_layer.get_weights()])
    return our_layer, their_layer


def assert_fused_matches_loop(layer_cls, units, options, mask=None):
    """The fused kernel and the step loop give the same outputs and the same
    gradients (inputs and every weight) for one configuration."""
    fused = layer_cls(units, **options)
    loop = layer_cls(units, use_cudnn=False, **options)
    x = torch.as_tensor(sequences())
    fused(x)
    loop(x)
    loop.set_weights(fused.get_weights())
    results = []
    for layer in (fused, loop):
        inputs = x.clone().requires_grad_(True)
        out = layer(inputs, mask=None if mask is None else torch.as_tensor(mask))
        cotangents = torch.Generator().manual_seed(0)
        total = sum(
            (o * torch.randn(o.shape, generator=cotangents)).sum()
            for o in tree.flatten(out)
        )
        total.backward()
        grads = [inputs.grad] + [w.grad for w in layer.trainable_weights]
        results.append((out, grads))
    assert fused._last_call_path == "fused" and loop._last_call_path == "loop"
    assert_outputs_close(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def assert_matches_keras_in_training(our_layer, their_layer, x):
    """Seeded dropout draws the same masks as Keras: two training calls match,
    and training differs from inference."""
    ours, theirs = twin_layers(our_layer, their_layer, x.shape)
    for _ in range(2):
        assert_outputs_close(ours(x, training=True), theirs(x, training=True))
    trained, inferred = (
        tree.flatten(ours(x, training=True))[0],
        tree.flatten(ours(x))[0],
    )
    assert not np.allclose(to_numpy(trained), to_numpy(inferred))


def assert_stateful_matches_keras(our_layer, their_layer, x):
    """Two stateful calls carry the states on as Keras does; `reset_states`
    starts over."""
    ours, theirs = twin_layers(our_layer, their_layer, x.shape)
    first = ours(x)
    assert_outputs_close(first, theirs(x))
    second = ours(x)
    assert_outputs_close(second, theirs(x))
    assert not np.allclose(
        to_numpy(tree.flatten(first)[0]), to_numpy(tree.flatten(second)[0])
    )
    ours.reset_states()
    theirs.reset_states()
    assert_outputs_close(ours(x), theirs(x))
