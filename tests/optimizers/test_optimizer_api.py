"""The `Optimizer` API around the update rules: lookup, errors, the learning
rate property, missing gradients, state placement and saving, custom
optimizers, and `apply` without host reads (on the meta device)."""

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember
import ember.optimizers
from ember.backend.errors import ArgumentError, UnknownArgumentError
from ember.backend.variable import make_variable
from ember.optimizers import schedules

NAMES = [
    "adadelta",
    "adafactor",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "ftrl",
    "lion",
    "nadam",
    "rmsprop",
    "sgd",
]


def _variable(shape=(3, 2), name="kernel", device="cpu", dtype=torch.float32):
    value = torch.linspace(-1.0, 1.0, int(np.prod(shape)), dtype=dtype).reshape(shape)
    return make_variable(value.to(device), name=name, path=name, trainable=True)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_get_by_name_gives_keras_defaults(name):
    keras = keras_or_skip()
    optimizer = ember.optimizers.get(name)
    assert type(optimizer).__name__.lower() == name
    assert type(ember.optimizers.get(name.upper())) is type(optimizer)
    expected = keras.optimizers.get(name).get_config()
    config = optimizer.get_config()
    expected.pop("name"), config.pop("name")
    assert config == expected


def test_get_accepts_what_keras_accepts():
    adam = ember.optimizers.Adam()
    assert ember.optimizers.get(None) is None
    assert ember.optimizers.get(adam) is adam
    assert isinstance(ember.optimizers.get(ember.optimizers.SGD), ember.optimizers.SGD)
    from_dict = ember.optimizers.get(
        {"class_name": "RMSprop", "config": {"learning_rate": 0.5, "rho": 0.8}}
    )
    assert isinstance(from_dict, ember.optimizers.RMSprop) and from_dict.rho == 0.8
    assert float(from_dict.learning_rate) == 0.5


def test_get_rejects_bad_identifiers_with_a_hint():
    with pytest.raises(ArgumentError, match="Did you mean 'adam'"):
        ember.optimizers.get("adamm")
    with pytest.raises(ArgumentError, match="argument `optimizer`") as info:
        ember.optimizers.get(42)
    assert "compile(optimizer='adam')" in str(info.value)


def test_serialize_round_trip_with_a_schedule():
    schedule = schedules.PolynomialDecay(0.1, 50, power=2.0)
    optimizer = ember.optimizers.SGD(learning_rate=schedule, momentum=0.5, name="s")
    config = ember.optimizers.serialize(optimizer)
    assert config["module"] == "keras.optimizers" and config["class_name"] == "SGD"
    assert config["config"]["learning_rate"]["class_name"] == "PolynomialDecay"
    rebuilt = ember.optimizers.deserialize(config)
    assert isinstance(rebuilt._learning_rate, schedules.PolynomialDecay)
    assert rebuilt.get_config() == optimizer.get_config()


def test_iterations_is_an_int64_tensor_counting_updates():
    weight = _variable()
    optimizer = ember.optimizers.Adam(gradient_accumulation_steps=2)
    assert optimizer.iterations.dtype == torch.int64
    for _ in range(5):
        optimizer.apply([torch.ones(3, 2)], [weight])
    assert int(optimizer._iterations) == 5
    assert int(optimizer.iterations) == 2  # applied updates: calls // 2
    assert (
        optimizer.apply_gradients([(torch.ones(3, 2), weight)]) is optimizer._iterations
    )


def test_learning_rate_property_and_setter():
    optimizer = ember.optimizers.Adam(learning_rate=0.01)
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    optimizer.learning_rate = 0.5
    assert float(optimizer.learning_rate) == 0.5
    assert [v.name for v in optimizer.variables] == ["iteration", "learning_rate"]
    optimizer.learning_rate = schedules.ExponentialDecay(0.1, 1, 0.5)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    assert float(optimizer.learning_rate) == pytest.approx(0.1)
    with pytest.raises(TypeError, match="cannot be set to a number"):
        optimizer.learning_rate = 0.3


