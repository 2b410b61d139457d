"""`OptimizerVariables`: how an optimizer creates, orders and saves its state.

The state is a flat list of `ember.Variable`s in creation order, which is
Keras's order (`iteration`, `learning_rate`, then what `build` creates), so
`save_own_variables` writes the same `"0"`, `"1"`, ... entries as Keras.
"""

import warnings

import torch

from ember import initializers
from ember.backend import dtypes, sharding
from ember.backend.variable import Variable, make_variable
from ember.optimizers.base_mechanics import name_of


class OptimizerVariables:
    """The state-variable half of `Optimizer`: creation, listing, saving.

    Expects `self.name`, `self._device` and `self._variables` (a list) to be
    set by the optimizer's constructor.
    """

    @property
    def variables(self) -> list:
        """The optimizer's state variables, in Keras's order."""
        return self._variables[:]

    def add_variable(
        self,
        shape,
        initializer="zeros",
        dtype=None,
        aggregation="none",
        layout=None,
        name=None,
    ) -> Variable:
        """Creates a state variable (not trainable) and tracks it.

        `aggregation` and `layout` are accepted for compatibility with Keras
        and ignored. The variable is made on the device of the first variable
        the optimizer was built with (the CPU before `build`).
        """
        return self._add(shape, initializer, dtype, name or "variable", self._device)

    def add_variable_from_reference(
        self, reference_variable, name=None, initializer="zeros"
    ) -> Variable:
        """Creates a state variable shaped, typed and placed like
        `reference_variable`, named `<reference path>_<name>` as in Keras
        (e.g. `dense_kernel_momentum`)."""
        reference_name = getattr(reference_variable, "path", None)
        if reference_name is None:
            reference_name = name_of(reference_variable)
            reference_name = reference_name.replace(":", "_")
        variable = self._add(
            reference_variable.shape,
            initializer,
            reference_variable.dtype,
            f"{reference_name.replace('/', '_')}_{name or 'var'}",
            reference_variable.device,
        )
        if sharding.is_sharded(reference_variable):
            # Split across processes like its variable.
            variable = self._variables[-1] = sharding.shard_like(
                variable, reference_variable
            )
        return variable

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Creates one state variable per trainable variable for each name.

        With a list of names (and optionally one initializer per name), the
        variables are created interleaved, variable by variable, and a tuple
        of lists is returned; with a single name, one list.
        """
        names = [name] if isinstance(name, str) else list(name)
        if isinstance(initializer, (list, tuple)):
            initializers = list(initializer)
        else:
            initializers = [initializer] * len(names)
        if len(initializers) != len(names):
            raise ValueError(
                f"`add_optimizer_variables` needs one initializer per name. "
                f"Received: name={name!r}, initializer={initializer!r}."
            )
        created = tuple([] for _ in names)
        for variable in trainable_variables:
            for slots, slot_name, slot_initializer in zip(created, names, initializers):
                slots.append(
                    self.add_variable_from_reference(
                        variable, slot_name, slot_initializer
                    )
                )
        return created[0] if isinstance(name, str) else created

    def save_own_variables(self, store) -> None:
        """Writes the state into `store` under keys "0", "1", ... (Keras's)."""
        for index, variable in enumerate(self._variables):
            store[str(index)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Reads the state written by `save_own_variables` (or Keras)."""
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Optimizer '{self.name}' did not load its state: it has "
                f"{len(self._variables)} variables and the file holds "
                f"{len(store.keys())}. An optimizer is built by its first "
                "`apply` (or `build(variables)`); build it before loading.",
                stacklevel=2,
            )
            return
        for index, variable in enumerate(self._variables):
            variable.assign(store[str(index)])

    def _add(self, shape, initializer, dtype, name, device) -> Variable:
        shape = tuple(int(d) for d in shape)
        dtype = dtypes.standardize_dtype(dtype)
        initializer = initializers.get(initializer)
        with torch.device(device), torch.no_grad():
            value = torch.as_tensor(initializer(shape, dtype=dtype))
        variable = make_variable(
            value.to(device=device, dtype=dtypes.to_torch_dtype(dtype)),
            name=name,
            path=f"{self.name}/{name}",
            trainable=False,
        )
        return self._track(variable)

    def _track(self, variable: Variable) -> Variable:
        self._variables.append(variable)
        return variable

    def _place(self, variable: Variable, device) -> Variable:
        """`variable` on `device`: moved in place where torch allows it (CPU and
        accelerators), else replaced by a copy at the same place in the list."""
        if variable.device == device:
            return variable
        with torch.no_grad():
            try:
                variable.data = variable.data.to(device)
                return variable
            except RuntimeError:  # e.g. the meta device: no in-place move
                moved = make_variable(
                    variable.detach().to(device),
                    name=variable.name,
                    path=variable.path,
                    trainable=False,
                )
        self._variables = [moved if v is variable else v for v in self._variables]
        return moved
