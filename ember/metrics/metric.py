"""`Metric`: the base class of stateful metrics, as `keras.metrics.Metric`."""

import functools

import torch

from ember import initializers
from ember.backend import config, dtypes
from ember.backend.naming import auto_name
from ember.backend.variable import make_variable
from ember.dtype_policies import DTypePolicy


class Metric:
    """Encapsulates a metric's state and the logic that updates and reads it.

    A metric accumulates statistics over batches with `update_state()` and
    reports them with `result()`; `reset_state()` starts over. State lives in
    non-trainable `ember.Variable`s made by `add_variable()` in `__init__`.

    A metric is neither a layer nor a `torch.nn.Module`: a model's `layers` and
    `parameters()` never list it. Updates run without autograd and never read
    values back to the host, so they stay on the device. The state lives on the
    device of the first tensors passed to `update_state()`; when later inputs
    come on another device, the state moves there once.

    Args:
        dtype: The dtype of the metric's computations. Defaults to `None`,
            meaning `ember.config.floatx()`. A `DTypePolicy` (or a name such as
            `"mixed_float16"`) gives its compute dtype.
        name: Name of the metric instance. Defaults to `None`, meaning the
            snake-cased class name, made unique (`"my_metric"`, then
            `"my_metric_1"`, ...).

    Subclasses create their variables in `__init__` with
    `self.var = self.add_variable(...)`, update them in `update_state()` and
    compute the value in `result()`:

    Example:

    >>> class CountPositives(ember.metrics.Metric):
    ...     def __init__(self, name="count_positives", dtype=None):
    ...         super().__init__(name=name, dtype=dtype)
    ...         self.count = self.add_variable(shape=(), initializer="zeros",
    ...                                        name="count")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.count.assign_add(torch.sum(torch.as_tensor(y_pred) > 0))
    ...     def result(self):
    ...         return self.count + 0
    >>> metric = CountPositives()
    >>> metric.update_state(None, torch.tensor([1.0, -2.0, 3.0]))
    >>> float(metric.result())
    2.0
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(type(self).__name__)
        self._dtype = _compute_dtype(dtype)
        self._variables = []
        self._metrics = []
        self._constants = {}
        self._device = torch.get_default_device()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        update = cls.__dict__.get("update_state")
        if update is not None and not getattr(update, "_ember_wrapped", False):
            cls.update_state = _on_device_without_grad(update)

    # ------------------------------------------------------------------ state

    def add_variable(
        self, shape, initializer, dtype=None, aggregation="sum", name=None
    ):
        """Creates a non-trainable state variable of the metric.

        Args:
            shape: Tuple of integers, the variable's shape.
            initializer: Initializer name, instance or callable, e.g. `"zeros"`.
            dtype: Dtype of the variable. Defaults to `None`, meaning
                `ember.config.floatx()` (not the metric's dtype).
            aggregation: How replicas combine the variable under distributed
                training: `"sum"`, `"mean"`, `"only_first_replica"` or
                `"none"`. Defaults to `"sum"`.
            name: Name of the variable. Defaults to `None`, meaning
                `"variable"`.

        Returns:
            An `ember.Variable` on the metric's device.
        """
        self._check_super_called()
        name = name or "variable"
        initializer = initializers.get(initializer)
        value = initializer(tuple(shape), dtype=dtypes.standardize_dtype(dtype))
        variable = make_variable(
            value.to(self._device),
            name=name,
            path=f"{self.name.replace('/', '>')}/{name}",
            trainable=False,
        )
        variable.__dict__["_ember_aggregation"] = aggregation
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of `add_variable` (for code written for older Keras)."""
        return self.add_variable(
            shape=shape, initializer=initializer, dtype=dtype, name=name
        )

    @property
    def variables(self) -> list:
        """The state variables: this metric's, then those of its sub-metrics."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    @property
    def dtype(self) -> str:
        """The dtype of the metric's computations, e.g. `"float32"`."""
        return self._dtype

    def reset_state(self) -> None:
        """Sets every state variable back to zero (called between epochs)."""
        with torch.no_grad():
            for variable in self.variables:
                variable.zero_()

    def update_state(self, *args, **kwargs) -> None:
        """Accumulates statistics for the metric (implemented by subclasses)."""
        raise TypeError(
            f"`{type(self).__name__}` does not implement `update_state()`. "
            "Subclasses of `Metric` define `update_state()` and `result()`."
        )

    def result(self) -> torch.Tensor:
        """Computes the metric's value from its state (implemented by subclasses).

        Returns:
            A tensor (0-d for scalar metrics), or a dict of tensors.
        """
        raise TypeError(
            f"`{type(self).__name__}` does not implement `result()`. "
            "Subclasses of `Metric` define `update_state()` and `result()`."
        )

    def __call__(self, *args, **kwargs):
        """Updates the state with the arguments, then returns `result()`."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # ---------------------------------------------------------- stateless API

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """Returns the values `metric_variables` would take after an update.

        The metric's own variables are left as they were.
        """
        with self._swapped_state(metric_variables) as variables:
            self.update_state(*args, **kwargs)
            return [v.data for v in variables]

    def stateless_result(self, metric_variables):
        """Returns `result()` computed from `metric_variables`."""
        with self._swapped_state(metric_variables):
            return self.result()

    def stateless_reset_state(self) -> list:
        """Returns the values the variables take after `reset_state()`."""
        with self._swapped_state([v.data for v in self.variables]) as variables:
            self.reset_state()
            return [v.data for v in variables]

    # ----------------------------------------------------------------- config

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        """Rebuilds a metric from the output of `get_config()`."""
        return cls(**config)

    def __setattr__(self, name, value):
        # Sub-metrics assigned as attributes contribute their variables.
        metrics = self.__dict__.get("_metrics")
        if metrics is not None and isinstance(value, Metric) and value is not self:
            if all(value is not m for m in metrics):
                metrics.append(value)
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"

    # -------------------------------------------------------------- internals

    def _add_constant(self, name, value, dtype=None) -> torch.Tensor:
        """Keeps a constant tensor that follows the state across devices."""
        dtype = None if dtype is None else dtypes.to_torch_dtype(dtype)
        constant = torch.as_tensor(value, dtype=dtype, device=self._device)
        self._constants[name] = constant
        return constant

    def _move_to(self, device) -> None:
        """Moves the state (and constants) of this metric and its sub-metrics."""
        for variable in self._variables:
            _move_variable(variable, device)
        for name, constant in self._constants.items():
            self._constants[name] = constant.to(device)
        self._device = device
        for metric in self._metrics:
            metric._move_to(device)

    def _swapped_state(self, values):
        return _SwappedState(self.variables, values, type(self).__name__)

    def _check_super_called(self) -> None:
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"`{type(self).__name__}.__init__()` did not call "
                "`super().__init__()`. Add it before creating variables."
            )


class _SwappedState:
    """Temporarily replaces the data of `variables` with `values`."""

    def __init__(self, variables, values, owner):
        if len(values) != len(variables):
            raise ValueError(
                f"Argument `metric_variables` must hold one tensor per variable of "
                f"`{owner}` ({len(variables)}). Received {len(values)}."
            )
        self.variables, self.values = variables, values

    def __enter__(self):
        self.saved = [v.data for v in self.variables]
        for variable, value in zip(self.variables, self.values):
            variable.data = torch.as_tensor(value, dtype=variable.dtype).clone()
        return self.variables

    def __exit__(self, *exc):
        for variable, saved in zip(self.variables, self.saved):
            variable.data = saved


def _move_variable(variable, device) -> None:
    """Moves `variable` to `device` in place: the object (and every reference
    to it) stays the same."""
    moved = variable.data.to(device)
    try:
        variable.data = moved
    except RuntimeError:
        # Devices whose tensors cannot share a Python object by `.data`
        # (e.g. meta): swap in a twin Variable, metadata included.
        twin = type(variable)(moved, variable.requires_grad)
        twin.__dict__.update(variable.__dict__)
        torch.utils.swap_tensors(variable, twin)


def _on_device_without_grad(update_state):
    """Wraps `update_state`: no autograd, and the state follows the inputs."""

    @functools.wraps(update_state)
    def wrapped(self, *args, **kwargs):
        state = self.__dict__
        if state.get("_updating"):  # a subclass calling super().update_state
            return update_state(self, *args, **kwargs)
        device = _first_device(args, kwargs)
        if device is not None and device != state.get("_device", device):
            self._move_to(device)
        state["_updating"] = True
        try:
            with torch.no_grad():
                return update_state(self, *args, **kwargs)
        finally:
            state["_updating"] = False

    wrapped._ember_wrapped = True
    return wrapped


def _first_device(args, kwargs):
    """The device of the inputs: the first accelerator one, else the first."""
    found = None
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor) and not value.is_meta:
            if not value.is_cpu:
                return value.device
            found = found or value.device
    return found


def _compute_dtype(dtype) -> str:
    """Keras's metric dtype: floatx by default, a policy's compute dtype."""
    if dtype is None:
        return config.floatx()
    if hasattr(dtype, "compute_dtype"):
        return dtype.compute_dtype
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return DTypePolicy(dtype).compute_dtype
    if dtype == "int" or dtype is int:
        return "int32"
    return dtypes.standardize_dtype(dtype)
