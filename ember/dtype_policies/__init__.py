from ember.dtype_policies.dtype_policy import (
    DTypePolicy,
    dtype_policy,
    get,
    set_dtype_policy,
)

__all__ = ["DTypePolicy", "dtype_policy", "get", "set_dtype_policy"]
