"""keras.layers."""
from tensorflux.keras.layers.base_layer import Layer, InputSpec
from tensorflux.keras.layers.core import (InputLayer, Input, Dense, Flatten, Dropout,
                                          Activation, Softmax, ReLU, LeakyReLU, Reshape, Lambda,
                                          Identity, ELU, PReLU)
from tensorflux.keras.layers.merging import (Add, Subtract, Multiply, Average, Maximum,
                                             Minimum, Concatenate, Dot, add, subtract, multiply,
                                             average, maximum, minimum, concatenate, dot)

_OPTIONAL = ("conv", "pooling", "normalization", "recurrent", "embedding", "reshaping",
             "regularization", "preprocessing", "einsum_dense", "attention",
             "rms_normalization", "wrapper", "hashing", "image_augmentation")


def serialize(layer):
    """A layer's Keras 3 config dict ({"module", "class_name", "config", ...}), as
    `keras.layers.serialize`."""
    from tensorflux.keras.saving.serialization import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer described by `config` (from `serialize`, or a Keras 3 / tf.keras config).

    Raises:
        ValueError: the config does not describe a layer.
    """
    from tensorflux.keras.saving.serialization import deserialize_keras_object
    obj = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is "
                         f"not a `keras.layers.Layer`. Received: {config}")
    return obj


def __getattr__(name):
    import importlib
    for module_name in _OPTIONAL:
        try:
            module = importlib.import_module(f"tensorflux.keras.layers.{module_name}")
        except ModuleNotFoundError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"keras.layers.{name} is not implemented by tensorflux yet.")
