"""Real Keras 3 as the oracle for layers: same weights, same inputs, same outputs."""

import numpy as np
import torch
from conftest import keras_or_skip


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_matches_keras(
    layer_cls,
    init_kwargs,
    inputs,
    call_kwargs=None,
    keras_name=None,
    atol=1e-5,
    rtol=1e-5,
    keras_init_kwargs=None,
):
    """Builds the layer in Keras and in ember, copies Keras's weights into ember
    with `set_weights`, calls both on `inputs` and compares every output.

    Args:
        layer_cls: The ember layer class.
        init_kwargs: Constructor arguments for both layers.
        inputs: A NumPy array, or a list of arrays for several inputs.
        call_kwargs: Call arguments for both (`training`, `mask` as NumPy, ...).
        keras_name: Class name in `keras.layers` when it differs.
        keras_init_kwargs: Constructor arguments for Keras when they differ.

    Returns:
        `(ember_layer, keras_layer, ember_output, keras_output)`; outputs as NumPy
        structures.
    """
    keras = keras_or_skip()
    call_kwargs = dict(call_kwargs or {})
    keras_cls = getattr(keras.layers, keras_name or layer_cls.__name__)
    theirs = keras_cls(**(keras_init_kwargs or init_kwargs))
    keras_out = theirs(inputs, **call_kwargs)
    ours = layer_cls(**init_kwargs)
    ours_inputs = (
        [torch.as_tensor(np.asarray(x)) for x in inputs]
        if isinstance(inputs, (list, tuple))
        else torch.as_tensor(np.asarray(inputs))
    )
    ours_kwargs = {
        k: torch.as_tensor(np.asarray(v)) if isinstance(v, np.ndarray) else v
        for k, v in call_kwargs.items()
    }
    ours(ours_inputs, **ours_kwargs)  # builds
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    our_out = ours(ours_inputs, **ours_kwargs)
    flat_ours = _flatten(our_out)
    flat_theirs = _flatten(keras_out)
    assert len(flat_ours) == len(flat_theirs), (
        f"{layer_cls.__name__}: ember returned {len(flat_ours)} outputs, Keras "
        f"{len(flat_theirs)}"
    )
    for a, b in zip(flat_ours, flat_theirs):
        a, b = to_numpy(a), to_numpy(b)
        assert a.shape == b.shape, f"{layer_cls.__name__}: {a.shape} != {b.shape}"
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
    return (
        ours,
        theirs,
        [to_numpy(a) for a in flat_ours],
        [to_numpy(b) for b in flat_theirs],
    )


def _flatten(x):
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flatten(item)]
    if isinstance(x, dict):
        return [y for k in sorted(x) for y in _flatten(x[k])]
    return [x]
