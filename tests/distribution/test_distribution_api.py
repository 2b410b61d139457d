"""`ember.distribution`'s API and the data split, in one process (no group)."""

import numpy as np
import pytest
import torch

import ember
from ember import distribution
from ember.trainers.data.data_adapters import get_data_adapter
from ember.trainers.distributed import DistributedRun, Shard

_LAUNCH = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK")


@pytest.fixture
def clean_env(monkeypatch):
    for name in _LAUNCH + (
        "KERAS_DISTRIBUTION_JOB_ADDRESSES",
        "KERAS_DISTRIBUTION_NUM_PROCESSES",
        "KERAS_DISTRIBUTION_PROCESS_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    distribution.set_distribution(None)


def test_public_names_match_keras_increment():
    # Keras's names but `distribute_tensor` (a layout hint inside jitted code).
    assert sorted(distribution.__all__) == [
        "DataParallel",
        "DeviceMesh",
        "LayoutMap",
        "ModelParallel",
        "TensorLayout",
        "distribution",
        "get_device_count",
        "initialize",
        "list_devices",
        "set_distribution",
    ]


def test_list_devices_single_process(clean_env):
    assert distribution.list_devices("cpu") == ["cpu:0"]
    assert distribution.get_device_count("cpu") == 1
    gpus = distribution.list_devices("gpu")
    assert gpus == [f"gpu:{i}" for i in range(torch.cuda.device_count())]
    with pytest.raises(ValueError, match="device_type"):
        distribution.list_devices("tpu")


def test_list_devices_under_launcher_lists_one_device_per_process(clean_env):
    clean_env.setenv("MASTER_ADDR", "127.0.0.1")
    clean_env.setenv("MASTER_PORT", "29500")
    clean_env.setenv("RANK", "1")
    clean_env.setenv("WORLD_SIZE", "4")
    assert distribution.list_devices("cpu") == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    assert distribution.DataParallel().num_model_replicas == 4


def test_initialize_without_launcher_says_what_to_set(clean_env):
    with pytest.raises(RuntimeError) as info:
        distribution.initialize()
    message = str(info.value)
    assert "\n" not in message
    assert "MASTER_ADDR" in message and "torchrun --nproc_per_node" in message


def test_initialize_mismatched_world_sizes(clean_env):
    clean_env.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="num_processes=3 but WORLD_SIZE=2"):
        distribution.initialize(num_processes=3, process_id=0)
    clean_env.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "5")
    with pytest.raises(ValueError, match="num_processes=5 but WORLD_SIZE=2"):
        distribution.initialize()


def test_initialize_rejects_bad_arguments(clean_env):
    with pytest.raises(ValueError, match="rank is 2 but the world size is 2"):
        distribution.initialize("127.0.0.1:29500", num_processes=2, process_id=2)
    with pytest.raises(ValueError, match="host:port"):
        distribution.initialize("127.0.0.1", num_processes=2, process_id=0)
    with pytest.raises(ValueError, match="2 jobs but num_processes=3"):
        distribution.initialize("a:1,b:2", num_processes=3, process_id=0)


