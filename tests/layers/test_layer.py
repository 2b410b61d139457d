"""The Layer base: building, weights, trainable, losses, masks, config, errors."""

import copy

import numpy as np
import pytest
import torch

from ember.backend.errors import UnknownArgumentError
from ember.layers.core.input_layer import Input
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class Linear(Layer):
    """A Keras-style custom layer, as users write them."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="glorot_uniform",
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,), initializer="zeros", name="bias"
        )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs):
        return inputs @ self.kernel + self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Counter(Layer):
    """Non-trainable state created before a trainable weight."""

    def build(self, input_shape):
        self.count = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="count"
        )
        self.scale = self.add_weight(
            shape=(input_shape[-1],), initializer="ones", name="scale"
        )

    def call(self, inputs):
        return inputs * self.scale


def test_builds_on_first_call_with_keras_names_and_layouts():
    layer = Linear(3)
    assert not layer.built and layer.weights == []
    out = layer(torch.ones(2, 5))
    assert layer.built and out.shape == (2, 3)
    assert [w.path for w in layer.weights] == [
        f"{layer.name}/kernel",
        f"{layer.name}/bias",
    ]
    assert layer.kernel.shape == (5, 3)
    assert [k for k, _ in layer.named_parameters()] == ["kernel", "bias"]
    assert layer.count_params() == 18


def test_names_are_unique_per_session():
    first, second = Linear(), Linear()
    assert second.name.startswith("linear_")
    assert first.name != second.name
    assert Linear(name="custom").name == "custom"


def test_weights_order_trainable_then_non_trainable():
    layer = Counter()
    layer(torch.ones(2, 3))
    assert [w.name for w in layer.weights] == ["scale", "count"]
    assert [w.name for w in layer.trainable_weights] == ["scale"]
    assert [w.name for w in layer.non_trainable_weights] == ["count"]
    assert not layer.count.requires_grad


def test_get_set_weights_round_trip_and_errors():
    layer = Linear(2)
    layer(torch.ones(1, 3))
    values = [np.arange(6, dtype="float32").reshape(3, 2), np.array([1, -1], "float32")]
    layer.set_weights(values)
    for got, want in zip(layer.get_weights(), values):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights(values[:1])
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*\(4, 2\)"):
        layer.set_weights([np.zeros((4, 2)), np.zeros(2)])
    # Nothing was half-set.
    for got, want in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_trainable_freezes_and_unfreezes():
    outer = Outer()
    outer(torch.ones(2, 3))
    outer.trainable = False
    assert outer.trainable_weights == []
    assert len(outer.non_trainable_weights) == 4
    assert not any(p.requires_grad for p in outer.parameters())
    outer.trainable = True
    assert len(outer.trainable_weights) == 4


class Outer(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Linear(4)
        self.second = Linear(2)

    def call(self, inputs, training=None):
        self.seen_training = training
        return self.second(self.first(inputs))


class Probe(Layer):
    def call(self, inputs, training=None):
        self.seen = training
        return inputs


class Wrapper(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = Probe()

    def call(self, inputs, training=None):
        return self.inner(inputs)


@pytest.mark.parametrize("training", [True, False, None], ids=["true", "false", "none"])
def test_training_reaches_nested_layers(training):
    layer = Wrapper()
    layer(torch.ones(1, 2), training=training)
    assert layer.inner.seen is (training if training is not None else None)


def test_torch_train_eval_modes_set_the_default():
    layer = Wrapper()
    layer.train()
    layer(torch.ones(1, 2))
    assert layer.inner.seen is True
    layer.eval()
    layer(torch.ones(1, 2))
    assert layer.inner.seen is False


class WithLoss(Layer):
    def call(self, inputs):
        self.add_loss(inputs.sum())
        return inputs


def test_add_loss_and_regularizers():
    layer = WithLoss()
    layer(torch.ones(2, 2))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == 4.0
    layer(torch.ones(1, 2))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == 2.0

    class Regularized(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer="ones", regularizer="l2")

        def call(self, inputs):
            return inputs * self.w

    reg = Regularized()
    reg(torch.ones(1, 2))
    assert len(reg.losses) == 1
    assert reg.losses[0].item() == pytest.approx(0.01 * 2)


def test_activity_regularizer_adds_loss():
    layer = Linear(2, activity_regularizer="l1")
    layer(torch.ones(4, 3))
    assert len(layer.losses) == 1


class MaskMaker(Layer):
    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, previous_mask):
        return inputs[..., 0] != 0


class MaskReader(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        self.seen_mask = mask
        return inputs


def test_masks_are_carried_between_layers():
    x = torch.tensor([[[1.0], [0.0]], [[2.0], [3.0]]])
    maker, reader = MaskMaker(), MaskReader()
    out = reader(maker(x))
    expected = torch.tensor([[True, False], [True, True]])
    assert torch.equal(reader.seen_mask, expected)
    assert torch.equal(out._keras_mask, expected)


def test_masks_in_functional_graph_are_symbolic():
    inputs = Input(shape=(2, 1))
    masked = MaskMaker()(inputs)
    assert masked._keras_mask is not None and masked._keras_mask.shape == (None, 2)


def test_get_config_from_config_round_trip():
    layer = Linear(7, name="lin", trainable=False)
    config = layer.get_config()
    assert (
        config["units"] == 7
        and config["name"] == "lin"
        and config["trainable"] is False
    )
    clone = Linear.from_config(config)
    assert clone.units == 7 and clone.name == "lin" and clone.trainable is False


def test_auto_config_for_plain_constructor_arguments():
    class Scaled(Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

    config = Scaled(3.0).get_config()
    assert config["factor"] == 3.0
    assert Scaled.from_config(config).factor == 3.0


def test_input_spec_error_names_layer_and_sizes():
    layer = Linear(2, name="proj")
    layer(torch.ones(1, 4))
    with pytest.raises(ValueError, match=r'layer "proj".*value 4.*\(1, 5\)'):
        layer(torch.ones(1, 5))


def test_call_on_tuple_of_ints_says_use_input():
    with pytest.raises(
        TypeError,
        match=r"called on a tuple \(28, 28, 1\).*ember.Input\(shape=\(28, 28, 1\)\)",
    ):
        Linear(2)((28, 28, 1))


def test_unknown_argument_names_layer_and_argument():
    with pytest.raises(
        TypeError,
        match="`Linear` got an unexpected keyword argument `unit`. Did you mean `units`",
    ):
        Linear(unit=3)
    with pytest.raises(UnknownArgumentError):
        Linear(foo=1)


def test_missing_required_argument():
    class Needs(Layer):
        def __init__(self, size, depth, **kwargs):
            super().__init__(**kwargs)

    with pytest.raises(
        TypeError, match="`Needs` is missing the required argument `depth`"
    ):
        Needs(3)


def test_numpy_and_float64_inputs_are_converted():
    layer = Linear(2)
    out = layer(np.ones((3, 4), dtype="float64"))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32


def test_torch_module_inside_layer_is_tracked():
    class Hybrid(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.torch_linear = torch.nn.Linear(3, 2)
            self.head = Linear(1)

        def call(self, inputs):
            return self.head(self.torch_linear(inputs))

    layer = Hybrid()
    layer(torch.ones(2, 3))
    assert len(layer.trainable_weights) == 4
    assert layer.count_params() == 3 * 2 + 2 + 2 + 1


def test_lists_and_dicts_of_layers_are_tracked():
    class Stack(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = []
            for _ in range(3):
                self.blocks.append(Linear(4))
            self.heads = {"a": Linear(1), "b": Linear(2)}

        def call(self, inputs):
            for block in self.blocks:
                inputs = block(inputs)
            return self.heads["a"](inputs), self.heads["b"](inputs)

    layer = Stack()
    layer(torch.ones(2, 4))
    assert len(layer.weights) == 10
    assert len(list(layer.parameters())) == 10
    assert "blocks.0.kernel" in layer.state_dict()
    assert isinstance(layer.blocks, list)


def test_deepcopy_and_state_dict():
    layer = Linear(2)
    layer(torch.ones(1, 3))
    clone = copy.deepcopy(layer)
    assert clone.kernel is not layer.kernel
    assert clone.kernel.path == layer.kernel.path
    clone.load_state_dict(layer.state_dict())
    torch.testing.assert_close(clone(torch.ones(1, 3)), layer(torch.ones(1, 3)))


def test_compute_output_shape_on_meta():
    layer = Linear(5)
    assert layer.compute_output_shape((None, 3)) == (None, 5)


def test_get_weights_and_numpy_are_copies():
    import ember

    # As in Keras: later changes to the variable leave them alone.
    layer = ember.layers.Dense(2)
    layer.build((None, 3))
    weights, kernel = layer.get_weights(), layer.kernel.numpy()
    with torch.no_grad():
        layer.kernel.add_(1.0)
    np.testing.assert_array_equal(weights[0] + 1.0, layer.kernel.numpy())
    np.testing.assert_array_equal(kernel + 1.0, layer.kernel.numpy())
