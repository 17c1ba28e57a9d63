"""keras.ops: Keras 3's backend-agnostic operations, on tensorflux.

    from tensorflux import keras
    from tensorflux.keras import ops
    y = ops.mean(ops.square(x - ops.max(x, axis=-1, keepdims=True)), axis=-1)

The functions follow Keras 3's signatures and dtype rules (NumPy-style names and arguments,
Keras' type promotion). They run eagerly, inside tf.function, and on KerasTensors while a
functional model is defined (each call becomes a node of the model), and they differentiate
with tf.GradientTape. Grouped as in Keras: `ops.numpy`, `ops.nn`, `ops.linalg`, `ops.image`
(plus the core and math functions); all but the image functions are also available here.
A Keras function that tensorflux does not implement raises AttributeError on access.
"""
from tensorflux.keras.ops import numpy, nn, core, math, linalg, image  # noqa: F401
from tensorflux.keras.ops.numpy import *  # noqa: F401,F403
from tensorflux.keras.ops.math import *  # noqa: F401,F403
from tensorflux.keras.ops.core import *  # noqa: F401,F403
from tensorflux.keras.ops.nn import *  # noqa: F401,F403
from tensorflux.keras.ops.linalg import *  # noqa: F401,F403

__all__ = sorted(set(numpy.__all__) | set(math.__all__) | set(core.__all__) |
                 set(nn.__all__) | set(linalg.__all__)) + ["numpy", "nn", "linalg", "image"]


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"keras.ops.{name} is not implemented by tensorflux.")
