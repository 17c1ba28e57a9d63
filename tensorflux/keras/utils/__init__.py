"""keras.utils: to_categorical, normalize, Progbar, set_random_seed, plot_model, PyDataset,
the custom-object registry, serialization, split_dataset, ... (Keras 3's keras.utils).

Names that live in another module (keras.saving, keras.config, keras.preprocessing,
keras.engine) are the same objects as there, imported on first use.
"""
import importlib as _importlib

import numpy as np

from tensorflux.keras.utils.progbar import Progbar
from tensorflux.keras.utils.image_dataset import image_dataset_from_directory  # noqa: F401
from tensorflux.keras.utils.py_dataset import PyDataset, Sequence  # noqa: F401
from tensorflux.keras.utils.general import Config, get_source_inputs, split_dataset  # noqa

# name -> module it lives in (imported on first use; one object, two spellings)
_ELSEWHERE = {
    "pad_sequences": "tensorflux.keras.preprocessing.sequence",
    "array_to_img": "tensorflux.keras.preprocessing.image",
    "img_to_array": "tensorflux.keras.preprocessing.image",
    "load_img": "tensorflux.keras.preprocessing.image",
    "save_img": "tensorflux.keras.preprocessing.image",
    "text_dataset_from_directory": "tensorflux.keras.preprocessing.dataset_utils",
    "timeseries_dataset_from_array": "tensorflux.keras.preprocessing.dataset_utils",
    "register_keras_serializable": "tensorflux.keras.saving.object_registration",
    "get_custom_objects": "tensorflux.keras.saving.object_registration",
    "get_registered_name": "tensorflux.keras.saving.object_registration",
    "get_registered_object": "tensorflux.keras.saving.object_registration",
    "custom_object_scope": "tensorflux.keras.saving.object_registration",
    "CustomObjectScope": "tensorflux.keras.saving.object_registration",
    "serialize_keras_object": "tensorflux.keras.saving.serialization",
    "deserialize_keras_object": "tensorflux.keras.saving.serialization",
    "pack_x_y_sample_weight": "tensorflux.keras.engine.data_adapter",
    "unpack_x_y_sample_weight": "tensorflux.keras.engine.data_adapter",
    "is_keras_tensor": "tensorflux.keras.engine.keras_tensor",
    "model_to_dot": "tensorflux.keras.utils.plotting",
    "enable_interactive_logging": "tensorflux.keras.config",
    "disable_interactive_logging": "tensorflux.keras.config",
    "is_interactive_logging_enabled": "tensorflux.keras.config",
}

# Keras 3 keras.utils names tensorflux does not provide, with what to use instead.
_UNSUPPORTED = {
    "FeatureSpace": "keras.utils.FeatureSpace (structured-data preprocessing) is not "
                    "implemented by tensorflux; combine keras.layers preprocessing layers "
                    "(Normalization, StringLookup, CategoryEncoding, ...) instead.",
    "audio_dataset_from_directory": "keras.utils.audio_dataset_from_directory is not "
                                    "implemented by tensorflux (no audio decoding).",
    "bounding_boxes": "keras.utils.bounding_boxes is not implemented by tensorflux.",
    "legacy": "keras.utils.legacy (tf.keras 2 serialization helpers) is not implemented by "
              "tensorflux; use keras.utils.serialize_keras_object / "
              "deserialize_keras_object.",
}


def __getattr__(name):
    module = _ELSEWHERE.get(name)
    if module is not None:
        value = getattr(_importlib.import_module(module), name)
        globals()[name] = value
        return value
    if name in _UNSUPPORTED:
        raise AttributeError(_UNSUPPORTED[name])
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"keras.utils.{name} is not implemented by tensorflux (module "
                         f"'tensorflux.keras.utils' has no attribute {name!r}).")


def __dir__():
    return sorted(set(globals()) | set(_ELSEWHERE))


def standardize_dtype(dtype):
    """A dtype (DType, NumPy dtype, Python type or name) -> Keras' dtype name ("float32",
    "int64", ...); None gives floatx. Python `int` is "int64", as with Keras' TensorFlow
    backend."""
    from tensorflux.keras.ops._common import standardize_dtype as _standardize
    if dtype is int or (isinstance(dtype, str) and dtype == "int"):
        return "int64"
    return _standardize(dtype)


def clear_session(free_memory=True):
    """Resets Keras' global state: layer-name counters and the default graph (also
    keras.backend.clear_session)."""
    from tensorflux.keras import backend
    backend.clear_session(free_memory=free_memory)


def to_categorical(x, num_classes=None):
    """Integer class vector -> one-hot matrix (float32), like Keras."""
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if num_classes is None:
        num_classes = int(x.max()) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: class values must be in [0, {num_classes}), got "
                         f"values from {int(x.min())} to {int(x.max())}.")
    categorical = np.zeros((x.shape[0], num_classes), dtype="float32")
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scales `x` to unit L-`order` norm along `axis`."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def set_random_seed(seed):
    """Seeds Python's, NumPy's and tensorflux's random generators."""
    import random
    import tensorflux as tf
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    # unseeded keras.random draws restart from a generator seeded by `random` (as Keras)
    from tensorflux.keras import random as keras_random
    keras_random._reset_global_seed_generator()


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    from tensorflux.keras.utils.plotting import plot_model as _plot
    return _plot(model, to_file, show_shapes, show_dtype, show_layer_names, rankdir,
                 expand_nested, dpi, show_layer_activations, show_trainable)


def get_file(*args, **kwargs):
    raise NotImplementedError("keras.utils.get_file (downloads) is not implemented by "
                              "tensorflux yet.")
