"""Every metric of the case table against Keras 3: several updates (with and
without sample weights and masks), `result()` after each, then a reset."""

import pytest
from conftest import keras_or_skip
from metric_cases import CASES
from metrics_testing import batches, run_side_by_side

from ember import metrics

# Keras's R2Score warns when it falls back from the adjusted score.
pytestmark = pytest.mark.filterwarnings("ignore:.*Adjusted R2:UserWarning")


def _sweep():
    for param in CASES:
        class_name, kwargs, data, weights, atol = param.values
        for weight in weights:
            yield pytest.param(
                class_name, kwargs, data, weight, atol, id=f"{param.id}-{weight}"
            )


@pytest.mark.parametrize("class_name, kwargs, data, weights, atol", list(_sweep()))
def test_matches_keras(class_name, kwargs, data, weights, atol):
    keras = keras_or_skip()
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    run_side_by_side(ours, theirs, batches(data, weights), atol=atol, rtol=atol)
