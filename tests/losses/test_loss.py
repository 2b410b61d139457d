"""The `Loss` base class: reductions, sample weights, masks, dtypes, custom
subclasses and `LossFunctionWrapper`, against Keras 3 and by hand."""

import itertools

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember
from ember import losses

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]


@pytest.fixture(scope="module")
def keras():
    return keras_or_skip()


def masked(array, mask):
    """`array` as a tensor carrying `mask` as its Keras mask."""
    tensor = torch.tensor(array)
    tensor._keras_mask = torch.tensor(mask)
    return tensor


def assert_matches(ours, theirs, keras, context=""):
    theirs = keras.ops.convert_to_numpy(theirs)
    assert ours.shape == theirs.shape, context
    np.testing.assert_allclose(
        ours.detach().numpy(), theirs, rtol=1e-6, atol=1e-6, err_msg=context
    )


def test_hand_computed_reductions():
    y_true = torch.zeros(2, 2)
    y_pred = torch.tensor([[1.0, 1.0], [2.0, 0.0]])  # per-sample MSE: 1 and 2
    weight = torch.tensor([1.0, 3.0])

    def mse(reduction, sample_weight=None):
        loss = losses.MeanSquaredError(reduction=reduction)
        return loss(y_true, y_pred, sample_weight=sample_weight)

    assert float(mse("sum_over_batch_size")) == 1.5
    assert float(mse("mean")) == 1.5
    assert float(mse("sum")) == 3.0
    assert mse(None).tolist() == [1.0, 2.0]
    assert mse("none").tolist() == [1.0, 2.0]
    assert float(mse("sum_over_batch_size", weight)) == 3.5  # (1 + 6) / 2
    assert float(mse("sum", weight)) == 7.0
    assert float(mse("mean_with_sample_weight", weight)) == 1.75  # 7 / 4


@pytest.mark.parametrize("rank", [2, 3], ids=["rank2", "rank3"])
@pytest.mark.parametrize(
    "name, kwargs, kind",
    [
        ("MeanSquaredError", {}, "real"),
        ("CategoricalCrossentropy", {"from_logits": True}, "onehot"),
        ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse"),
    ],
    ids=["mse", "cce", "scce_ignore"],
)
def test_mask_on_y_pred_equals_keras(keras, name, kwargs, kind, rank):
    """A mask on y_pred, alone, with the loss's own mask (ignore_class), and
    with sample weights, under every reduction."""
    rng = np.random.default_rng(0)
    shape = (6, 4) if rank == 2 else (3, 4, 4)
    y_pred = rng.normal(size=shape).astype("float32")
    labels = rng.integers(0, shape[-1], shape[:-1])
    y_true = {
        "real": rng.normal(size=shape).astype("float32"),
        "onehot": np.eye(shape[-1], dtype="float32")[labels],
        "sparse": labels.astype("float32"),
    }[kind]
    if kind == "sparse":
        y_pred = np.abs(y_pred) + 0.1
    mask = rng.uniform(size=shape[:-1]) < 0.6
    weights = [None, rng.uniform(0.1, 2, shape[:-1]).astype("float32")]
    for reduction, weight in itertools.product(REDUCTIONS, weights):
        ours = getattr(losses, name)(reduction=reduction, **kwargs)(
            y_true, masked(y_pred, mask), sample_weight=weight
        )
        theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)(
            y_true,
            masked(y_pred, mask),
            sample_weight=None if weight is None else weight.copy(),
        )
        assert_matches(ours, theirs, keras, f"{reduction=}, {weight is None=}")


