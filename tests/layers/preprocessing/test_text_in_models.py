"""Text inside models: `Input(dtype="string")`, text layers in functional and
Sequential models, `fit` on arrays and directories of text, `.keras` round trips."""

import numpy as np
import pytest

import ember
from ember import layers

TEXTS = np.array([["the cat sat"], ["the dog ran"], ["a cat ran"], ["a dog sat"]] * 8)
LABELS = np.array([1, 0, 1, 0] * 8, "float32")


def text_classifier(**vectorizer_args):
    vectorizer = layers.TextVectorization(max_tokens=20, **vectorizer_args)
    vectorizer.adapt(TEXTS)
    inputs = ember.Input(shape=(1,), dtype="string")
    x = layers.Embedding(20, 8)(vectorizer(inputs))
    outputs = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(x))
    return ember.Model(inputs, outputs)


def test_string_input_is_a_keras_tensor_of_dtype_string():
    inputs = ember.Input(shape=(1,), dtype="string")
    assert inputs.dtype == "string" and inputs.shape == (None, 1)
    vectorizer = layers.TextVectorization(max_tokens=20)
    vectorizer.adapt(TEXTS)
    # Without output_sequence_length the length depends on the text: None.
    assert vectorizer(inputs).shape == (None, None)
    fixed = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    fixed.adapt(TEXTS)
    assert fixed(inputs).shape == (None, 5)
    assert fixed(inputs).dtype == "int64"
    inverse = layers.StringLookup(vocabulary=["a", "b"], invert=True)
    assert inverse(ember.Input((3,), dtype="int64")).dtype == "string"


def test_functional_text_model_trains_predicts_and_round_trips(tmp_path):
    model = text_classifier(output_sequence_length=4)
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(TEXTS, LABELS, epochs=8, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    predictions = model.predict(TEXTS[:4], verbose=0)
    assert predictions.shape == (4, 1)
    assert (predictions[[0, 2]] > 0.5).all() and (predictions[[1, 3]] < 0.5).all()
    model.save(tmp_path / "text.keras")
    restored = ember.models.load_model(tmp_path / "text.keras")
    np.testing.assert_array_equal(restored.predict(TEXTS[:4], verbose=0), predictions)


def test_sequential_built_from_text_data():
    model = ember.Sequential(
        [
            layers.StringLookup(vocabulary=["the cat sat", "a dog sat"]),
            layers.Embedding(5, 2),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    model.fit(TEXTS, LABELS, epochs=1, verbose=0)
    assert model.inputs[0].dtype == "string"


def test_fit_on_a_directory_of_text_files(tmp_path):
    for label, words in (("neg", "bad awful"), ("pos", "good great")):
        (tmp_path / label).mkdir()
        for i in range(6):
            (tmp_path / label / f"{i}.txt").write_text(f"{words} {i}")
    dataset = ember.utils.text_dataset_from_directory(
        tmp_path, batch_size=4, seed=1, verbose=False
    )
    vectorizer = layers.TextVectorization(max_tokens=30, output_sequence_length=3)
    vectorizer.adapt(np.array([str(p.read_text()) for p in tmp_path.glob("*/*.txt")]))
    inputs = ember.Input(shape=(), dtype="string")
    x = layers.GlobalAveragePooling1D()(layers.Embedding(30, 4)(vectorizer(inputs)))
    model = ember.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(dataset, epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_arrays_of_other_objects_are_refused():
    model = text_classifier(output_sequence_length=4)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="arrays of strings for text layers"):
        model.fit(np.array([[object()]] * 4), np.zeros(4), verbose=0)


def test_strings_have_no_torch_dtype():
    with pytest.raises(ValueError, match="dtype 'string' has no torch tensor type"):
        ember.backend.dtypes.to_torch_dtype("string")
