"""`Rescaling`, `Normalization`, `CategoryEncoding` and `Discretization`
against real Keras 3 (which runs them without TensorFlow), by hand, and their
errors."""

import numpy as np
import pytest
import torch
from keras_oracle import assert_matches_keras

from ember.layers.preprocessing import (
    CategoryEncoding,
    Discretization,
    Normalization,
    Rescaling,
)
from ember.testing import run_layer_test

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


# ------------------------------------------------------------------ Rescaling
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"scale": 1 / 255}, (2, 4, 4, 3)),
        ({"scale": 1 / 127.5, "offset": -1}, (3, 5)),
        ({"scale": [0.5, 2.0, 3.0], "offset": 0.25}, (2, 4, 3)),
    ],
    ids=["scale", "scale_offset", "per_channel"],
)
def test_rescaling_matches_keras(kwargs, shape):
    x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    assert_matches_keras(Rescaling, kwargs, x)


def test_rescaling_int_inputs_give_floats_and_config_matches_keras():
    out = Rescaling(1 / 255)(np.array([[0, 255]], dtype="uint8"))
    assert out.dtype == torch.float32
    assert out.tolist() == [[0.0, 1.0]]
    for kwargs in ({"scale": 0.5, "offset": 1.0}, {"scale": np.array([1.0, 2.0])}):
        ours = Rescaling(name="r", **kwargs).get_config()
        theirs = keras.layers.Rescaling(name="r", **kwargs).get_config()
        assert ours == theirs
        clone = Rescaling.from_config(ours)
        np.testing.assert_array_equal(
            np.asarray(clone.scale), np.asarray(kwargs["scale"])
        )
    run_layer_test(
        Rescaling,
        {"scale": 2.0, "offset": 1.0},
        input_shape=(2, 3),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=0,
    )


# -------------------------------------------------------------- Normalization
NORMALIZATION_CASES = {
    "last_axis": ({}, (20, 3)),
    "axis_none": ({"axis": None}, (10, 4)),
    "axis_1_of_3": ({"axis": 1}, (6, 4, 5)),
    "two_axes": ({"axis": (1, 2)}, (5, 3, 2)),
    "invert": ({"invert": True}, (8, 3)),
    "images": ({}, (4, 5, 5, 3)),
}


@pytest.mark.parametrize(
    "kwargs, shape", NORMALIZATION_CASES.values(), ids=NORMALIZATION_CASES.keys()
)
def test_normalization_adapt_matches_keras(kwargs, shape):
    data = np.random.default_rng(1).normal(3.0, 2.0, shape).astype("float32")
    theirs = keras.layers.Normalization(**kwargs)
    theirs.adapt(data)
    ours = Normalization(**kwargs)
    ours.adapt(data)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, _np(b), rtol=1e-5, atol=1e-5)
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), rtol=1e-5, atol=1e-5)
    assert [w.name for w in ours.weights] == ["mean", "variance", "count"]


def test_normalization_adapt_on_batches_matches_the_whole_array():
    # Keras's batched adapt needs TensorFlow; its whole-array adapt (the
    # oracle above) must agree with the merged batch statistics.
    data = np.random.default_rng(3).normal(size=(50, 4)).astype("float32")
    batches = [data[i : i + 16] for i in range(0, 50, 16)]
    ours = Normalization()
    ours.adapt(iter(batches))
    whole = Normalization()
    whole.adapt(data)
    theirs = keras.layers.Normalization()
    theirs.adapt(data)
    for a, b, c in zip(ours.get_weights(), theirs.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, _np(b), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-5)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.as_tensor(data), torch.zeros(50)),
        batch_size=7,
    )
    from_loader = Normalization()
    from_loader.adapt(loader)
    np.testing.assert_allclose(
        from_loader.get_weights()[0], whole.get_weights()[0], atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}, (4, 3)),
        ({"mean": 2.0, "variance": 4.0, "axis": None}, (4, 3)),
        ({"mean": [1.0, 2.0], "variance": [4.0, 9.0], "axis": 1}, (4, 2, 3)),
        ({"mean": [1.0, 2.0], "variance": [4.0, 9.0], "invert": True}, (3, 2)),
    ],
    ids=["vector", "scalar", "axis1", "invert"],
)
def test_normalization_given_statistics_match_keras(kwargs, shape):
    x = np.random.default_rng(4).normal(size=shape).astype("float32")
    assert_matches_keras(Normalization, kwargs, x)
    ours = Normalization(name="n", **kwargs).get_config()
    theirs = keras.layers.Normalization(name="n", **kwargs).get_config()
    assert ours == theirs


def test_normalization_by_hand_layer_test_and_errors():
    layer = Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0]))
    expected = np.array([-1.0, 0.0, 1.0]) / np.sqrt(2 / 3)
    np.testing.assert_allclose(
        _np(layer(np.array([1.0, 2.0, 3.0]))), expected, atol=1e-6
    )
    run_layer_test(
        Normalization,
        {"mean": [0.5, 1.0], "variance": [2.0, 3.0]},
        input_shape=(3, 2),
        expected_output_shape=(3, 2),
    )
    run_layer_test(
        Normalization,
        {},
        input_shape=(3, 2),
        expected_output_shape=(3, 2),
        expected_num_non_trainable_weights=3,
    )
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        Normalization(mean=[1.0])
    adapted = Normalization()
    adapted.adapt(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"built with input shape \(4, 3\)"):
        adapted.adapt(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="axis"):
        Normalization(axis=3)(torch.zeros(2, 3))


