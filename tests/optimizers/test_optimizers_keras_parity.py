"""Every optimizer and base option against Keras 3 (the oracle): the same
variables and gradients give the same variables after every step, the same
state variables (names, order, shapes, values), the same step count, and the
same config; `apply` never reads a tensor on the host."""

import contextlib
import re

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember
import ember.optimizers
from ember.backend.variable import make_variable

SHAPES = {"kernel": (4, 3), "bias": (3,), "filters": (2, 3, 5)}
STEPS = 5
# Most cases use a large learning rate so that arithmetic differences would
# show; `defaults` cases check the default arguments.
LR = {"learning_rate": 0.1}


def _schedule(module):
    return module.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)


def _cosine_warmup(module):
    return module.optimizers.schedules.CosineDecay(
        0.01, 6, alpha=0.1, warmup_target=0.1, warmup_steps=2
    )


# Adam and AdamW run torch's fused kernel: Keras's arithmetic with
# `eps / sqrt(1 - beta_2**t)` as its epsilon, rounded in another order.
FUSED_ADAM_ATOL = 5e-6

CASES = {
    "sgd_defaults": ("SGD", {}),
    "sgd": ("SGD", LR),
    "sgd_momentum": ("SGD", {**LR, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {**LR, "momentum": 0.9, "nesterov": True}),
    "adam_defaults": ("Adam", {}),
    "adam": ("Adam", {**LR, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-3}),
    "adam_amsgrad": ("Adam", {**LR, "amsgrad": True}),
    "adamw_defaults": ("AdamW", {}),
    "adamw": ("AdamW", {**LR, "weight_decay": 0.2}),
    "rmsprop_defaults": ("RMSprop", {}),
    "rmsprop_momentum": ("RMSprop", {**LR, "momentum": 0.5}),
    "rmsprop_centered": ("RMSprop", {**LR, "centered": True, "momentum": 0.3}),
    "adagrad_defaults": ("Adagrad", {}),
    "adagrad": ("Adagrad", {**LR, "initial_accumulator_value": 0.5}),
    "adadelta_defaults": ("Adadelta", {}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}),
    "adamax_defaults": ("Adamax", {}),
    "adamax": ("Adamax", {**LR, "beta_2": 0.9}),
    "nadam_defaults": ("Nadam", {}),
    "nadam": ("Nadam", {**LR, "beta_1": 0.8}),
    "ftrl_defaults": ("Ftrl", {}),
    "ftrl": (
        "Ftrl",
        {
            **LR,
            "learning_rate_power": -0.7,
            "l1_regularization_strength": 0.01,
            "l2_regularization_strength": 0.02,
            "l2_shrinkage_regularization_strength": 0.03,
            "beta": 0.1,
        },
    ),
    "lion_defaults": ("Lion", {}),
    "lion": ("Lion", {**LR, "beta_1": 0.5, "beta_2": 0.9}),
    "adafactor_defaults": ("Adafactor", {}),
    "adafactor": ("Adafactor", {**LR, "clip_threshold": 0.5, "epsilon_2": 0.1}),
    # The base options, on optimizers whose rules use them differently.
    "adam_weight_decay": ("Adam", {**LR, "weight_decay": 0.3}),
    "sgd_weight_decay": ("SGD", {**LR, "weight_decay": 0.3, "momentum": 0.5}),
    "lion_weight_decay": ("Lion", {**LR, "weight_decay": 0.3}),
    "adam_clipnorm": ("Adam", {**LR, "clipnorm": 0.5}),
    "sgd_clipnorm": ("SGD", {**LR, "clipnorm": 0.5}),
    "sgd_clipvalue": ("SGD", {**LR, "clipvalue": 0.3}),
    "adam_clipvalue": ("Adam", {**LR, "clipvalue": 0.3}),
    "sgd_global_clipnorm": ("SGD", {**LR, "global_clipnorm": 0.5}),
    "rmsprop_global_clipnorm": ("RMSprop", {**LR, "global_clipnorm": 0.5}),
    "adam_ema": ("Adam", {**LR, "use_ema": True, "ema_momentum": 0.5}),
    "sgd_ema_overwrite": (
        "SGD",
        {**LR, "use_ema": True, "ema_momentum": 0.7, "ema_overwrite_frequency": 2},
    ),
    "adam_accumulation": ("Adam", {**LR, "gradient_accumulation_steps": 2}),
    "sgd_accumulation": (
        "SGD",
        {**LR, "momentum": 0.9, "gradient_accumulation_steps": 3},
    ),
    "nadam_accumulation_ema": (
        "Nadam",
        {**LR, "gradient_accumulation_steps": 2, "use_ema": True},
    ),
    "adam_loss_scale": ("Adam", {**LR, "loss_scale_factor": 8.0}),
    "adam_schedule": ("Adam", {"learning_rate": _schedule}),
    "sgd_schedule": ("SGD", {"learning_rate": _schedule, "momentum": 0.9}),
    "adamw_warmup_schedule": ("AdamW", {"learning_rate": _cosine_warmup}),
    "adafactor_schedule": ("Adafactor", {"learning_rate": _schedule}),
}


