"""`ModelParallel` and `LayoutMap`: variables split across processes by
regular expressions on their paths."""

import collections.abc
import re

from ember.distribution.distribution import Distribution
from ember.distribution.tensor_layout import TensorLayout


class LayoutMap(collections.abc.MutableMapping):
    """Maps variable paths to `TensorLayout`s, as `keras.distribution.LayoutMap`.

    Keys are regular expressions: looking a path up returns the layout of the
    key equal to it, else of the one key that matches it whole
    (`re.fullmatch`); several matching keys are an error, none gives `None`.
    A value may be a `TensorLayout` or a tuple of mesh axis names and `None`s.

    Args:
        device_mesh: The `DeviceMesh` the layouts refer to.

    Example:

    >>> mesh = ember.distribution.DeviceMesh((1, 1), ["batch", "model"], ["cpu:0"])
    >>> layout_map = ember.distribution.LayoutMap(mesh)
    >>> layout_map[".*dense.*kernel"] = (None, "model")
    >>> layout_map["dense_1/kernel"].axes
    (None, 'model')
    >>> layout_map["conv2d/kernel"] is None
    True
    """

    def __init__(self, device_mesh):
        self._layout_map = collections.OrderedDict()
        self._device_mesh = device_mesh

    def __getitem__(self, key):
        if key in self._layout_map:
            return self._layout_map[key]
        matches = [
            pattern for pattern in self._layout_map if re.fullmatch(pattern, key)
        ]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches several keys of the LayoutMap: {matches}. "
                "Make the keys' regular expressions match each path at most once."
            )
        return self._layout_map[matches[0]] if matches else None

    def __setitem__(self, key, layout):
        if key in self._layout_map:
            raise ValueError(
                f"'{key}' is already in the LayoutMap, with the layout "
                f"{self._layout_map[key]}: each key may be set once."
            )
        if isinstance(layout, tuple):
            layout = TensorLayout(axes=layout, device_mesh=None)
        if not isinstance(layout, TensorLayout):
            raise ValueError(
                f"A LayoutMap value must be a `TensorLayout` or a tuple of mesh axis "
                f"names and None. Received: {layout!r} (of type "
                f"{type(layout).__name__}) for key '{key}'."
            )
        if layout.device_mesh is None and self._device_mesh is not None:
            layout.device_mesh = self._device_mesh
        self._layout_map[key] = layout

    def __delitem__(self, key):
        return self._layout_map.pop(key)

    def __len__(self):
        return len(self._layout_map)

    def __iter__(self):
        return iter(self._layout_map)

    @property
    def device_mesh(self):
        return self._device_mesh


class ModelParallel(Distribution):
    """Variables split across processes by a `LayoutMap`, data split along the
    mesh's batch axis, as `keras.distribution.ModelParallel`.

    On PyTorch each device is one process (`torchrun`). Every trainable
    variable created under this distribution is a torch `DTensor`: a variable
    whose layout names a mesh axis stores only its share along that axis, the
    others are replicated. A layer gathers its weights whole for its call; the
    backward pass averages each gradient over the batch axis and keeps each
    process's share, and the optimizer updates (and keeps its state for) that
    share only. `get_weights()`, `save()` and `.keras` files see whole values,
    so a saved model loads in one process, or under another mesh; they gather
    the shards, so every process calls them (as a torchrun script does), and
    rank 0 writes.

    Set the distribution before building the model (Keras's rule too):
    variables made earlier are not split. Element-wise optimizers update the
    shards (gradient norms for `clipnorm`/`global_clipnorm` gather them);
    Adafactor, whose statistics span whole variables, is refused.

    What is split is memory, not computation: each process stores its share
    of the variables, of their gradients and of the optimizer's state, while
    a step computes every layer whole (the outermost call gathers the whole
    weights, which the step holds until its backward pass). Non-trainable
    variables (e.g. moving statistics) stay whole on every process.

    Args:
        layout_map: The `LayoutMap` (its device mesh is the distribution's).
        batch_dim_name: The mesh axis the batch is split along. Defaults to
            the mesh's first axis.
        auto_shard_dataset: Whether each data replica gets its share of the
            data. Defaults to `True`.

    Example:

    ```python
    # torchrun --nproc_per_node=8 train.py
    mesh = ember.distribution.DeviceMesh(
        (2, 4), ["batch", "model"], ember.distribution.list_devices())
    layout_map = ember.distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map[".*dense.*bias"] = ("model",)
    ember.distribution.set_distribution(
        ember.distribution.ModelParallel(layout_map=layout_map))
    model = build_model()  # Dense kernels split in 4, data in 2
    ```
    """

    _splits_variables = True

    def __init__(
        self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, **kwargs
    ):
        kwargs.pop("device_mesh", None)  # Keras's older argument; the map's wins
        if kwargs:
            raise ValueError(
                f"Unknown arguments for `ModelParallel`: {sorted(kwargs)}. It takes "
                "layout_map, batch_dim_name and auto_shard_dataset."
            )
        if layout_map is None:
            raise ValueError(
                "`ModelParallel` needs a `layout_map`: "
                "ModelParallel(layout_map=LayoutMap(device_mesh))."
            )
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(
                "Invalid value for argument `layout_map` of `ModelParallel`: "
                f"expected a `LayoutMap`. Received: layout_map={layout_map!r}."
            )
        device_mesh = layout_map.device_mesh
        batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        if batch_dim_name not in device_mesh.axis_names:
            raise ValueError(
                f"`batch_dim_name='{batch_dim_name}'` is not an axis of the device "
                f"mesh, whose axes are {device_mesh.axis_names}."
            )
        super().__init__(device_mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map

    @property
    def num_model_replicas(self) -> int:
        """How many copies of the model read different data: the size of the
        mesh's batch axis."""
        axis = self.device_mesh.axis_names.index(self.batch_dim_name)
        return self.device_mesh.shape[axis]

    def get_data_layout(self, data_shape):
        """The layout of a batch: split along its first axis by the batch axis."""
        axes = [None] * len(data_shape)
        axes[0] = self.batch_dim_name
        return TensorLayout(axes, self.device_mesh)

    def get_variable_layout(self, variable):
        """The variable's layout from the `LayoutMap` (by its `path`), else
        replicated."""
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            return layout
        layout = self._layout_map[variable.path]
        if layout is not None:
            return layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        """The layout the `LayoutMap` gives `path` (or `None`)."""
        return self._layout_map[path]
