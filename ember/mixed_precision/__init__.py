"""`ember.mixed_precision`: half-precision compute with float32 weights.

`set_global_policy("mixed_float16")` (or `"mixed_bfloat16"`) makes layers
created afterwards compute in half precision under `torch.autocast` while
their weights stay float32; `compile()` then adds dynamic loss scaling for
float16 (`LossScaleOptimizer`).
"""

from ember.dtype_policies.dtype_policy import (
    DTypePolicy,
    dtype_policy,
    set_dtype_policy,
)
from ember.dtype_policies.dtype_policy import DTypePolicy as Policy
from ember.dtype_policies.dtype_policy import dtype_policy as global_policy
from ember.dtype_policies.dtype_policy import set_dtype_policy as set_global_policy
from ember.optimizers.loss_scale_optimizer import LossScaleOptimizer

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
