"""Layers that change the shape of their input: `Flatten`, `Reshape`, `Permute`,
`RepeatVector`, `UpSampling1D/2D/3D`, `ZeroPadding1D/2D/3D`, `Cropping1D/2D/3D`."""

from ember.layers.reshaping.cropping1d import Cropping1D
from ember.layers.reshaping.cropping2d import Cropping2D
from ember.layers.reshaping.cropping3d import Cropping3D
from ember.layers.reshaping.flatten import Flatten
from ember.layers.reshaping.permute import Permute
from ember.layers.reshaping.repeat_vector import RepeatVector
from ember.layers.reshaping.reshape import Reshape
from ember.layers.reshaping.up_sampling1d import UpSampling1D
from ember.layers.reshaping.up_sampling2d import UpSampling2D
from ember.layers.reshaping.up_sampling3d import UpSampling3D
from ember.layers.reshaping.zero_padding1d import ZeroPadding1D
from ember.layers.reshaping.zero_padding2d import ZeroPadding2D
from ember.layers.reshaping.zero_padding3d import ZeroPadding3D

__all__ = [
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Flatten",
    "Permute",
    "RepeatVector",
    "Reshape",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
]
