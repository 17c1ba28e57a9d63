"""keras.models: Model, Sequential, load_model, clone_model, model_from_json."""
from tensorflux.keras.models.model import Model
from tensorflux.keras.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from tensorflux.keras.saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None):
    import json
    from tensorflux.keras.saving.serialization import deserialize_keras_object
    return deserialize_keras_object(json.loads(json_string), custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights."""
    from tensorflux.keras.saving.serialization import (deserialize_keras_object,
                                                       serialize_keras_object)
    return deserialize_keras_object(serialize_keras_object(model))