def _build(module, name, kwargs):
    kwargs = {k: (v(module) if callable(v) else v) for k, v in kwargs.items()}
    return getattr(module.optimizers, name)(**kwargs)


def _initial_values(seed=0):
    rng = np.random.default_rng(seed)
    return {
        name: rng.normal(size=shape).astype("float32") for name, shape in SHAPES.items()
    }


def _gradients(seed=1):
    rng = np.random.default_rng(seed)
    return [
        [rng.normal(size=shape).astype("float32") for shape in SHAPES.values()]
        for _ in range(STEPS)
    ]


def _ember_variables(values):
    return [
        make_variable(torch.tensor(v), name=name, path=name, trainable=True)
        for name, v in values.items()
    ]


def _stable(name):
    """Keras names an unnamed variable (Nadam's momentum product) `variable`,
    `variable_1`, ... by a session-wide count; ember always `variable`."""
    return re.sub(r"^variable_\d+$", "variable", name)


@contextlib.contextmanager
def no_host_reads():
    """Fails on any host read of a tensor value: `.item()`, `bool()`, `int()`,
    `float()`, `.tolist()` (what a Python branch on a tensor would call)."""

    def refuse(*args, **kwargs):
        raise AssertionError("apply() read a tensor value on the host")

    with pytest.MonkeyPatch.context() as patch:
        for method in (
            "item",
            "tolist",
            "__bool__",
            "__int__",
            "__float__",
            "__index__",
        ):
            patch.setattr(torch.Tensor, method, refuse)
        yield


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_keras_step_by_step(case):
    keras = keras_or_skip()
    name, kwargs = CASES[case]
    values, grads = _initial_values(), _gradients()
    keras_vars = [keras.Variable(v, name=n) for n, v in values.items()]
    ember_vars = _ember_variables(values)
    keras_opt, ember_opt = _build(keras, name, kwargs), _build(ember, name, kwargs)
    atol = FUSED_ADAM_ATOL if name in ("Adam", "AdamW") else 1e-6
    for step_grads in grads:
        keras_opt.apply([torch.tensor(g) for g in step_grads], keras_vars)
        with no_host_reads():
            ember_opt.apply([torch.tensor(g) for g in step_grads], ember_vars)
        for keras_var, ember_var in zip(keras_vars, ember_vars):
            # Most cases are bitwise equal (same float32 kernels, same order).
            # 1e-6 leaves room for two places that differ by an ulp or two:
            # Keras's SGD multiplies by the learning rate through `alpha=` of a
            # fused add (a host read of the rate), ember by the rate tensor;
            # norm clipping uses `torch._foreach_norm`, Keras a sum of squares.
            np.testing.assert_allclose(
                ember_var.detach().numpy(), keras_var.numpy(), rtol=0, atol=atol
            )
    # Same state: names, order, shapes and values (Keras's int32 step count and
    # Adafactor placeholders are int64 in ember, so compare values only).
    keras_state, ember_state = keras_opt.variables, ember_opt.variables
    assert [v.name for v in ember_state] == [_stable(v.name) for v in keras_state]
    assert [tuple(v.shape) for v in ember_state] == [
        tuple(v.shape) for v in keras_state
    ]
    for keras_var, ember_var in zip(keras_state, ember_state):
        np.testing.assert_allclose(
            ember_var.detach().numpy(), keras_var.numpy(), rtol=1e-5, atol=atol
        )
    assert int(ember_opt.iterations) == int(keras_opt.iterations)
    if kwargs.get("use_ema"):
        keras_opt.finalize_variable_values(keras_vars)
        ember_opt.finalize_variable_values(ember_vars)
        for keras_var, ember_var in zip(keras_vars, ember_vars):
            np.testing.assert_allclose(
                ember_var.detach().numpy(),
                keras_var.numpy(),
                rtol=0,
                atol=FUSED_ADAM_ATOL,
            )


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_config_matches_keras_and_round_trips(case):
    keras = keras_or_skip()
    name, kwargs = CASES[case]
    keras_config = _build(keras, name, kwargs).get_config()
    ember_opt = _build(ember, name, kwargs)
    config = ember_opt.get_config()
    assert list(config) == list(keras_config)
    for key in config:
        if key != "name":
            assert config[key] == keras_config[key], key
    rebuilt = type(ember_opt).from_config(config)
    assert rebuilt.get_config() == config
    # What Keras writes loads in ember, and the other way around.
    from_keras = ember.optimizers.deserialize(
        keras.optimizers.serialize(_build(keras, name, kwargs))
    )
    assert type(from_keras) is type(ember_opt)
    assert {k: v for k, v in from_keras.get_config().items() if k != "name"} == {
        k: v for k, v in config.items() if k != "name"
    }
    to_keras = keras.optimizers.deserialize(ember.optimizers.serialize(ember_opt))
    assert type(to_keras).__name__ == name