def test_mask_averages_over_unmasked_entries():
    y_pred = masked(np.array([[1.0], [3.0], [5.0]], "float32"), [True, False, True])
    loss = losses.MeanAbsoluteError()(np.zeros((3, 1), "float32"), y_pred)
    assert float(loss) == 3.0  # (1 + 5) / 2
    all_masked = masked(np.ones((2, 1), "float32"), [False, False])
    assert float(losses.MeanAbsoluteError()(np.zeros((2, 1)), all_masked)) == 0.0


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
def test_per_sample_weights_broadcast_over_a_timestep_mask(keras, reduction):
    # Keras scales (batch, 1) weights by a (batch, timesteps) mask in place,
    # which fails; ember broadcasts them, as if each sample's weight were
    # repeated over its timesteps.
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 3, (2, 5)).astype("float32")
    y_true[0, :2] = 2  # ignored
    y_pred = rng.normal(size=(2, 5, 3)).astype("float32")
    weight = np.array([[0.5], [2.0]], "float32")
    loss = losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=2, reduction=reduction
    )
    reference = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=2, reduction=reduction
    )
    ours = loss(y_true, y_pred, sample_weight=weight)
    theirs = reference(y_true, y_pred, sample_weight=np.repeat(weight, 5, axis=1))
    assert_matches(ours, theirs, keras)


@pytest.mark.parametrize(
    "weight",
    [2.0, [[0.5, 1.0, 1.5, 2.0]], np.ones((3, 4, 1), "float32")],
    ids=["scalar", "per_timestep_broadcast", "trailing_axis_of_1"],
)
def test_weight_layouts_equal_keras(keras, weight):
    rng = np.random.default_rng(2)
    y_true = rng.normal(size=(3, 4, 2)).astype("float32")
    y_pred = rng.normal(size=(3, 4, 2)).astype("float32")
    ours = losses.MeanSquaredError()(y_true, y_pred, sample_weight=weight)
    theirs = keras.losses.MeanSquaredError()(
        y_true, y_pred, sample_weight=np.array(weight, "float32")
    )
    assert_matches(ours, theirs, keras)


def test_weights_that_cannot_broadcast_name_the_shapes():
    y = torch.zeros(3, 4, 2)
    with pytest.raises(ValueError, match=r"of shape \(3,\) cannot be broadcast"):
        losses.MeanSquaredError()(y, y, sample_weight=torch.ones(3))
    try:
        losses.MeanSquaredError()(y, y, sample_weight=torch.ones(3))
    except ValueError as error:
        assert "(3, 1)" in str(error) and "(3, 4)" in str(error)


def test_empty_batch_and_zero_weights(keras):
    empty = np.zeros((0, 3), "float32")
    ours = losses.MeanSquaredError()(empty, empty)
    assert ours.shape == keras.losses.MeanSquaredError()(empty, empty).shape == (0,)
    y = np.ones((2, 3), "float32")
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert float(loss(y, 2 * y, sample_weight=np.zeros(2, "float32"))) == 0.0


def test_invalid_reduction_is_refused():
    with pytest.raises(ValueError, match="reduction="):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="reduction="):
        losses.Loss(reduction="max")


def test_dtype_and_names(keras):
    assert losses.MeanSquaredError().dtype == "float32"
    assert losses.Huber(dtype="float64").dtype == "float64"
    policy = ember.DTypePolicy("mixed_bfloat16")
    assert losses.Huber(dtype=policy).dtype == "bfloat16"
    assert losses.Huber(dtype="float64")(np.ones((2, 2)), np.zeros((2, 2))).dtype == (
        torch.float32  # Keras's mean reductions divide in float32
    )
    assert losses.Huber(dtype="float64", reduction="sum")(
        np.ones((2, 2)), np.zeros((2, 2))
    ).dtype == (torch.float64)
    ember.backend.clear_session()
    assert [losses.Loss().name for _ in range(3)] == ["loss", "loss_1", "loss_2"]
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.Huber(name="h").name == "h"


