import os
import random

# Keras is the test oracle and must run on torch; set before anything imports it.
os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seeds."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    yield


def keras_or_skip():
    """Imports Keras 3 (the oracle) on the torch backend, or skips the test."""
    return pytest.importorskip("keras")