# ----------------------------------------------------------- CategoryEncoding
ENCODING_CASES = {
    "one_hot_1d": ({"num_tokens": 4, "output_mode": "one_hot"}, [3, 2, 0, 1]),
    "one_hot_col": ({"num_tokens": 4, "output_mode": "one_hot"}, [[3], [2], [0]]),
    "one_hot_2d": ({"num_tokens": 5, "output_mode": "one_hot"}, [[3, 4], [2, 0]]),
    "multi_hot": ({"num_tokens": 4}, [[0, 1], [0, 0], [1, 2], [3, 1]]),
    "multi_hot_1d": ({"num_tokens": 4}, [3, 2, 0, 3]),
    "count": ({"num_tokens": 4, "output_mode": "count"}, [[0, 1], [0, 0], [1, 2]]),
    "count_1d": ({"num_tokens": 6, "output_mode": "count"}, [3, 2, 5, 3]),
    "count_rank3": (
        {"num_tokens": 5, "output_mode": "count"},
        [[[0, 1], [1, 4]], [[2, 2], [3, 0]]],
    ),
}


@pytest.mark.parametrize(
    "kwargs, data", ENCODING_CASES.values(), ids=ENCODING_CASES.keys()
)
def test_category_encoding_matches_keras(kwargs, data):
    x = np.array(data, dtype="int32")
    assert_matches_keras(CategoryEncoding, kwargs, x)
    ours = CategoryEncoding(name="c", **kwargs).get_config()
    assert ours == keras.layers.CategoryEncoding(name="c", **kwargs).get_config()


def test_category_encoding_count_weights_by_hand_and_errors():
    layer = CategoryEncoding(num_tokens=4, output_mode="count")
    out = layer(
        [[0, 1], [0, 0], [1, 2], [3, 1]],
        count_weights=np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]]),
    )
    expected = [[0.1, 0.2, 0, 0], [0.2, 0, 0, 0], [0, 0.2, 0.3, 0], [0, 0.2, 0, 0.4]]
    np.testing.assert_allclose(_np(out), expected, atol=1e-6)
    run_layer_test(
        CategoryEncoding,
        {"num_tokens": 5, "output_mode": "multi_hot"},
        input_shape=(3, 4),
        input_dtype="int64",
        expected_output_shape=(3, 5),
        expected_output_dtype="float32",
    )
    with pytest.raises(ValueError, match="num_tokens"):
        CategoryEncoding()
    with pytest.raises(ValueError, match="output_mode"):
        CategoryEncoding(num_tokens=3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="count_weights"):
        CategoryEncoding(num_tokens=3)([0, 1], count_weights=[1.0, 1.0])


# ------------------------------------------------------------- Discretization
@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_with_boundaries_matches_keras(mode):
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]], dtype="float32")
    kwargs = {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode}
    _, _, ours, theirs = assert_matches_keras(Discretization, kwargs, x)
    assert ours[0].dtype == np.asarray(_np(theirs[0])).dtype
    assert Discretization(name="d", **kwargs).get_config() == (
        keras.layers.Discretization(name="d", **kwargs).get_config()
    )


def test_discretization_docstring_example():
    layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    out = layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))
    assert out.tolist() == [[0, 2, 3, 1], [1, 3, 2, 1]]
    assert out.dtype == torch.int32


@pytest.mark.parametrize(
    "num_bins, epsilon, sizes",
    [(4, 0.01, [1000]), (3, 0.01, [5]), (5, 0.05, [300, 128, 77]), (10, 0.001, [2500])],
    ids=["one_batch", "tiny", "batches", "fine"],
)
def test_discretization_adapt_matches_keras_quantile_summary(num_bins, epsilon, sizes):
    # Keras's adapt needs TensorFlow only to recognise tf.data; its summary
    # functions are plain NumPy, so they are the oracle.
    from keras.src.layers.preprocessing import discretization as kd

    rng = np.random.default_rng(5)
    batches = [rng.lognormal(size=n).astype("float32") for n in sizes]
    summary = np.array([[], []], dtype="float32")
    for batch in batches:
        summary = kd.merge_summaries(kd.summarize(batch, epsilon), summary, epsilon)
    expected = kd.get_bin_boundaries(summary, num_bins).tolist()
    layer = Discretization(num_bins=num_bins, epsilon=epsilon)
    layer.adapt(batches[0] if len(batches) == 1 else iter(batches))
    np.testing.assert_allclose(layer.bin_boundaries, expected, rtol=1e-6)
    clone = Discretization.from_config(layer.get_config())
    assert clone.bin_boundaries == layer.bin_boundaries
    x = rng.lognormal(size=(4, 6)).astype("float32")
    assert torch.equal(clone(x), layer(x))


def test_discretization_errors():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="set either"):
        Discretization()
    with pytest.raises(ValueError, match="cannot be adapted"):
        Discretization(bin_boundaries=[0.0]).adapt(np.zeros(3))
    with pytest.raises(ValueError, match="no bin boundaries"):
        Discretization(num_bins=3)(np.zeros(3))
