"""Variables split across processes: `ModelParallel` with a `LayoutMap`, and
`DataParallel(fully_shard=True)` (with a synchronized BatchNormalization), 2
processes (torchrun, gloo, CPU) against 1."""

import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import torchrun_launch

import ember
from ember.distribution import layouts

HERE = Path(__file__).parent
SCENARIO = HERE / "sharding_scenario.py"


def _run(tmp_path_factory, mode):
    two = tmp_path_factory.mktemp(f"{mode}_two")
    torchrun_launch.run(SCENARIO, two, mode)
    one = tmp_path_factory.mktemp(f"{mode}_one")
    torchrun_launch.load_module(SCENARIO).main(str(one), mode)
    return one, two


@pytest.fixture(scope="module", params=["model_parallel", "fully_shard"])
def runs(request, tmp_path_factory):
    return request.param, *_run(tmp_path_factory, request.param)


def _load(directory, tag):
    arrays = np.load(directory / f"{tag}.npz")
    with open(directory / f"{tag}.json") as f:
        return arrays, json.load(f)


def test_variables_and_optimizer_state_are_split(runs):
    mode, one, two = runs
    _, single = _load(one, "single")
    for rank in (0, 1):
        _, logs = _load(two, f"rank{rank}")
        shards = logs["shards"]
        assert shards["dense/kernel"] == (
            [6, 8] if mode == "model_parallel" else [3, 16]
        )
        assert shards["dense_1/kernel"] == (
            [16, 2] if mode == "model_parallel" else [8, 4]
        )
        assert shards["dense/bias"] == [8] and shards["dense_1/bias"] == [2]
        # Adam's moments are split like their variables.
        assert shards["adam/dense_kernel_momentum"] == shards["dense/kernel"]
        assert shards["adam/dense_1_bias_velocity"] == [2]
        recurrent = shards["simple_rnn_cell/recurrent_kernel"]
        assert recurrent == ([4, 4] if mode == "model_parallel" else [2, 4])
        # Non-trainable variables stay whole.
        assert shards["batch_normalization/moving_mean"] == [16]
        if mode == "model_parallel":  # not in the layout map: replicated
            assert shards["batch_normalization/gamma"] == [16]
        else:  # fully sharded: every trainable variable
            assert shards["batch_normalization/gamma"] == [8]
        for path, shape in single["shards"].items():  # single: whole
            assert len(shape) == len(shards[path])


def test_training_matches_one_process(runs):
    _, one, two = runs
    single, logs_one = _load(one, "single")
    for rank in (0, 1):
        arrays, logs = _load(two, f"rank{rank}")
        weights = [k for k in single.files if k.startswith("arr_")]
        for key in weights:
            np.testing.assert_allclose(arrays[key], single[key], atol=1e-5, rtol=0)
        for key, values in logs_one["history"].items():
            np.testing.assert_allclose(logs["history"][key], values, rtol=1e-5)
        np.testing.assert_allclose(logs["evaluate"], logs_one["evaluate"], rtol=1e-5)
        assert arrays["predicted"].shape == (21, 4)
        np.testing.assert_allclose(
            arrays["predicted"], single["predicted"], atol=1e-5, rtol=0
        )


def test_a_model_built_before_the_distribution_is_refused_clearly(runs):
    _, _, two = runs
    for rank in (0, 1):
        _, logs = _load(two, f"rank{rank}")
        assert "was created before the distribution" in logs["refused"]
        assert "before building the model" in logs["refused"]
        assert "(Adafactor) reduces over whole variables" in logs["refused"]


def test_backup_and_restore_resumes_split_variables_exactly(runs):
    _, one, two = runs
    for directory, tag in ((one, "single"), (two, "rank0"), (two, "rank1")):
        _, logs = _load(directory, tag)
        assert logs["resumed_exactly"], tag
    assert not (two / "backup").exists()


def _h5_arrays(path):
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        with archive.open("model.weights.h5") as f, h5py.File(f) as h5:
            arrays = {}
            h5.visititems(
                lambda name, node: (
                    arrays.__setitem__(name, node[()])
                    if isinstance(node, h5py.Dataset)
                    else None
                )
            )
    return config, arrays


def test_saved_file_is_an_unsplit_models_and_loads_in_one_process(runs):
    _, one, two = runs
    assert not (two / "rank1.keras").exists()  # rank 0 writes
    config_two, arrays_two = _h5_arrays(two / "rank0.keras")
    config_one, arrays_one = _h5_arrays(one / "single.keras")
    assert config_two == config_one
    assert sorted(arrays_two) == sorted(arrays_one)  # optimizer state included
    for name, value in arrays_one.items():
        assert arrays_two[name].shape == value.shape, name
        np.testing.assert_allclose(arrays_two[name], value, atol=1e-5, rtol=0)
    x = np.random.RandomState(3).normal(size=(5, 6)).astype("float32")
    loaded = ember.models.load_model(two / "rank0.keras")
    expected = ember.models.load_model(one / "single.keras").predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-5)
    checkpoint = ember.models.load_model(two / "checkpoint.keras")
    np.testing.assert_allclose(checkpoint.predict(x, verbose=0), expected, atol=1e-5)


