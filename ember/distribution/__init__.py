"""`ember.distribution`: Keras's distribution API on `torch.distributed`.

Launch one process per device with `torchrun`; `fit()`, `evaluate()` and
`predict()` then run data-parallel with no change to the script.
"""

from ember.distribution.data_parallel import DataParallel
from ember.distribution.device_mesh import DeviceMesh
from ember.distribution.distribution import distribution, set_distribution
from ember.distribution.model_parallel import LayoutMap, ModelParallel
from ember.distribution.runtime import get_device_count, initialize, list_devices
from ember.distribution.tensor_layout import TensorLayout

__all__ = [
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
