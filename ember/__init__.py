"""ember: the Keras 3 API, running natively on PyTorch.

import ember as keras
"""

from ember import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from ember.backend import KerasTensor, Variable
from ember.backend.symbolic import Operation
from ember.dtype_policies import DTypePolicy
from ember.initializers import Initializer
from ember.layers import Input, InputSpec, Layer
from ember.losses import Loss
from ember.metrics import Metric
from ember.models import Model, Sequential
from ember.optimizers import Optimizer
from ember.regularizers import Regularizer

__version__ = "0.1.0"
version = __version__
