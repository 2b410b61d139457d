"""Regularization layers: `Dropout`, `SpatialDropout1D/2D/3D`, `GaussianNoise`,
`GaussianDropout`, `AlphaDropout`, `ActivityRegularization`."""

from ember.layers.regularization.activity_regularization import (
    ActivityRegularization,
)
from ember.layers.regularization.alpha_dropout import AlphaDropout
from ember.layers.regularization.dropout import Dropout
from ember.layers.regularization.gaussian_dropout import GaussianDropout
from ember.layers.regularization.gaussian_noise import GaussianNoise
from ember.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)

__all__ = [
    "ActivityRegularization",
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]