def test_callable_learning_rate_is_called_each_step():
    rates = iter([0.1, 0.2])
    optimizer = ember.optimizers.SGD(learning_rate=lambda: next(rates))
    weight = _variable((2,))
    before = weight.detach().clone()
    optimizer.apply([torch.ones(2)], [weight])
    optimizer.apply([torch.ones(2)], [weight])
    torch.testing.assert_close(weight.detach(), before - 0.3)


def test_missing_gradients_are_skipped_with_a_warning():
    kernel, bias = _variable(), _variable((2,), "bias")
    optimizer = ember.optimizers.SGD(0.1)
    bias_before = bias.detach().clone()
    with pytest.warns(UserWarning, match="No gradients for variables"):
        optimizer.apply([torch.ones(3, 2), None], [kernel, bias])
    torch.testing.assert_close(bias.detach(), bias_before)
    with pytest.raises(ValueError, match="no gradient for any variable"):
        optimizer.apply([None, None], [kernel, bias])


def test_apply_without_variables_needs_a_built_optimizer():
    weight = _variable()
    optimizer = ember.optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="before being built"):
        optimizer.apply([torch.ones(3, 2)])
    optimizer.build([weight])
    optimizer.apply([torch.ones(3, 2)])
    assert int(optimizer.iterations) == 1
    with pytest.raises(ValueError, match="received 2 gradients"):
        optimizer.apply([torch.ones(3, 2), torch.ones(3, 2)])
    with pytest.raises(ValueError, match="unknown variable"):
        optimizer.apply([torch.ones(2)], [_variable((2,), "other")])


def test_scale_loss_and_unscaled_gradients():
    optimizer = ember.optimizers.SGD(1.0, loss_scale_factor=4.0)
    assert float(optimizer.scale_loss(torch.tensor(2.0))) == 8.0
    assert ember.optimizers.SGD().scale_loss(3.0) == 3.0
    weight = _variable((2,))
    before = weight.detach().clone()
    optimizer.apply([torch.full((2,), 4.0)], [weight])
    torch.testing.assert_close(weight.detach(), before - 1.0)


def test_argument_errors():
    with pytest.raises(ValueError, match="only one of"):
        ember.optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(UnknownArgumentError, match="`lr`"):
        ember.optimizers.Adam(lr=0.1)
    with pytest.warns(UserWarning, match="decay"):
        ember.optimizers.Adam(decay=0.1)
    with pytest.raises(ArgumentError, match="weight_decay"):
        ember.optimizers.AdamW(weight_decay=None)
    with pytest.raises(ArgumentError, match="momentum"):
        ember.optimizers.SGD(momentum=2.0)
    with pytest.raises(ArgumentError, match="beta_1"):
        ember.optimizers.Lion(beta_1=0.0)
    with pytest.raises(ArgumentError, match="l1_regularization_strength"):
        ember.optimizers.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ArgumentError, match="learning_rate_power"):
        ember.optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ArgumentError, match="gradient_accumulation_steps"):
        ember.optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ArgumentError, match="ema_momentum"):
        ember.optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ArgumentError, match="learning_rate"):
        ember.optimizers.Adam(learning_rate="fast")


def test_custom_optimizer_with_update_step_as_in_keras():
    class SignSGD(ember.optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, variables):
            if self.built:
                return
            super().build(variables)
            self.counts = self.add_optimizer_variables(variables, "count")

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, learning_rate * torch.sign(gradient))
            self.assign_add(
                self.counts[self._trainable_variables_indices[id(variable)]], 1
            )

    weight = _variable((2,))
    optimizer = SignSGD(weight_decay=0.5)
    optimizer.apply([torch.tensor([3.0, -0.1])], [weight])
    # Decay first (1 - 0.5 * 0.1), then the signed step.
    torch.testing.assert_close(
        weight.detach(), torch.tensor([-1.0, 1.0]) * 0.95 - torch.tensor([0.1, -0.1])
    )
    assert [v.name for v in optimizer.variables][-1] == "kernel_count"

    class NoRule(ember.optimizers.Optimizer):
        pass

    with pytest.raises(TypeError, match="no update rule"):
        NoRule(0.1).apply([torch.ones(2)], [_variable((2,))])


