"""keras.layers."""
from tensorflux.keras.layers.base_layer import Layer, InputSpec
from tensorflux.keras.layers.core import (InputLayer, Input, Dense, Flatten, Dropout,
                                          Activation, Softmax, ReLU, LeakyReLU, Reshape, Lambda,
                                          Identity, ELU, PReLU)
from tensorflux.keras.layers.merging import (Add, Subtract, Multiply, Average, Maximum,
                                             Minimum, Concatenate, Dot, add, subtract, multiply,
                                             average, maximum, minimum, concatenate, dot)

_OPTIONAL = ("conv", "pooling", "normalization", "recurrent", "embedding", "reshaping",
             "regularization", "preprocessing")


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