def test_device_mesh_and_layouts():
    mesh = distribution.DeviceMesh((2, 1), ["batch", "model"], ["cpu:0", "cpu:1"])
    assert mesh.devices.shape == (2, 1)
    assert mesh.axis_names == ["batch", "model"]
    with pytest.raises(ValueError, match="needs 4 devices but 2"):
        distribution.DeviceMesh((4,), ["batch"], ["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="same length"):
        distribution.DeviceMesh((2,), ["batch", "model"], ["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match=r"\['other'\] are not axes"):
        distribution.TensorLayout(("other", None), mesh)
    layout = distribution.TensorLayout(("batch", None))
    layout.device_mesh = mesh
    with pytest.raises(ValueError, match="cannot be replaced"):
        layout.device_mesh = mesh

    parallel = distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    assert parallel.batch_dim_name == "batch"
    assert parallel.num_model_replicas == 2
    assert parallel.get_data_layout((8, 3)).axes == ("batch", None)
    kernel = ember.Variable(torch.zeros(3, 4))
    assert parallel.get_variable_layout(kernel).axes == (None, None)
    assert parallel.get_tensor_layout("dense/kernel") is None
    with pytest.warns(UserWarning, match="1-D mesh"):
        assert distribution.DataParallel(mesh).batch_dim_name == "batch"


def test_set_distribution_and_scope(clean_env):
    parallel = distribution.DataParallel(devices=["cpu:0"])
    assert distribution.distribution() is None
    with parallel.scope():
        assert distribution.distribution() is parallel
    assert distribution.distribution() is None
    distribution.set_distribution(parallel)
    assert distribution.distribution() is parallel
    with pytest.raises(ValueError, match="DataParallel"):
        distribution.set_distribution("data_parallel")


def test_fit_with_a_mesh_larger_than_the_run_fails_clearly(clean_env):
    model = ember.Sequential([ember.Input((3,)), ember.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    distribution.set_distribution(distribution.DataParallel(devices=["cpu:0"] * 2))
    with pytest.raises(ValueError, match="Mismatched world sizes") as info:
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
    assert "torchrun --nproc_per_node=2" in str(info.value)


class _FakeRun:
    def __init__(self, world_size, rank):
        self.world_size, self.rank = world_size, rank
        self.data_count, self.data_index = world_size, rank

    def broadcast(self, tensor):
        return tensor


@pytest.mark.parametrize("size", [96, 37, 5, 1], ids=lambda s: f"size{s}")
def test_training_split_covers_each_global_batch(size):
    world, global_batch = 4, 8
    order = torch.randperm(size)
    shards = [Shard(_FakeRun(world, r), training=True) for r in range(world)]
    parts = [shard.take(order) for shard in shards]
    per_rank = shards[0].batch_size(global_batch)
    assert per_rank == 2
    # Every process has the same number of items (padding repeats the head).
    assert {len(p) for p in parts} == {shards[0].size(size)}
    steps = -(-len(parts[0]) // per_rank)
    seen = []
    for step in range(steps):
        batch = torch.cat([p[step * per_rank : (step + 1) * per_rank] for p in parts])
        seen.append(batch)
        if (step + 1) * global_batch <= size:
            # Without padding, step s covers what one process's step s covers.
            expected = order[step * global_batch : (step + 1) * global_batch]
            assert sorted(batch.tolist()) == sorted(expected.tolist())
    assert set(torch.cat(seen).tolist()) == set(range(size))
    with pytest.raises(ValueError, match="batch_size=10 is the global batch"):
        shards[0].batch_size(10)


@pytest.mark.parametrize("size", [37, 3, 0], ids=lambda s: f"size{s}")
def test_evaluation_split_counts_every_item_once_in_order(size):
    order = torch.arange(size)
    shards = [Shard(_FakeRun(3, r), training=False) for r in range(3)]
    parts = [shard.take(order) for shard in shards]
    assert [len(p) for p in parts] == [s.size(size) for s in shards]
    assert torch.cat(parts).tolist() == list(range(size))


def test_array_adapter_with_a_shard_yields_this_process_share():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    shard = Shard(_FakeRun(2, 1), training=True)
    adapter = get_data_adapter(x, x[:, :1], batch_size=4, shard=shard)
    assert adapter.num_batches == 3
    rows = torch.cat([batch[0][:, 0] for batch in adapter]) / 2
    assert rows.tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]


def test_generators_cannot_be_split():
    shard = Shard(_FakeRun(2, 0), training=True)
    batches = ((np.zeros((2, 1)), np.zeros((2, 1))) for _ in range(2))
    with pytest.raises(ValueError, match="auto_shard_dataset=False"):
        get_data_adapter(batches, shard=shard)


def test_device_mismatch_errors_say_what_to_do():
    run = DistributedRun.__new__(DistributedRun)
    run.rank, run.device = 1, torch.device("cpu")
    with pytest.raises(RuntimeError, match="weights are on cuda:0 but process 1"):
        run.check_model_device(torch.device("cuda", 0))
    run.check_model_device(torch.device("cpu"))  # CPU weights are just moved
    batch = (torch.zeros(2, 3, device="meta"), torch.zeros(2, 1))
    with pytest.raises(RuntimeError, match="The data is on meta but") as info:
        run.check_batch_device(batch)
    assert "\n" not in str(info.value)


def test_single_process_run_is_not_distributed(clean_env):
    clean_env.setenv("WORLD_SIZE", "1")
    from ember.trainers.distributed import current_run

    assert current_run() is None


def test_fit_as_one_of_several_processes_without_master_addr(clean_env):
    clean_env.setenv("WORLD_SIZE", "2")
    clean_env.setenv("RANK", "0")
    model = ember.Sequential([ember.Input((3,)), ember.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(RuntimeError, match="MASTER_ADDR, MASTER_PORT not set") as info:
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
    assert "\n" not in str(info.value)


class _Batches(ember.utils.PyDataset):
    def __len__(self):
        return 5

    def __getitem__(self, index):
        return np.full((2, 1), index, "float32"), np.zeros((2, 1), "float32")


def test_py_dataset_batches_are_dealt_out_whole():
    seen = []
    for rank in range(2):
        shard = Shard(_FakeRun(2, rank), training=True)
        adapter = get_data_adapter(_Batches(), shard=shard)
        assert adapter.num_batches == 3
        seen.append([int(batch[0][0, 0]) for batch in adapter])
    # Padded to 6 with the first batch: every process runs 3 steps.
    assert seen == [[0, 2, 4], [1, 3, 0]]
    evaluation = [
        [
            int(b[0][0, 0])
            for b in get_data_adapter(_Batches(), shard=Shard(_FakeRun(2, r), False))
        ]
        for r in range(2)
    ]
    assert evaluation == [[0, 1], [2, 3, 4]]


class _Pairs(torch.utils.data.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return torch.tensor([float(i)]), torch.tensor([0.0])


def test_data_loader_is_rebuilt_with_the_global_batch_split():
    rows = []
    for rank in range(2):
        loader = torch.utils.data.DataLoader(_Pairs(), batch_size=4)
        shard = Shard(_FakeRun(2, rank), training=True)
        adapter = get_data_adapter(loader, shard=shard)
        assert adapter.num_batches == 3
        rows.append([b[0][:, 0].tolist() for b in adapter])
    assert rows[0] == [[0.0, 2.0], [4.0, 6.0], [8.0]]
    assert rows[1] == [[1.0, 3.0], [5.0, 7.0], [9.0]]


def test_data_loaders_that_cannot_be_split_say_so():
    shard = Shard(_FakeRun(2, 0), training=True)
    custom = torch.utils.data.DataLoader(_Pairs(), batch_sampler=[[0, 1], [2, 3]])
    with pytest.raises(ValueError, match="its own sampler"):
        get_data_adapter(custom, shard=shard)
    already = torch.utils.data.DataLoader(
        _Pairs(),
        batch_size=2,
        sampler=torch.utils.data.DistributedSampler(_Pairs(), 2, 1, shuffle=False),
    )
    adapter = get_data_adapter(already, shard=shard)
    assert [b[0][:, 0].tolist() for b in adapter][0] == [1.0, 3.0]


@pytest.fixture
def one_process_group(tmp_path, clean_env):
    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path}/store", rank=0, world_size=1
    )
    yield
    dist.destroy_process_group()


def test_gather_predictions_keeps_structure_dtypes_and_order(one_process_group):
    from ember.trainers.distributed import current_run

    assert current_run() is None  # one process: nothing to distribute
    run = DistributedRun()
    outputs = [
        {"b": np.arange(4, dtype="int64").reshape(2, 2), "a": np.array([True, False])},
        {"b": np.arange(4, 6, dtype="int64").reshape(1, 2), "a": np.array([True])},
    ]
    result = run.gather_predictions(outputs)
    assert list(result) == ["b", "a"]
    assert result["a"].dtype == np.bool_ and result["a"].tolist() == [1, 0, 1]
    assert result["b"].tolist() == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(ValueError, match="received no data"):
        run.gather_predictions([])