def test_state_saved_and_loaded_continues_identically():
    def run(optimizer, weight, steps, start=0):
        for step in range(start, start + steps):
            optimizer.apply([torch.full((3, 2), 0.1 * (step + 1))], [weight])

    reference_weight = _variable()
    reference = ember.optimizers.Nadam(0.1, gradient_accumulation_steps=2, use_ema=True)
    run(reference, reference_weight, 5)

    weight = _variable()
    first = ember.optimizers.Nadam(0.1, gradient_accumulation_steps=2, use_ema=True)
    run(first, weight, 3)
    store = {}
    first.save_own_variables(store)
    second = ember.optimizers.Nadam(0.1, gradient_accumulation_steps=2, use_ema=True)
    second.build([weight])
    second.load_own_variables(store)
    # The loaded step count (3, odd) makes the next call an update step.
    run(second, weight, 2, start=3)
    torch.testing.assert_close(weight.detach(), reference_weight.detach())
    for mine, theirs in zip(second.variables, reference.variables):
        torch.testing.assert_close(mine.detach(), theirs.detach())


def test_keras_optimizer_state_loads_and_training_continues_the_same():
    keras = keras_or_skip()
    value = np.linspace(-1, 1, 6, dtype="float32").reshape(3, 2)
    grads = [np.full((3, 2), 0.1 * (i + 1), dtype="float32") for i in range(4)]
    keras_var = keras.Variable(value, name="kernel")
    keras_opt = keras.optimizers.Adam(0.1, amsgrad=True)
    for g in grads[:2]:
        keras_opt.apply([torch.tensor(g)], [keras_var])
    store = {}
    keras_opt.save_own_variables(store)
    weight = make_variable(
        torch.tensor(keras_var.numpy()), name="kernel", path="kernel", trainable=True
    )
    optimizer = ember.optimizers.Adam(0.1, amsgrad=True)
    optimizer.build([weight])
    optimizer.load_own_variables(store)
    for g in grads[2:]:
        keras_opt.apply([torch.tensor(g)], [keras_var])
        optimizer.apply([torch.tensor(g)], [weight])
    # Adam runs on torch's fused kernel: the same arithmetic, rounded in another
    # order (it lands closer to a float64 reference than Keras's float32 steps).
    np.testing.assert_allclose(weight.detach().numpy(), keras_var.numpy(), atol=5e-6)
    back = {}
    optimizer.save_own_variables(back)
    assert [np.shape(back[k]) for k in back] == [np.shape(store[k]) for k in store]


def test_load_with_a_different_variable_count_warns():
    optimizer = ember.optimizers.Adam()
    with pytest.warns(UserWarning, match="did not load"):
        optimizer.load_own_variables({"0": np.array(0), "1": np.array(0.1), "2": 0})


def test_variables_of_several_dtypes_are_grouped():
    single, double = _variable(), _variable((2,), "bias", dtype=torch.float64)
    grads = [torch.ones(3, 2), torch.full((2,), 0.5, dtype=torch.float64)]
    optimizer = ember.optimizers.Adam(0.1, weight_decay=0.1, clipnorm=1.0)
    for _ in range(3):
        optimizer.apply(grads, [single, double])
    assert len(optimizer._plan([single, double]).groups) == 2
    assert optimizer.variables[-1].dtype == torch.float64  # bias_velocity
    # The same as one optimizer per variable: groups do not interact.
    for variable, grad in zip((single, double), grads):
        alone = _variable(variable.shape, dtype=variable.dtype)
        separate = ember.optimizers.Adam(0.1, weight_decay=0.1, clipnorm=1.0)
        for _ in range(3):
            separate.apply([grad], [alone])
        torch.testing.assert_close(variable.detach(), alone.detach(), rtol=0, atol=0)


