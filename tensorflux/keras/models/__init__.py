"""keras.models: Model, Sequential, load_model, save_model, clone_model, model_from_json."""
from tensorflux.keras.models.model import Model
from tensorflux.keras.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from tensorflux.keras.saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves a model (the same as `model.save(filepath)`; see keras.saving.save_model):
    `name.keras` (native zip), `name.h5` (legacy tf.keras file) or a directory.

    Args:
        model: the model to save.
        filepath: where to write it.
        overwrite: False refuses to replace an existing file (asks on a terminal).
        zipped: accepted for Keras compatibility (the file type follows the extension).
        **kwargs: `include_optimizer` and the tf.keras 2 arguments keras.saving.save_model
            accepts (`save_format`, ...).
    """
    from tensorflux.keras.saving import save_model as _save
    _save(model, filepath, overwrite=overwrite, **kwargs)


def model_from_json(json_string, custom_objects=None):
    import json
    from tensorflux.keras.saving.serialization import deserialize_keras_object
    return deserialize_keras_object(json.loads(json_string), custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights."""
    from tensorflux.keras.saving.serialization import (deserialize_keras_object,
                                                       serialize_keras_object)
    return deserialize_keras_object(serialize_keras_object(model))
