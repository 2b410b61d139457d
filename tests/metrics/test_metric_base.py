"""The `Metric` base class, `Mean`, `Sum` and `MeanMetricWrapper`."""

import numpy as np
import pytest
import torch
from conftest import keras_or_skip
from metrics_testing import assert_results_close

import ember
from ember import metrics


class CountAbove(metrics.Metric):
    """A Keras-style custom metric: the weighted count of predictions > 0."""

    def __init__(self, name="count_above", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        self.inner = metrics.Mean(name="inner_mean")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = torch.as_tensor(y_pred)
        self.count.assign(self.count + torch.sum((y_pred > 0).float()))
        self.inner.update_state(y_pred)

    def result(self):
        return self.count + self.inner.result()


def test_custom_metric_keras_style():
    metric = CountAbove()
    assert metric.name == "count_above"
    assert [v.path for v in metric.variables] == [
        "count_above/count",
        "inner_mean/total",
        "inner_mean/count",
    ]
    assert all(not v.trainable for v in metric.variables)
    value = metric(None, torch.tensor([1.0, -1.0, 3.0]))
    assert float(value) == pytest.approx(2.0 + 1.0)
    metric.reset_state()
    assert all(float(torch.sum(v)) == 0 for v in metric.variables)


def test_updates_build_no_autograd_graph():
    metric = metrics.MeanSquaredError()
    y_pred = torch.rand(4, 3, requires_grad=True)
    metric.update_state(torch.rand(4, 3), y_pred)
    assert not metric.result().requires_grad
    assert all(v.grad_fn is None and not v.requires_grad for v in metric.variables)


def test_metric_is_not_a_module_and_not_a_layer():
    metric = metrics.AUC()
    assert not isinstance(metric, torch.nn.Module)
    assert not isinstance(metric, ember.layers.Layer)

    model = ember.Sequential([ember.Input((3,)), ember.layers.Dense(2)])
    model.tracker = metrics.Mean()  # attributes holding metrics add no weights
    assert len(list(model.parameters())) == 2
    assert all(isinstance(layer, ember.layers.Layer) for layer in model.layers)


def test_default_names_are_unique_and_snake_case():
    ember.backend.clear_session()
    assert metrics.AUC().name == "auc"
    assert metrics.AUC().name == "auc_1"
    assert metrics.Precision(name="p").name == "p"
    assert metrics.Mean().name == metrics.Mean().name == "mean"
    assert repr(metrics.Recall(name="r")) == "<Recall name=r>"


@pytest.mark.parametrize(
    "dtype, expected",
    [
        (None, "float32"),
        ("float64", "float64"),
        ("mixed_bfloat16", "bfloat16"),
        (ember.DTypePolicy("mixed_float16"), "float16"),
    ],
    ids=["default", "float64", "mixed-name", "policy"],
)
def test_dtype(dtype, expected):
    assert metrics.Mean(dtype=dtype).dtype == expected


def test_iou_defaults_to_int32():
    metric = metrics.MeanIoU(num_classes=3)
    assert metric.dtype == "int32"
    assert metric.total_cm.dtype == torch.int32


def test_result_is_a_copy_not_the_state():
    metric = metrics.TruePositives()
    metric.update_state([1, 1], [0.9, 0.8])
    first = metric.result()
    metric.update_state([1], [0.9])
    assert float(first) == 2.0 and float(metric.result()) == 3.0
    total = metrics.Sum()
    total.update_state([1.0])
    value = total.result()
    total.update_state([1.0])
    assert float(value) == 1.0
    assert not isinstance(value, torch.nn.Parameter)


def test_forgetting_super_init_is_explained():
    class Broken(metrics.Metric):
        def __init__(self):
            self.total = self.add_variable((), "zeros")

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_base_class_methods_say_what_to_implement():
    with pytest.raises(TypeError, match="update_state"):
        metrics.Metric().update_state(1)
    with pytest.raises(TypeError, match="result"):
        metrics.Metric().result()


def test_stateless_api():
    metric = metrics.Mean()
    metric.update_state([1.0, 3.0])
    state = [v.detach().clone() for v in metric.variables]
    new_state = metric.stateless_update_state(state, [5.0])
    assert [float(v) for v in new_state] == [9.0, 3.0]
    assert [float(v) for v in metric.variables] == [4.0, 2.0]
    assert float(metric.stateless_result(new_state)) == 3.0
    assert [float(v) for v in metric.stateless_reset_state()] == [0.0, 0.0]
    assert float(metric.result()) == 2.0
    with pytest.raises(ValueError, match="one tensor per variable"):
        metric.stateless_result(state[:1])


def test_moving_state_keeps_the_variables():
    metric = metrics.Precision(thresholds=[0.3, 0.6])
    variables = metric.variables
    metric._move_to(torch.device("meta"))
    assert [v.device.type for v in metric.variables] == ["meta", "meta"]
    assert metric._constants["thresholds"].device.type == "meta"
    assert all(a is b for a, b in zip(metric.variables, variables))
    assert [v.path for v in metric.variables] == [
        f"{metric.name}/true_positives",
        f"{metric.name}/false_positives",
    ]


def test_state_follows_the_inputs_device(monkeypatch):
    metric = metrics.Precision(thresholds=[0.3, 0.6])
    metric.sub = metrics.Mean()
    # Pretend the state lives elsewhere: the first CPU update brings it here.
    metric._device = torch.device("cuda", 0)
    moves = []
    move = metrics.Metric._move_to
    monkeypatch.setattr(
        metrics.Metric, "_move_to", lambda self, d: (moves.append(d), move(self, d))
    )
    for _ in range(2):
        metric.update_state(torch.tensor([1, 0]), torch.tensor([0.9, 0.8]))
    assert moves == [torch.device("cpu"), torch.device("cpu")]  # self, then sub
    assert metric._device == metric.sub._device == torch.device("cpu")
    assert metric.result().tolist() == [0.5, 0.5]


@pytest.mark.gpu
def test_cuda_inputs_without_synchronization():
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    metric = metrics.AUC(multi_label=True)
    y_true = (torch.rand(16, 3, device="cuda") > 0.5).float()
    y_pred = torch.rand(16, 3, device="cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        metric.update_state(y_true, y_pred)
        value = metric.result()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert value.device.type == "cuda"
    assert all(v.device.type == "cuda" for v in metric.variables)


# --- Mean, Sum and MeanMetricWrapper against Keras ------------------------

REDUCTION_INPUTS = [
    pytest.param((6,), None, id="vector"),
    pytest.param((6,), (6,), id="vector-weights"),
    pytest.param((6, 4), (6,), id="matrix-sample-weights"),
    pytest.param((6, 4), (6, 4), id="matrix-element-weights"),
    pytest.param((6, 4, 2), (6, 4), id="rank3-rank2-weights"),
    pytest.param((6, 1), (6,), id="column-vector-weights"),
    pytest.param((), None, id="scalar"),
    pytest.param((6, 4), (), id="scalar-weight"),
]


@pytest.mark.parametrize("class_name", ["Mean", "Sum"])
@pytest.mark.parametrize("values_shape, weights_shape", REDUCTION_INPUTS)
def test_reductions_match_keras(class_name, values_shape, weights_shape):
    keras = keras_or_skip()
    rng = np.random.default_rng(3)
    ours, theirs = getattr(metrics, class_name)(), getattr(keras.metrics, class_name)()
    for _ in range(3):
        values = rng.standard_normal(values_shape).astype("float32")
        weights = None
        if weights_shape is not None:
            weights = rng.uniform(0, 2, weights_shape).astype("float32")
        ours.update_state(
            torch.from_numpy(np.array(values)),
            sample_weight=(
                None if weights is None else torch.from_numpy(np.array(weights))
            ),
        )
        theirs.update_state(
            values, sample_weight=None if weights is None else weights.copy()
        )
        assert_results_close(ours.result(), theirs.result())
    ours.reset_state()
    theirs.reset_state()
    assert_results_close(ours.result(), theirs.result())


def test_mean_with_masked_values_matches_keras():
    keras = keras_or_skip()
    values = torch.arange(12.0).reshape(4, 3)
    mask = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=torch.bool)
    weights = torch.rand(4, 3)
    results = []
    for module in (metrics, keras.metrics):
        masked = values.clone()
        masked._keras_mask = mask
        metric = module.Mean()
        metric.update_state(masked, sample_weight=weights.clone())
        results.append(metric.result())
    assert_results_close(*results)


def test_mean_metric_wrapper_matches_keras():
    keras = keras_or_skip()
    rng = np.random.default_rng(4)
    ours = metrics.MeanMetricWrapper(metrics.huber, delta=0.5)
    theirs = keras.metrics.MeanMetricWrapper(keras.metrics.huber, delta=0.5)
    for _ in range(2):
        y_true, y_pred = rng.standard_normal((2, 4, 5, 3)).astype("float32")
        mask = rng.random((4, 5)) > 0.4
        for metric, (t, p) in ((ours, (y_true, y_pred)), (theirs, (y_true, y_pred))):
            p = torch.from_numpy(p.copy())
            p._keras_mask = torch.from_numpy(mask)
            metric.update_state(torch.from_numpy(t.copy()), p)
        assert_results_close(ours.result(), theirs.result())


def test_mean_metric_wrapper_takes_any_callable():
    metric = metrics.MeanMetricWrapper(lambda t, p: (t - p) ** 2, name="sq")
    metric.update_state(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    assert float(metric.result()) == 2.0
    assert metric.name == "sq"


def test_mean_scalar_with_batch_size_weight_equals_general_path():
    import torch

    import ember

    fast, general = ember.metrics.Mean(), ember.metrics.Mean()
    for value, weight in [(0.5, 32), (2.0, 16), (1.25, 7)]:
        fast.update_state(torch.tensor(value), sample_weight=weight)
        general.update_state(
            torch.tensor([value]), sample_weight=torch.tensor([weight])
        )
    torch.testing.assert_close(fast.result(), general.result())
    assert float(fast.count) == 55.0
