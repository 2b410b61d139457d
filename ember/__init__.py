"""ember: the Keras 3 API, running natively on PyTorch.

    import ember as keras
"""

from ember import backend, dtype_policies, initializers, random
from ember.backend import KerasTensor, Variable
from ember.dtype_policies import DTypePolicy
from ember.layers import Input, InputSpec, Layer
from ember.models import Model, Sequential

__version__ = "0.1.0"
version = __version__
