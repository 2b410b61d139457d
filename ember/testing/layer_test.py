"""`run_layer_test`: the checks every layer must pass, in one call.

Each layer's tests call it once per interesting configuration; it builds the
layer eagerly and symbolically, checks shapes and weight counts, rebuilds the
layer from its config, copies the weights through `state_dict` and through
`get_weights`, runs one backward pass, and moves the layer with `.to()`.
"""

import copy
import json

import numpy as np
import torch

from ember import tree
from ember.backend import dtypes


def run_layer_test(
    layer_cls,
    init_kwargs=None,
    input_shape=None,
    input_dtype="float32",
    input_data=None,
    call_kwargs=None,
    expected_output_shape=None,
    expected_output_dtype=None,
    expected_num_trainable_weights=None,
    expected_num_non_trainable_weights=None,
    expected_num_losses=None,
    supports_masking=None,
    run_symbolic_check=True,
    run_training_check=True,
    seed=0,
):
    """Runs the standard layer checks and returns the eager output.

    Args:
        layer_cls: The layer class under test.
        init_kwargs: Constructor arguments. Defaults to `{}`.
        input_shape: Shape of the input, batch axis included (a tuple, or a
            list of tuples for several inputs). Random data of this shape is
            made unless `input_data` is given.
        input_dtype: Dtype of the generated input(s). Defaults to `"float32"`.
        input_data: Explicit input (array, tensor, or a list of them).
        call_kwargs: Extra arguments of the call (e.g. `{"mask": ...}`).
        expected_output_shape: Shape (or structure of shapes) the eager output
            must have; `None` skips the check.
        expected_output_dtype: Keras dtype name of the output(s).
        expected_num_trainable_weights: How many trainable weights after build.
        expected_num_non_trainable_weights: How many non-trainable weights.
        expected_num_losses: How many losses the layer adds in one call.
        supports_masking: Expected value of `layer.supports_masking`.
        run_symbolic_check: Whether to call the layer on `ember.Input`s and
            compare shapes and values through a functional model.
        run_training_check: Whether to backpropagate through the output and
            require a gradient on every trainable weight.
        seed: Seed of the generated inputs. Defaults to `0`.

    Returns:
        The eager output of the layer (a tensor or a structure of tensors).
    """
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    inputs = _make_inputs(input_shape, input_dtype, input_data, seed)

    # 1. The config is JSON-serialisable and rebuilds an equal config.
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    json.dumps(config)
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, (
        f"{layer_cls.__name__}.from_config(get_config()) changed the config:\n"
        f"{config}\n!=\n{clone.get_config()}"
    )
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking, (
            f"{layer_cls.__name__}.supports_masking is {layer.supports_masking}, "
            f"expected {supports_masking}"
        )

    # 2. Eager call: shapes, dtypes, weight counts, losses.
    output = layer(inputs, **call_kwargs)
    _check_shapes(layer_cls, output, expected_output_shape)
    if expected_output_dtype is not None:
        for out in tree.flatten(output):
            got = dtypes.standardize_dtype(out.dtype)
            assert got == expected_output_dtype, (
                f"{layer_cls.__name__} output dtype {got}, expected "
                f"{expected_output_dtype}"
            )
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            f"{layer_cls.__name__} has {len(layer.trainable_weights)} trainable "
            f"weights, expected {expected_num_trainable_weights}"
        )
    if expected_num_non_trainable_weights is not None:
        got = len(layer.non_trainable_weights)
        assert got == expected_num_non_trainable_weights, (
            f"{layer_cls.__name__} has {got} non-trainable weights, expected "
            f"{expected_num_non_trainable_weights}"
        )
    if expected_num_losses is not None:
        assert len(layer.losses) == expected_num_losses, (
            f"{layer_cls.__name__} added {len(layer.losses)} losses, expected "
            f"{expected_num_losses}"
        )

    # 3. Weights copy across instances, through get_weights and state_dict.
    twin = layer_cls.from_config(config)
    twin(inputs, **call_kwargs)
    twin.set_weights(layer.get_weights())
    _assert_same(
        layer_cls, "set_weights(get_weights())", output, twin(inputs, **call_kwargs)
    )
    other = copy.deepcopy(twin)
    other.load_state_dict(layer.state_dict())
    _assert_same(
        layer_cls, "load_state_dict(state_dict())", output, other(inputs, **call_kwargs)
    )

    # 4. Symbolic call: shapes agree with eager, a functional model agrees.
    if run_symbolic_check and not _has_tensor_kwargs(call_kwargs):
        _symbolic_check(layer_cls, layer, inputs, call_kwargs, output)

    # 5. One backward pass reaches every trainable weight.
    if run_training_check and layer.trainable_weights:
        layer.zero_grad()
        train_out = layer(inputs, training=True, **call_kwargs)
        total = sum(
            out.float().sum()
            for out in tree.flatten(train_out)
            if isinstance(out, torch.Tensor) and out.is_floating_point()
        )
        if total.requires_grad:
            total.backward()
        missing = [w.path for w in layer.trainable_weights if w.grad is None]
        assert not missing, f"{layer_cls.__name__}: no gradient reached {missing}"

    # 6. `.to()` keeps the layer working (and a no-op move changes nothing).
    layer.to("cpu")
    _assert_same(layer_cls, ".to('cpu')", output, layer(inputs, **call_kwargs))
    return output


