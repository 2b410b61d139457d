"""From a distribution's layouts to sharded variables: the torch mesh behind an
ember `DeviceMesh`, a `TensorLayout` as DTensor placements, and the function
`Layer.add_weight` passes each new trainable variable through.

Only distributions that split variables (`ModelParallel`,
`DataParallel(fully_shard=True)`) install it, and only when several processes
run; see `ember.backend.sharded_variable` for how layers, optimizers and saving
use the result.
"""

from ember.backend import sharding
from ember.distribution import runtime


def install(distribution) -> None:
    """Makes new trainable variables follow `distribution`'s layouts (or stop
    doing so, for `None` or a distribution that does not split variables)."""
    if distribution is None or not distribution._splits_variables:
        sharding.set_variable_factory(None)
        return
    sharding.set_variable_factory(lambda variable: _lay_out(distribution, variable))


def _lay_out(distribution, variable):
    if (runtime.env_int("WORLD_SIZE") or 1) > 1:
        runtime.initialize()  # the mesh's process groups need it
    if runtime.num_processes() <= 1:
        return variable  # one process holds everything
    layout = distribution.get_variable_layout(variable)
    mesh = torch_mesh(distribution.device_mesh)
    placements = placements_for(layout, variable)
    from ember.backend import sharded_variable

    return sharded_variable.shard_variable(
        variable, mesh, placements, data_axis(distribution)
    )


def torch_mesh(device_mesh):
    """The torch `DeviceMesh` of an ember one: the same shape and axis names,
    process `r` at the place of device `"<kind>:r"`. Made once per mesh
    (every process must make it, in the same order)."""
    cached = device_mesh.__dict__.get("_torch_mesh")
    if cached is not None:
        return cached
    import torch
    from torch.distributed.device_mesh import DeviceMesh as TorchMesh

    ranks = [_rank_of(d) for d in device_mesh.devices.reshape(-1).tolist()]
    if sorted(ranks) != list(range(runtime.num_processes())):
        raise ValueError(
            f"The device mesh's devices {device_mesh.devices.reshape(-1).tolist()} "
            f"must be the {runtime.num_processes()} processes' devices, one each: "
            "build it from `ember.distribution.list_devices()`."
        )
    device_type = runtime.rank_device().type
    mesh = TorchMesh(
        device_type,
        torch.tensor(ranks).reshape(device_mesh.shape),
        mesh_dim_names=tuple(device_mesh.axis_names),
    )
    device_mesh.__dict__["_torch_mesh"] = mesh
    return mesh


def data_axis(distribution):
    """The name of the mesh axis whose processes read different data (the
    batch axis), or `None` when there is one data replica."""
    mesh = distribution.device_mesh
    axis = mesh.axis_names.index(distribution.batch_dim_name)
    return None if mesh.shape[axis] <= 1 else distribution.batch_dim_name


def data_group(distribution):
    """The process group of the batch axis (`None`: one data replica)."""
    axis = data_axis(distribution)
    return (
        None if axis is None else torch_mesh(distribution.device_mesh).get_group(axis)
    )


def data_coordinates(distribution):
    """`(count, index)`: how many data replicas there are and which one this
    process is (its position along the batch axis)."""
    mesh = distribution.device_mesh
    axis = mesh.axis_names.index(distribution.batch_dim_name)
    position = [_rank_of(d) for d in mesh.devices.reshape(-1).tolist()].index(
        runtime.process_id()
    )
    coordinates = []
    for size in reversed(mesh.shape):
        coordinates.append(position % size)
        position //= size
    return mesh.shape[axis], list(reversed(coordinates))[axis]


def placements_for(layout, variable):
    """`layout` (one mesh axis name or `None` per variable axis) as DTensor
    placements (one per mesh axis), checked against `variable`'s shape."""
    from torch.distributed.tensor import Replicate, Shard

    mesh = layout.device_mesh
    axes = tuple(layout.axes)
    shape = tuple(variable.shape)
    if len(axes) != len(shape):
        raise ValueError(
            f"The layout {axes} for variable '{variable.path}' has {len(axes)} "
            f"axes but the variable has shape {shape}: give one entry (a mesh "
            "axis name or None) per variable axis in the LayoutMap."
        )
    placements = []
    for mesh_axis, mesh_size in zip(mesh.axis_names, mesh.shape):
        dims = [i for i, name in enumerate(axes) if name == mesh_axis]
        if len(dims) > 1:
            raise ValueError(
                f"The layout {axes} for variable '{variable.path}' splits "
                f"{len(dims)} axes along the mesh axis '{mesh_axis}'; a mesh "
                "axis can split at most one axis of a variable."
            )
        if not dims:
            placements.append(Replicate())
            continue
        if shape[dims[0]] % mesh_size:
            raise ValueError(
                f"Variable '{variable.path}' of shape {shape} cannot be split along "
                f"its axis {dims[0]} (size {shape[dims[0]]}) into {mesh_size} equal "
                f"parts (the mesh axis '{mesh_axis}'): choose a size divisible by "
                f"{mesh_size}, or another layout for this variable."
            )
        placements.append(Shard(dims[0]))
    return placements


def _rank_of(device) -> int:
    try:
        return int(str(device).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        raise ValueError(
            f"Device {device!r} of the device mesh is not of the form "
            "'<kind>:<index>': build the mesh from "
            "`ember.distribution.list_devices()`."
        ) from None
