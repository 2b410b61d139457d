"""`TensorLayout`: how a tensor's axes map onto a `DeviceMesh`'s axes."""


class TensorLayout:
    """The layout of a tensor over a device mesh, as `keras.distribution.TensorLayout`.

    Args:
        axes: One entry per tensor axis: the name of the mesh axis it is split
            along, or `None` for an axis that is not split.
        device_mesh: The `DeviceMesh`. Defaults to `None` (set it later, once).

    Example:

    >>> mesh = ember.distribution.DeviceMesh((1,), ["batch"], devices=["cpu:0"])
    >>> ember.distribution.TensorLayout(("batch", None), mesh).axes
    ('batch', None)
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def axes(self) -> tuple:
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(
                f"This `TensorLayout` already has a device mesh ({self._device_mesh}); "
                "it cannot be replaced. Make a new `TensorLayout` instead."
            )
        self._device_mesh = device_mesh
        self._validate_axes()

    def _validate_axes(self):
        if self._device_mesh is None:
            return
        unknown = set(self._axes) - {None} - set(self._device_mesh.axis_names)
        if unknown:
            raise ValueError(
                f"`TensorLayout` axes {sorted(unknown)} are not axes of the device "
                f"mesh, whose axes are {self._device_mesh.axis_names}. Received: "
                f"axes={self._axes}."
            )

    def __repr__(self) -> str:
        return f"<TensorLayout axes={self.axes}, device_mesh={self.device_mesh}>"
