"""`DTypePolicy`: the dtype a layer computes in and the dtype of its weights.

`"float32"` computes and stores in float32; `"mixed_float16"` and
`"mixed_bfloat16"` compute in half precision and keep float32 weights.
"""

from ember.backend import dtypes
from ember.backend.errors import ArgumentError

_GLOBAL_POLICY = None


class DTypePolicy:
    """A dtype policy for a layer.

    Args:
        name: `"float32"`, `"float64"`, `"bfloat16"`, `"float16"`,
            `"mixed_float16"` or `"mixed_bfloat16"`. Defaults to the global
            policy (`ember.config.floatx()` unless set otherwise).

    Example:

    >>> DTypePolicy("mixed_float16").compute_dtype
    'float16'
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        if not isinstance(name, str):
            raise ArgumentError(
                "dtype", "a dtype name such as 'float32' or 'mixed_float16'", name
            )
        if name.startswith("mixed_"):
            compute = name[len("mixed_") :]
            if compute not in ("float16", "bfloat16"):
                raise ArgumentError(
                    "dtype", "'mixed_float16' or 'mixed_bfloat16'", name
                )
            self._compute_dtype, self._variable_dtype = compute, "float32"
        else:
            try:
                dtype = dtypes.standardize_dtype(name)
            except ValueError:
                raise ArgumentError(
                    "dtype", "a dtype name such as 'float32' or 'mixed_float16'", name
                ) from None
            self._compute_dtype = self._variable_dtype = dtype
        self._name = name
        # Mixed policies run layer calls under `torch.autocast` (see Layer).
        self.is_mixed = self._compute_dtype != self._variable_dtype
        self.torch_compute_dtype = dtypes.to_torch_dtype(self._compute_dtype)

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def get(identifier) -> DTypePolicy:
    """Returns a `DTypePolicy` from a name, a policy, a torch dtype or a config."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return DTypePolicy(**identifier.get("config", identifier))
    if not isinstance(identifier, str):
        try:
            identifier = dtypes.standardize_dtype(identifier)
        except ValueError:
            raise ArgumentError(
                "dtype",
                "a dtype name such as 'float32', a DTypePolicy or None",
                identifier,
            ) from None
    return DTypePolicy(identifier)


def dtype_policy() -> DTypePolicy:
    """Returns the global dtype policy."""
    if _GLOBAL_POLICY is None:
        from ember.backend import config

        return DTypePolicy(config.floatx())
    return _GLOBAL_POLICY


def set_dtype_policy(policy) -> None:
    """Sets the global dtype policy (a name such as `"mixed_float16"` or a policy)."""
    global _GLOBAL_POLICY
    _GLOBAL_POLICY = None if policy is None else get(policy)