# ------------------------------------------------------ one process, no group
def _mesh(shape=(1, 1), names=("batch", "model")):
    return ember.distribution.DeviceMesh(shape, list(names), ["cpu:0"])


def test_layout_map_matches_whole_paths_by_regex():
    layout_map = ember.distribution.LayoutMap(_mesh())
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map["exact/bias"] = ember.distribution.TensorLayout(("model",))
    assert layout_map["dense_1/kernel"].axes == (None, "model")
    assert layout_map["dense_1/kernel"].device_mesh is layout_map.device_mesh
    assert layout_map["exact/bias"].axes == ("model",)
    assert layout_map["dense_1/kernel_x"] is None  # fullmatch, not search
    assert layout_map["conv2d/kernel"] is None
    assert len(layout_map) == 2 and list(layout_map) == [
        ".*dense.*kernel",
        "exact/bias",
    ]
    layout_map[".*_1/kernel"] = (None, None)
    with pytest.raises(ValueError, match="matches several keys"):
        layout_map["dense_1/kernel"]
    del layout_map[".*_1/kernel"]
    with pytest.raises(ValueError, match="already in the LayoutMap"):
        layout_map[".*dense.*kernel"] = (None, None)
    with pytest.raises(ValueError, match="TensorLayout"):
        layout_map["other"] = "model"


def test_model_parallel_arguments():
    with pytest.raises(ValueError, match="needs a `layout_map`"):
        ember.distribution.ModelParallel()
    with pytest.raises(ValueError, match="expected a `LayoutMap`"):
        ember.distribution.ModelParallel(layout_map={})
    layout_map = ember.distribution.LayoutMap(_mesh())
    with pytest.raises(ValueError, match="not an axis of the device mesh"):
        ember.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="data")
    with pytest.raises(ValueError, match="Unknown arguments"):
        ember.distribution.ModelParallel(layout_map=layout_map, shards=2)
    chosen = ember.distribution.ModelParallel(layout_map=layout_map)
    assert chosen.batch_dim_name == "batch" and chosen.num_model_replicas == 1
    assert chosen.get_data_layout((8, 3)).axes == ("batch", None)
    layout_map[".*kernel"] = (None, "model")
    kernel = ember.layers.Dense(3)
    kernel.build((None, 2))
    assert chosen.get_variable_layout(kernel.kernel).axes == (None, "model")
    assert chosen.get_variable_layout(kernel.bias).axes == (None,)


def test_fully_shard_splits_the_first_even_axis():
    mesh = ember.distribution.DeviceMesh((1,), ["batch"], ["cpu:0"])
    chosen = ember.distribution.DataParallel(device_mesh=mesh, fully_shard=True)
    dense = ember.layers.Dense(3)
    dense.build((None, 2))
    assert chosen.get_variable_layout(dense.kernel).axes == ("batch", None)
    assert not ember.distribution.DataParallel(device_mesh=mesh).fully_shard


def test_layouts_that_do_not_fit_are_refused_clearly():
    mesh = ember.distribution.DeviceMesh((2, 1), ["model", "batch"], ["cpu:0", "cpu:1"])
    dense = ember.layers.Dense(3)
    dense.build((None, 2))
    with pytest.raises(
        ValueError, match=r"into 2 equal parts \(the mesh axis 'model'\)"
    ):
        layouts.placements_for(
            ember.distribution.TensorLayout((None, "model"), mesh), dense.kernel
        )
    with pytest.raises(ValueError, match="has 1 axes but the variable has shape"):
        layouts.placements_for(
            ember.distribution.TensorLayout(("model",), mesh), dense.kernel
        )
    with pytest.raises(ValueError, match="at most one axis"):
        layouts.placements_for(
            ember.distribution.TensorLayout(("model", "model"), mesh), dense.kernel
        )


def test_model_parallel_in_one_process_trains_whole_variables():
    layout_map = ember.distribution.LayoutMap(_mesh())
    layout_map[".*kernel"] = (None, "model")
    chosen = ember.distribution.ModelParallel(layout_map=layout_map)
    with chosen.scope():
        model = ember.Sequential([ember.Input((4,)), ember.layers.Dense(2)])
        model.compile("sgd", "mse")
        model.fit(np.ones((8, 4)), np.zeros((8, 2)), epochs=1, verbose=0)
    assert ember.distribution.distribution() is None
    assert type(model.layers[0].kernel) is ember.Variable
