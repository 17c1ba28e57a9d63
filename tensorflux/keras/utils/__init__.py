"""keras.utils: to_categorical, normalize, Progbar, set_random_seed, plot_model, ..."""
import numpy as np

from tensorflux.keras.utils.progbar import Progbar
from tensorflux.keras.utils.image_dataset import image_dataset_from_directory  # noqa: F401

# Keras 3 exports these here too; they live in keras.preprocessing (imported on first use)
_PREPROCESSING = {"pad_sequences": "sequence", "array_to_img": "image",
                  "img_to_array": "image", "load_img": "image", "save_img": "image",
                  "text_dataset_from_directory": "dataset_utils",
                  "timeseries_dataset_from_array": "dataset_utils"}


def __getattr__(name):
    module = _PREPROCESSING.get(name)
    if module is None:
        raise AttributeError(f"module 'tensorflux.keras.utils' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"tensorflux.keras.preprocessing.{module}"), name)
    globals()[name] = value
    return value


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
