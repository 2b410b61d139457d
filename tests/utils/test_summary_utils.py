"""model.summary(): Keras's table, print_fn, unbuilt layers, nested models."""

import torch
from conftest import keras_or_skip

import ember
from ember import layers


def _lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_print_fn_receives_every_line_and_totals():
    model = ember.Sequential(
        [ember.Input(shape=(8,)), layers.Dense(4, name="a"), layers.Dense(2, name="b")],
        name="tiny",
    )
    lines = _lines(model)
    assert lines[0] == 'Model: "tiny"'
    assert any(
        "a (Dense)" in line and "(None, 4)" in line and "36" in line for line in lines
    )
    assert lines[-3] == " Total params: 46 (184.00 B)"
    assert lines[-2] == " Trainable params: 46 (184.00 B)"
    assert lines[-1] == " Non-trainable params: 0 (0.00 B)"


def test_unbuilt_sequential_matches_keras():
    keras = keras_or_skip()
    expected, got = [], []
    keras.Sequential([keras.layers.Dense(3, name="d")], name="s").summary(
        print_fn=lambda line, **kwargs: expected.extend(line.split("\n"))
    )
    ember.Sequential([layers.Dense(3, name="d")], name="s").summary(print_fn=got.append)
    assert got == [line.rstrip() for line in expected if line.strip()]


def test_non_trainable_counts_and_thousands_separators():
    model = ember.Sequential([ember.Input(shape=(100,)), layers.Dense(100, name="big")])
    model.layers[0].trainable = False
    lines = _lines(model)
    assert " Total params: 10,100 (39.45 KB)" in lines
    assert " Trainable params: 0 (0.00 B)" in lines
    assert " Non-trainable params: 10,100 (39.45 KB)" in lines


def test_subclassed_model_summary_lists_sublayers():
    class Net(ember.Model):
        def __init__(self):
            super().__init__(name="net")
            self.hidden = layers.Dense(4, name="hidden")
            self.torch_head = torch.nn.Linear(4, 1)

        def call(self, x):
            return self.torch_head(self.hidden(x))

    model = Net()
    model(torch.ones(2, 3))
    text = "\n".join(_lines(model))
    assert "hidden (Dense)" in text and "Linear" in text
    assert "Total params: 21" in text


def test_expand_nested_and_show_trainable():
    inner = ember.Sequential([layers.Dense(3, name="inner_dense")], name="inner")
    x = ember.Input(shape=(2,))
    model = ember.Model(x, inner(x))
    text = "\n".join(_lines(model, expand_nested=True, show_trainable=True))
    assert "inner_dense" in text and "Trainable" in text
