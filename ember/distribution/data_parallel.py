"""`DataParallel`: every process holds the whole model and trains on its share
of each batch; gradients are averaged (torch DistributedDataParallel)."""

import warnings

import numpy as np

from ember.distribution.device_mesh import DeviceMesh
from ember.distribution.distribution import Distribution
from ember.distribution.runtime import list_devices
from ember.distribution.tensor_layout import TensorLayout


class DataParallel(Distribution):
    """Data parallelism, as `keras.distribution.DataParallel`.

    On PyTorch this is one process per device, launched by `torchrun`; `fit()`
    wraps the model in `DistributedDataParallel`. `batch_size` stays the
    *global* batch, as in Keras: with 4 processes and `batch_size=64` each
    process trains on 16 samples a step. Give either `device_mesh` or `devices`;
    with neither, the mesh is built from `list_devices()`. Its size must equal
    the number of processes.

    Args:
        device_mesh: A 1-D `DeviceMesh` (for more axes, the first one is the
            batch axis). Defaults to `None`.
        devices: A list of devices for a 1-D mesh. Defaults to `None`.
        auto_shard_dataset: Whether each process gets its share of the data.
            Set `False` when the data is already split per process (for
            generators and iterable datasets, which cannot be split).
            Defaults to `True`.
        fully_shard: ember's switch for fully sharded data parallelism
            (FSDP, ZeRO-3): every trainable variable created under the
            distribution is split along its first axis that divides evenly
            among the processes (variables with none are replicated), and so
            is the optimizer's state. Computation is as with `False` (see
            `ModelParallel` for how split variables are used and saved).
            Defaults to `False`.

    Example:

    ```python
    # torchrun --nproc_per_node=2 train.py
    ember.distribution.set_distribution(ember.distribution.DataParallel())
    model.fit(x, y, batch_size=64)  # 32 samples per process and step
    ```
    """

    def __init__(
        self, device_mesh=None, devices=None, auto_shard_dataset=True, fully_shard=False
    ):
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError(
                    "Invalid value for argument `device_mesh` of `DataParallel`: "
                    f"expected a `DeviceMesh`. Received: device_mesh={device_mesh!r}."
                )
            if device_mesh.devices.ndim != 1:
                warnings.warn(
                    "`DataParallel` expects a 1-D mesh; got shape "
                    f"{device_mesh.shape}. "
                    "Its first axis is used as the batch axis.",
                    stacklevel=2,
                )
            batch_dim_name = device_mesh.axis_names[0]
        else:
            devices = np.array(list_devices() if not devices else devices)
            device_mesh = DeviceMesh(devices.shape, ["batch"], devices=devices)
            batch_dim_name = "batch"
        super().__init__(device_mesh, batch_dim_name, auto_shard_dataset)
        self._splits_variables = self.fully_shard = bool(fully_shard)

    @property
    def num_model_replicas(self) -> int:
        return int(self.device_mesh.devices.size)

    def get_data_layout(self, data_shape):
        """The layout of a batch: split along its first axis."""
        axes = [None] * len(data_shape)
        axes[0] = self.batch_dim_name
        return TensorLayout(axes, self.device_mesh)

    def get_variable_layout(self, variable):
        """The layout of a weight: every process holds all of it (with
        `fully_shard`, its first axis that divides evenly is split)."""
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            return layout
        axes = [None] * len(variable.shape)
        if self.fully_shard:
            parts = self.device_mesh.shape[0]
            for i, size in enumerate(variable.shape):
                if size >= parts and size % parts == 0:
                    axes[i] = self.batch_dim_name
                    break
        return TensorLayout(axes, self.device_mesh)

    def get_tensor_layout(self, path):
        """Data parallelism leaves intermediate tensors as they are: `None`."""
        return None