def _make_inputs(input_shape, input_dtype, input_data, seed):
    if input_data is not None:
        return tree.map_structure(_as_tensor, input_data)
    rng = np.random.default_rng(seed)

    def make(shape):
        if dtypes.standardize_dtype(input_dtype).startswith(("int", "uint")):
            data = rng.integers(0, 5, size=shape)
        elif input_dtype == "bool":
            data = rng.random(size=shape) > 0.5
        else:
            data = rng.standard_normal(size=shape)
        return torch.as_tensor(data).to(dtypes.to_torch_dtype(input_dtype))

    if isinstance(input_shape, list):
        return [make(tuple(s)) for s in input_shape]
    return make(tuple(input_shape))


def _as_tensor(x):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))


def _has_tensor_kwargs(call_kwargs):
    return any(isinstance(v, torch.Tensor) for v in tree.flatten(call_kwargs))


def _check_shapes(layer_cls, output, expected):
    if expected is None:
        return
    got = tree.map_structure(lambda t: tuple(t.shape), output)
    assert _shapes_equal(got, expected), (
        f"{layer_cls.__name__} output shape {got}, expected {expected}"
    )


def _shapes_equal(got, expected):
    if isinstance(expected, dict):
        return set(got) == set(expected) and all(
            _shapes_equal(got[k], expected[k]) for k in expected
        )
    if (
        isinstance(expected, (list, tuple))
        and expected
        and isinstance(expected[0], (list, tuple, dict))
    ):
        return len(got) == len(expected) and all(
            _shapes_equal(g, e) for g, e in zip(got, expected)
        )
    return tuple(got) == tuple(expected)


def _assert_same(layer_cls, what, expected, got):
    for e, g in zip(tree.flatten(expected), tree.flatten(got)):
        if isinstance(e, torch.Tensor):
            torch.testing.assert_close(
                g, e, msg=lambda m: f"{layer_cls.__name__} after {what}: {m}"
            )


def _symbolic_check(layer_cls, layer, inputs, call_kwargs, eager_output):
    # Imported here: ember.models sits above ember.layers.
    from ember.layers.core.input_layer import Input
    from ember.models import Model

    def spec(t):
        return Input(
            shape=tuple(t.shape[1:]),
            batch_size=None,
            dtype=dtypes.standardize_dtype(t.dtype),
        )

    symbolic_inputs = tree.map_structure(spec, inputs)
    symbolic_output = layer(symbolic_inputs, **call_kwargs)
    for sym, real in zip(tree.flatten(symbolic_output), tree.flatten(eager_output)):
        expected = (None,) + tuple(real.shape[1:])
        got = tuple(sym.shape)
        assert got[1:] == expected[1:], (
            f"{layer_cls.__name__}: symbolic output shape {got} disagrees with "
            f"the eager output shape {tuple(real.shape)}"
        )
    model = Model(symbolic_inputs, symbolic_output)
    _assert_same(layer_cls, "a functional model", eager_output, model(inputs))