def test_plain_torch_parameters_are_supported():
    layer = torch.nn.Linear(2, 1)
    optimizer = ember.optimizers.SGD(0.1, momentum=0.9)
    layer(torch.ones(4, 2)).sum().backward()
    params = list(layer.parameters())
    optimizer.apply([p.grad for p in params], params)
    names = [v.name for v in optimizer.variables]
    assert names == [
        "iteration",
        "learning_rate",
        "variable_momentum",
        "variable_momentum",
    ]
    # Name patterns see plain parameters as "variable".
    optimizer = ember.optimizers.AdamW(weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.apply([p.grad for p in params], params)
    assert len(optimizer._plan(params).groups[0].decayed) == 2


OPTIONS = {
    "plain": {},
    "everything": {
        "weight_decay": 0.1,
        "global_clipnorm": 1.0,
        "use_ema": True,
        "ema_overwrite_frequency": 2,
        "gradient_accumulation_steps": 2,
        "loss_scale_factor": 2.0,
    },
    "clipnorm_schedule": {
        "clipnorm": 1.0,
        "learning_rate": schedules.CosineDecay(
            0.1, 10, warmup_target=0.2, warmup_steps=2
        ),
    },
    "clipvalue_piecewise": {
        "clipvalue": 1.0,
        "learning_rate": schedules.PiecewiseConstantDecay([1], [0.1, 0.01]),
    },
}


@pytest.mark.parametrize("options", list(OPTIONS), ids=list(OPTIONS))
@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_apply_never_reads_a_value_on_the_host(name, options):
    """On the meta device every read of a value fails, including reads inside
    torch's C++ (which a Python-level patch of `.item()` would miss)."""
    variables = [
        _variable((4, 3), device="meta"),
        _variable((3,), "bias", device="meta"),
    ]
    optimizer = ember.optimizers.get(name).from_config(
        {**ember.optimizers.get(name).get_config(), **OPTIONS[options], "name": None}
    )
    for _ in range(3):
        optimizer.apply([torch.empty_like(v) for v in variables], variables)
    devices = {v.device.type for v in optimizer.variables}
    assert devices == {"meta"}


@pytest.mark.parametrize("amsgrad", [False, True], ids=["adam", "amsgrad"])
def test_adam_fused_kernel_is_keras_arithmetic(amsgrad, monkeypatch):
    """The fused path and the foreach path (Keras's formula written out) agree
    with a float64 evaluation of Keras's update, and the fused path ran."""
    import math

    from ember.optimizers import adam as adam_module

    value = np.linspace(-1, 1, 6, dtype="float32").reshape(3, 2)
    grads = [np.full((3, 2), 0.1 * (i + 1), dtype="float32") for i in range(4)]
    w = torch.tensor(value, dtype=torch.float64)
    m, v, v_hat = (torch.zeros_like(w) for _ in range(3))
    for t, g in enumerate(grads, 1):
        g = torch.tensor(g, dtype=torch.float64)
        alpha = 0.1 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        m += (g - m) * 0.1
        v += (g * g - v) * 0.001
        v_hat = torch.maximum(v_hat, v) if amsgrad else v
        w -= alpha * m / (v_hat.sqrt() + 1e-7)
    fused_calls = []
    real_fused = torch._fused_adam_
    monkeypatch.setattr(
        torch,
        "_fused_adam_",
        lambda *a, **k: fused_calls.append(1) or real_fused(*a, **k),
    )
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(adam_module, "_fusable", lambda group, grads: False)
        weight = ember.Variable(torch.tensor(value))
        optimizer = ember.optimizers.Adam(0.1, amsgrad=amsgrad)
        for g in grads:
            optimizer.apply([torch.tensor(g)], [weight])
        np.testing.assert_allclose(
            weight.detach().double().numpy(), w.numpy(), atol=5e-6
        )
    assert len(fused_calls) == len(grads)
