"""`ember.saving`: Keras 3's `.keras` and `.weights.h5` files, configs and the
custom-object registry (`keras.saving`)."""

from ember.saving._weights_store import WeightsFormatError
from ember.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ember.saving.saving_api import load_model, load_weights, save_model, save_weights
from ember.saving.saving_lib import SavedModelError
from ember.saving.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope",
    "SavedModelError",
    "WeightsFormatError",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
