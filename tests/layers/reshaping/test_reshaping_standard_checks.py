"""The shared layer checks (`run_layer_test`) for `Flatten`, `Reshape`,
`Permute` and `RepeatVector`: config round trip, symbolic vs eager, gradients,
`.to()`."""

import pytest

from ember.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from ember.testing import run_layer_test

CASES = {
    "flatten": (Flatten, {}, (2, 3, 4, 5), (2, 60)),
    "flatten-cf": (Flatten, {"data_format": "channels_first"}, (2, 3, 4, 5), (2, 60)),
    "reshape": (Reshape, {"target_shape": (4, -1)}, (2, 3, 4), (2, 4, 3)),
    "permute": (Permute, {"dims": (3, 1, 2)}, (2, 3, 4, 5), (2, 5, 3, 4)),
    "repeat_vector": (RepeatVector, {"n": 3}, (2, 4), (2, 3, 4)),
}


@pytest.mark.parametrize("cls,kwargs,shape,out", CASES.values(), ids=CASES)
def test_standard_layer_checks(cls, kwargs, shape, out):
    run_layer_test(
        cls,
        kwargs,
        input_shape=shape,
        expected_output_shape=out,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=False,
    )