def test_exclude_from_weight_decay_matches_keras():
    keras = keras_or_skip()
    values, grads = _initial_values(), _gradients()
    keras_vars = [keras.Variable(v, name=n) for n, v in values.items()]
    ember_vars = _ember_variables(values)
    keras_opt = keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    ember_opt = ember.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    keras_opt.exclude_from_weight_decay(var_list=[keras_vars[2]], var_names=["bias"])
    ember_opt.exclude_from_weight_decay(var_list=[ember_vars[2]], var_names=["bias"])
    for step_grads in grads:
        keras_opt.apply([torch.tensor(g) for g in step_grads], keras_vars)
        ember_opt.apply([torch.tensor(g) for g in step_grads], ember_vars)
    for keras_var, ember_var in zip(keras_vars, ember_vars):
        np.testing.assert_allclose(
            ember_var.detach().numpy(), keras_var.numpy(), rtol=0, atol=FUSED_ADAM_ATOL
        )


def test_constraints_apply_after_the_update_as_in_keras():
    keras = keras_or_skip()
    values, grads = _initial_values(), _gradients()
    keras_vars = [keras.Variable(v, name=n) for n, v in values.items()]
    keras_vars[0].constraint = keras.constraints.NonNeg()
    keras_vars[1].constraint = keras.constraints.MaxNorm(0.5, axis=0)
    ember_vars = _ember_variables(values)
    ember_vars[0] = make_variable(
        torch.tensor(values["kernel"]),
        name="kernel",
        path="kernel",
        trainable=True,
        constraint=ember.constraints.NonNeg(),
    )
    ember_vars[1] = make_variable(
        torch.tensor(values["bias"]),
        name="bias",
        path="bias",
        trainable=True,
        constraint=ember.constraints.MaxNorm(0.5, axis=0),
    )
    keras_opt = keras.optimizers.SGD(0.1, momentum=0.9)
    ember_opt = ember.optimizers.SGD(0.1, momentum=0.9)
    for step_grads in grads:
        keras_opt.apply([torch.tensor(g) for g in step_grads], keras_vars)
        ember_opt.apply([torch.tensor(g) for g in step_grads], ember_vars)
        for keras_var, ember_var in zip(keras_vars, ember_vars):
            np.testing.assert_allclose(
                ember_var.detach().numpy(), keras_var.numpy(), rtol=0, atol=1e-6
            )
    assert (ember_vars[0].detach() >= 0).all()


@pytest.mark.parametrize(
    "setting", ["float", "schedule"], ids=["set_float", "set_schedule"]
)
def test_learning_rate_set_during_training_matches_keras(setting):
    keras = keras_or_skip()
    values, grads = _initial_values(), _gradients()
    keras_vars = [keras.Variable(v, name=n) for n, v in values.items()]
    ember_vars = _ember_variables(values)
    keras_opt, ember_opt = keras.optimizers.Adam(0.1), ember.optimizers.Adam(0.1)
    for step, step_grads in enumerate(grads):
        if step == 2:
            for module, opt in ((keras, keras_opt), (ember, ember_opt)):
                opt.learning_rate = 0.02 if setting == "float" else _schedule(module)
        keras_opt.apply([torch.tensor(g) for g in step_grads], keras_vars)
        ember_opt.apply([torch.tensor(g) for g in step_grads], ember_vars)
    for keras_var, ember_var in zip(keras_vars, ember_vars):
        np.testing.assert_allclose(
            ember_var.detach().numpy(), keras_var.numpy(), rtol=0, atol=FUSED_ADAM_ATOL
        )
    assert [v.name for v in ember_opt.variables] == [
        _stable(v.name) for v in keras_opt.variables
    ]
    np.testing.assert_allclose(
        np.asarray(ember_opt.learning_rate.detach()),
        np.asarray(keras.ops.convert_to_numpy(keras_opt.learning_rate)),
        rtol=1e-7,
    )


def test_float64_variables_match_keras():
    keras = keras_or_skip()
    rng = np.random.default_rng(3)
    value = rng.normal(size=(3, 2))
    keras_var = keras.Variable(value, dtype="float64", name="kernel")
    ember_var = make_variable(
        torch.tensor(value), name="kernel", path="kernel", trainable=True
    )
    keras_opt, ember_opt = keras.optimizers.Adam(0.1), ember.optimizers.Adam(0.1)
    for _ in range(STEPS):
        grad = rng.normal(size=(3, 2))
        keras_opt.apply([torch.tensor(grad)], [keras_var])
        ember_opt.apply([torch.tensor(grad)], [ember_var])
    assert ember_var.dtype == torch.float64
    # Keras's learning rate and bias corrections are float32 scalars, as in ember.
    np.testing.assert_allclose(ember_var.detach().numpy(), keras_var.numpy(), atol=1e-6)
