"""The bottom layer of ember: configuration, dtypes, variables, symbolic tensors.

Everything above (`ops`, `layers`, `models`, `trainers`) imports from here; this
package imports nothing from ember outside itself.
"""

from ember.backend import tree
from ember.backend.config import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
)
from ember.backend.dtypes import (
    dtype_of,
    is_float_dtype,
    is_int_dtype,
    standardize_dtype,
    to_torch_dtype,
)
from ember.backend.keras_tensor import KerasTensor, any_symbolic, is_keras_tensor
from ember.backend.naming import clear_session, get_uid
from ember.backend.symbolic import (
    FunctionOperation,
    Node,
    Operation,
    compute_output_spec,
    in_meta_pass,
    meta_weights,
    symbolic_op,
)
from ember.backend.variable import Variable, make_variable
