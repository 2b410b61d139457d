"""The preprocessing layers inside models: `fit()` trains through them, and
`.keras` files keep their state (weights, vocabularies as Keras's assets)."""

import numpy as np
import pytest
import torch

import ember
from ember import layers
from ember.layers.preprocessing import (
    CategoryEncoding,
    Discretization,
    Hashing,
    IntegerLookup,
    Normalization,
    Rescaling,
    StringLookup,
    TextVectorization,
)

CUSTOM = {
    cls.__name__: cls
    for cls in (
        CategoryEncoding,
        Discretization,
        Hashing,
        IntegerLookup,
        Normalization,
        Rescaling,
        StringLookup,
        TextVectorization,
    )
}


def _fit_and_check(model, x, y, epochs=8):
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0], losses
    return model


def _round_trip(model, x, tmp_path):
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = ember.saving.load_model(path, custom_objects=CUSTOM)
    torch.testing.assert_close(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    return loaded


def _numeric_data(seed=0, n=64):
    rng = np.random.default_rng(seed)
    x = rng.normal(5.0, 3.0, (n, 3)).astype("float32")
    y = (x @ np.array([0.3, -0.2, 0.1], dtype="float32"))[:, None]
    return x, y


def test_normalization_and_rescaling_train_and_save(tmp_path):
    x, y = _numeric_data()
    norm = Normalization()
    norm.adapt(x)
    inputs = ember.Input((3,))
    hidden = Rescaling(0.5, offset=0.1)(norm(inputs))
    model = ember.Model(inputs, layers.Dense(1)(hidden))
    _fit_and_check(model, x, y)
    loaded = _round_trip(model, x, tmp_path)
    loaded_norm = next(lay for lay in loaded.layers if isinstance(lay, Normalization))
    np.testing.assert_allclose(loaded_norm.get_weights()[0], norm.get_weights()[0])


def test_normalization_file_loads_in_keras(tmp_path):
    keras = pytest.importorskip("keras")
    x, _ = _numeric_data(1)
    norm = Normalization()
    norm.adapt(x)
    inputs = ember.Input((3,))
    model = ember.Model(inputs, norm(inputs))
    path = str(tmp_path / "norm.keras")
    model.save(path)
    theirs = keras.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(theirs.predict(x, verbose=0)),
        model.predict(x, verbose=0),
        rtol=1e-5,
        atol=1e-5,
    )


def test_integer_lookup_with_adapted_vocabulary_trains_and_saves(tmp_path):
    rng = np.random.default_rng(2)
    ids = rng.choice([3, 17, 42, 99, 1000], size=(64, 4))
    y = (ids == 42).sum(axis=1, keepdims=True).astype("float32")
    lookup = IntegerLookup(output_mode="count")
    lookup.adapt(ids)
    inputs = ember.Input((4,), dtype="int64")
    model = ember.Model(inputs, layers.Dense(1)(lookup(inputs)))
    _fit_and_check(model, ids, y)
    loaded = _round_trip(model, ids, tmp_path)
    restored = next(lay for lay in loaded.layers if isinstance(lay, IntegerLookup))
    assert restored.get_vocabulary() == lookup.get_vocabulary()


def test_hashing_discretization_and_category_encoding_train(tmp_path):
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 50, (64, 2))
    values = rng.uniform(0, 4, (64, 2)).astype("float32")
    y = (values.sum(axis=1, keepdims=True) > 4).astype("float32")
    id_in = ember.Input((2,), dtype="int64")
    value_in = ember.Input((2,))
    hashed = Hashing(num_bins=8, output_mode="multi_hot")(id_in)
    encoded = CategoryEncoding(num_tokens=50, output_mode="count")(id_in)
    bins = Discretization(bin_boundaries=[1.0, 2.0, 3.0], output_mode="count")(value_in)
    merged = layers.Concatenate()([hashed, encoded, bins])
    model = ember.Model([id_in, value_in], layers.Dense(1)(merged))
    _fit_and_check(model, [ids, values], y)
    _round_trip(model, [ids, values], tmp_path)


def test_text_layers_feed_a_model_that_trains():
    # The trainer feeds numeric arrays, so text is vectorized as a data step
    # (as Keras recommends on non-TensorFlow backends); the same layers then
    # run eagerly inside a model called on strings.
    texts = ["good movie", "great film", "bad movie", "awful film"] * 8
    y = np.array([[1.0], [1.0], [0.0], [0.0]] * 8, dtype="float32")
    vectorize = TextVectorization(output_sequence_length=3)
    vectorize.adapt(texts)
    tokens = vectorize(texts)
    inputs = ember.Input((3,), dtype="int64")
    embedded = layers.Embedding(vectorize.vocabulary_size(), 4)(inputs)
    outputs = layers.Dense(1)(layers.GlobalAveragePooling1D()(embedded))
    model = _fit_and_check(ember.Model(inputs, outputs), tokens, y)

    class TextModel(ember.Model):
        def __init__(self):
            super().__init__()
            self.vectorize = vectorize
            self.core = model

        def call(self, x):
            return self.core(self.vectorize(x))

    end_to_end = TextModel()
    torch.testing.assert_close(end_to_end(np.array(texts[:4])), model(tokens[:4]))

    words = np.array([["good"], ["bad"], ["great"], ["awful"]] * 8)
    lookup = StringLookup(output_mode="one_hot")
    lookup.adapt(words)
    encoded = lookup(words)
    word_in = ember.Input((encoded.shape[-1],))
    word_model = ember.Model(word_in, layers.Dense(1)(word_in))
    _fit_and_check(word_model, encoded, y)


def test_keras_written_file_with_preprocessing_layers_loads(tmp_path):
    keras = pytest.importorskip("keras")
    x, _ = _numeric_data(4)
    inputs = keras.Input((3,))
    norm = keras.layers.Normalization()
    norm.adapt(x)
    hidden = keras.layers.Rescaling(0.5)(norm(inputs))
    bins = keras.layers.Discretization(
        bin_boundaries=[-1.0, 0.0, 1.0], output_mode="one_hot"
    )(hidden)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(bins))
    theirs = keras.Model(inputs, outputs)
    path = str(tmp_path / "keras_made.keras")
    theirs.save(path)
    ours = ember.saving.load_model(path, custom_objects=CUSTOM)
    np.testing.assert_allclose(
        ours.predict(x, verbose=0),
        np.asarray(theirs.predict(x, verbose=0)),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_preprocessing_layers_run_on_cuda():
    from ember.layers.preprocessing import RandomRotation, Resizing

    device = torch.device("cuda")
    ids = torch.tensor([[12, 7, 42]], device=device)
    lookup = IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    assert lookup(ids).device.type == "cuda"
    assert lookup(ids).cpu().tolist() == lookup(ids.cpu()).tolist()
    norm = Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0]).to(device)
    x = torch.ones(2, 3, device=device)
    torch.testing.assert_close(norm(x).cpu(), norm.to("cpu")(x.cpu()))
    images = torch.rand(2, 8, 8, 3, device=device)
    assert Resizing(4, 4)(images).device.type == "cuda"
    rotated = RandomRotation(0.1, seed=1)(images)
    assert rotated.device.type == "cuda" and rotated.shape == images.shape
    hashed = Hashing(num_bins=5)(ids)
    assert hashed.device.type == "cuda"
    assert hashed.cpu().tolist() == Hashing(num_bins=5)(ids.cpu()).tolist()