class ScaledError(losses.Loss):
    def __init__(self, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * torch.mean(torch.abs(y_pred - y_true), dim=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_custom_subclass(keras):
    class KerasScaledError(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * keras.ops.mean(keras.ops.abs(y_pred - y_true), axis=-1)

    rng = np.random.default_rng(3)
    y_true, y_pred = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    weight = rng.uniform(size=(2, 4))
    for reduction in REDUCTIONS:
        ours = ScaledError(reduction=reduction)(y_true, y_pred, sample_weight=weight)
        theirs = KerasScaledError(reduction=reduction)(
            y_true, y_pred, sample_weight=weight.copy()
        )
        assert ours.dtype == torch.float32
        assert_matches(ours, theirs, keras, str(reduction))
    config = ScaledError(scale=3.0, name="s").get_config()
    assert config == {"name": "s", "reduction": "sum_over_batch_size", "scale": 3.0}
    assert ScaledError.from_config(config).get_config() == config


def test_custom_subclass_on_nested_structures():
    class PairLoss(losses.Loss):
        def call(self, y_true, y_pred):
            return torch.mean(
                torch.abs(y_true["a"] - y_pred[0]) + torch.abs(y_true["b"] - y_pred[1]),
                dim=-1,
            )

    y_true = {"a": np.ones((2, 3)), "b": np.zeros((2, 3))}
    y_pred = [torch.zeros(2, 3), torch.ones(2, 3)]
    assert float(PairLoss()(y_true, y_pred)) == 2.0


def test_base_loss_without_call_says_what_to_implement():
    with pytest.raises(TypeError, match=r"implement `call\(y_true, y_pred\)`"):
        losses.Loss()(torch.zeros(2), torch.zeros(2))


def my_absolute_error(y_true, y_pred, power=1.0):
    return torch.mean(torch.abs(y_true - y_pred) ** power, dim=-1)


def test_loss_function_wrapper(keras):
    from keras.src.losses import LossFunctionWrapper as KerasWrapper

    rng = np.random.default_rng(4)
    y_true = rng.normal(size=(5,)).astype("float32")
    y_pred = rng.normal(size=(5, 1)).astype("float32")  # ranks align
    ours = losses.LossFunctionWrapper(losses.huber, delta=0.5, reduction="sum")
    theirs = KerasWrapper(keras.losses.huber, delta=0.5, reduction="sum")
    assert_matches(ours(y_true, y_pred), theirs(y_true, y_pred), keras)
    assert ours.name.startswith("loss_function_wrapper")
    config = ours.get_config()
    assert config == {**theirs.get_config(), "name": ours.name}
    rebuilt = losses.LossFunctionWrapper.from_config(config)
    assert rebuilt.fn is losses.huber and rebuilt.get_config() == config

    custom = losses.LossFunctionWrapper(my_absolute_error, power=2.0)
    assert float(custom(np.zeros((2, 2)), np.full((2, 2), 3.0))) == 9.0
    config = losses.serialize(custom)
    rebuilt = losses.deserialize(
        config, custom_objects={"my_absolute_error": my_absolute_error}
    )
    assert rebuilt.fn is my_absolute_error and rebuilt._fn_kwargs == {"power": 2.0}
    assert "fn=huber" in repr(ours) and "delta=0.5" in repr(ours)


def test_losses_do_not_mutate_inputs():
    weight = np.array([1.0, 2.0], "float32")
    y_pred = masked(np.ones((2, 3), "float32"), [True, False])
    losses.MeanSquaredError()(np.zeros((2, 3)), y_pred, sample_weight=weight)
    assert weight.tolist() == [1.0, 2.0]


def test_symbolic_inputs_record_graph_nodes(keras):
    x, y = ember.Input((3,)), ember.Input((3,))
    per_sample = losses.mean_squared_error(x, y)
    reduced = losses.MeanSquaredError(name="reduced")(x, y)
    kx, ky = keras.Input((3,)), keras.Input((3,))
    assert per_sample.shape == keras.losses.mean_squared_error(kx, ky).shape
    assert reduced.shape == ()  # Keras's reduction fails on an unknown batch size
    model = ember.Model([x, y], [per_sample, reduced])
    values, mean = model([np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")])
    assert values.tolist() == [1.0, 1.0] and float(mean) == 1.0
