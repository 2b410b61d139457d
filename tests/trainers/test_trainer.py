"""compile / fit / evaluate / predict against Keras 3 and on every input kind."""

import re

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

import ember
from ember import layers


def _data(n=64, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = rng.integers(0, classes, size=(n,)).astype("int64")
    return x, y


def _mlp(lib, classes=3):
    return lib.Sequential(
        [
            lib.Input(shape=(6,)),
            lib.layers.Dense(8, activation="relu", name="hidden"),
            lib.layers.Dense(classes, activation="softmax", name="probs"),
        ]
    )


OPTIMIZERS = [
    "sgd",
    "adam",
    "adamw",
    "rmsprop",
    "adagrad",
    "adadelta",
    "adamax",
    "nadam",
    "ftrl",
    "lion",
    "adafactor",
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_two_epochs_match_keras(optimizer):
    keras = keras_or_skip()
    x, y = _data()
    theirs, ours = _mlp(keras), _mlp(ember)
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile(
            optimizer=optimizer,
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert set(h_ours.history) == set(h_theirs.history)
    for key in h_theirs.history:
        np.testing.assert_allclose(
            h_ours.history[key], h_theirs.history[key], atol=1e-4
        )


def test_evaluate_and_predict_match_keras():
    keras = keras_or_skip()
    x, y = _data()
    theirs, ours = _mlp(keras), _mlp(ember)
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    np.testing.assert_allclose(
        ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), atol=1e-5
    )
    assert (
        ours.evaluate(x, y, verbose=0, return_dict=True).keys()
        == theirs.evaluate(x, y, verbose=0, return_dict=True).keys()
    )
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6
    )


def test_sample_weight_and_class_weight_match_keras():
    keras = keras_or_skip()
    x, y = _data()
    weights = np.linspace(0.1, 2.0, len(x)).astype("float32")
    theirs, ours = _mlp(keras), _mlp(ember)
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(
            x,
            y,
            sample_weight=weights,
            batch_size=16,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        model.fit(
            x,
            y,
            class_weight={0: 1.0, 1: 2.0, 2: 0.5},
            batch_size=16,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
    results = [ours.get_weights(), theirs.get_weights()]
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_fit_on_every_input_kind():
    x, y = _data()
    model = _mlp(ember)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    tensors = (torch.from_numpy(x), torch.from_numpy(y))
    dataset = torch.utils.data.TensorDataset(*tensors)

    def generator():
        while True:
            for i in range(0, 64, 16):
                yield x[i : i + 16], y[i : i + 16]

    class Batches(ember.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return x[index * 16 : (index + 1) * 16], y[index * 16 : (index + 1) * 16]

    for data, kwargs in [
        ((x, y), {}),
        (tensors, {}),
        ((dataset,), {}),
        ((torch.utils.data.DataLoader(dataset, batch_size=16),), {}),
        ((generator(),), {"steps_per_epoch": 4}),
        ((Batches(),), {}),
        ((Batches(workers=2),), {}),
    ]:
        history = model.fit(*data, epochs=2, verbose=0, **kwargs)
        assert len(history.history["loss"]) == 2


def test_validation_split_and_validation_data():
    x, y = _data(n=80)
    model = _mlp(ember)
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(x, y, validation_split=0.25, epochs=2, verbose=0)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.history)
    history = model.fit(
        x, y, validation_data=(x[:10], y[:10]), epochs=3, validation_freq=2, verbose=0
    )
    assert len(history.history["val_loss"]) == 1


def test_multi_output_losses_and_metrics_by_name():
    inputs = ember.Input(shape=(6,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    out_a = layers.Dense(3, activation="softmax", name="a")(hidden)
    out_b = layers.Dense(1, name="b")(hidden)
    model = ember.Model(inputs, [out_a, out_b])
    model.compile(
        optimizer="adam",
        loss={"a": "sparse_categorical_crossentropy", "b": "mse"},
        loss_weights={"a": 1.0, "b": 0.5},
        metrics={"a": ["accuracy"], "b": ["mae"]},
    )
    x, y = _data()
    target_b = x[:, :1]
    history = model.fit(x, {"a": y, "b": target_b}, epochs=1, verbose=0)
    assert {"loss", "a_loss", "b_loss", "a_accuracy", "b_mae"} <= set(history.history)


def test_train_on_batch_test_on_batch_predict_on_batch():
    x, y = _data()
    model = _mlp(ember)
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert len(model.test_on_batch(x, y)) == 2
    assert model.predict_on_batch(x).shape == (64, 3)
    assert model.metrics_names == ["loss", "compile_metrics"]


def test_custom_train_step_in_keras_torch_style():
    class Custom(ember.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.loss_tracker = ember.metrics.Mean(name="loss")

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = ember.ops.mean((y_pred - y) ** 2)
            self.zero_grad()
            loss.backward()
            trainable = self.trainable_weights
            self.optimizer.apply([v.grad for v in trainable], trainable)
            self.loss_tracker.update_state(loss)
            return {"loss": self.loss_tracker.result()}

        @property
        def metrics(self):
            return [self.loss_tracker]

    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    model = Custom()
    model.compile(optimizer=ember.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] * 0.5


def test_fit_before_compile_is_a_clear_error():
    with pytest.raises(
        ValueError, match=r"call `compile\(\)` before calling `fit\(\)`"
    ):
        _mlp(ember).fit(*_data(), verbose=0)


def test_labels_out_of_range_is_a_clear_error():
    x, y = _data(classes=3)
    model = _mlp(ember, classes=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = y.copy()
    y[5] = 3
    with pytest.raises(ValueError, match=r"label value of 3.*3 classes"):
        model.fit(x, y, verbose=0)


def test_jit_compile_trains_like_eager():
    x, y = _data()
    eager, compiled = _mlp(ember), _mlp(ember)
    compiled.set_weights(eager.get_weights())
    eager.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    compiled.compile(
        optimizer="sgd", loss="sparse_categorical_crossentropy", jit_compile=True
    )
    eager.fit(x, y, epochs=1, shuffle=False, verbose=0)
    compiled.fit(x, y, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(eager.get_weights(), compiled.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_early_stopping_inside_fit_restores_best_weights():
    x, y = _data()
    model = _mlp(ember)
    model.compile(optimizer=ember.optimizers.SGD(learning_rate=10.0), loss="mse")
    stopper = ember.callbacks.EarlyStopping(
        monitor="loss", patience=1, restore_best_weights=True
    )
    history = model.fit(x, np.eye(3)[y], epochs=20, callbacks=[stopper], verbose=0)
    assert len(history.history["loss"]) < 20
    assert stopper.best == min(history.history["loss"])


def test_progress_bar_prints_one_line_per_epoch_in_a_log(capsys):
    x, y = _data()
    model = _mlp(ember)
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, batch_size=16, epochs=2, verbose=1)
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # Keras's colours
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━") and "accuracy: " in lines[1]
    assert "loss: " in lines[1] and "step" in lines[1]


def test_predict_with_dict_inputs_and_outputs():
    a, b = ember.Input(shape=(2,), name="a"), ember.Input(shape=(3,), name="b")
    joined = layers.Concatenate()([a, b])
    model = ember.Model(
        {"a": a, "b": b}, {"sum": layers.Dense(1)(joined), "same": joined}
    )
    out = model.predict(
        {"a": np.ones((10, 2)), "b": np.ones((10, 3))}, batch_size=4, verbose=0
    )
    assert out["sum"].shape == (10, 1) and out["same"].shape == (10, 5)
