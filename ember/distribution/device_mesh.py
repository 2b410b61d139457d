"""`DeviceMesh`: the devices of a distributed run, laid out along named axes."""

import math

import numpy as np

from ember.distribution.runtime import list_devices


class DeviceMesh:
    """A grid of devices with a name for each axis, as `keras.distribution.DeviceMesh`.

    On PyTorch each device is one process (started by `torchrun`), so a mesh's
    devices are the global ones `list_devices()` returns, one per rank.

    Args:
        shape: Tuple of integers, the mesh's shape, e.g. `(8,)` for data
            parallelism over 8 devices.
        axis_names: One name per axis of `shape`, e.g. `["batch"]`.
        devices: The devices (strings such as `"gpu:0"`). Defaults to `None`,
            meaning `ember.distribution.list_devices()`.

    Example:

    >>> mesh = ember.distribution.DeviceMesh((1,), ["batch"], devices=["cpu:0"])
    >>> mesh.shape
    (1,)
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError(
                "`DeviceMesh` needs a non-empty `shape` and `axis_names`. Received: "
                f"shape={shape}, axis_names={axis_names}."
            )
        shape, axis_names = tuple(shape), list(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(
                "`DeviceMesh`'s `shape` and `axis_names` must have the same length. "
                f"Received: shape={shape}, axis_names={axis_names}."
            )
        devices = np.array(list_devices() if devices is None else devices)
        if math.prod(shape) != devices.size:
            raise ValueError(
                f"`DeviceMesh` of shape {shape} needs {math.prod(shape)} devices but "
                f"{devices.size} were given ({devices.reshape(-1).tolist()}). "
                f"Received: shape={shape}."
            )
        self._shape = shape
        self._axis_names = axis_names
        self._devices = devices.reshape(shape)

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def axis_names(self) -> list:
        return self._axis_names

    @property
    def devices(self) -> np.ndarray:
        """The devices as a NumPy array of strings of shape `shape`."""
        return self._devices

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"
