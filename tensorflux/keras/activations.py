"""keras.activations: functions by name (strings in layer configs resolve here)."""
import numpy as np

import tensorflux as tf
from tensorflux.keras._registry import lookup


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return tf.nn.relu(x)
    x = tf.convert_to_tensor(x)
    negative = tf.nn.relu(-x + threshold) if negative_slope else None
    y = tf.where(x > threshold, x, tf.zeros_like(x))
    if max_value is not None:
        y = tf.minimum(y, tf.cast(max_value, x.dtype))
    if negative is not None:
        y = y - negative_slope * negative
    return y


def softmax(x, axis=-1):
    """Softmax that remembers its logits (for Keras' from_logits handling in losses)."""
    x = tf.convert_to_tensor(x)
    y = tf.nn.softmax(x, axis=axis)
    y._keras_logits = x
    return y


def log_softmax(x, axis=-1):
    return tf.nn.log_softmax(x, axis=axis)


def sigmoid(x):
    x = tf.convert_to_tensor(x)
    y = tf.nn.sigmoid(x)
    y._keras_logits = x
    return y


def tanh(x):
    return tf.nn.tanh(x)


def elu(x, alpha=1.0):
    y = tf.nn.elu(x)
    return y if alpha == 1.0 else tf.where(x > 0, y, alpha * y)


def selu(x):
    return tf.nn.selu(x)


def softplus(x):
    return tf.nn.softplus(x)


def softsign(x):
    return tf.nn.softsign(x)


def swish(x):
    return tf.nn.swish(x)


silu = swish


def gelu(x, approximate=False):
    return tf.nn.gelu(x, approximate=approximate)


def exponential(x):
    return tf.exp(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition)."""
    x = tf.convert_to_tensor(x)
    return tf.nn.relu6(x + 3.0) / 6.0


def hard_silu(x):
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def relu6(x):
    return tf.nn.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return tf.nn.leaky_relu(x, alpha=negative_slope)


def mish(x):
    return x * tf.tanh(tf.nn.softplus(x))


# ---- Keras 3's newer activations (computed by keras.ops.nn) -------------------------------------
def _nn():
    from tensorflux.keras.ops import nn
    return nn


def celu(x, alpha=1.0):
    """max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)."""
    return _nn().celu(x, alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b), with `x` split in halves a, b along `axis`."""
    return _nn().glu(x, axis=axis)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return _nn().hard_shrink(x, threshold=threshold)


def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return _nn().hard_tanh(x)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return _nn().log_sigmoid(x)


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    return _nn().soft_shrink(x, threshold=threshold)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)**2 / 4 for -1 < x < 1, x for x >= 1."""
    return _nn().sparse_plus(x)


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return _nn().sparse_sigmoid(x)


def sparsemax(x, axis=-1):
    """The Euclidean projection of `x` onto the probability simplex along `axis`."""
    return _nn().sparsemax(x, axis=axis)


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2."""
    return _nn().squareplus(x, b=b)


def tanh_shrink(x):
    """x - tanh(x)."""
    return _nn().tanh_shrink(x)


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    return _nn().threshold(x, threshold, default_value)


_TABLE = {f.__name__: f for f in (linear, relu, softmax, log_softmax, sigmoid, tanh, elu, selu,
                                 softplus, softsign, swish, gelu, exponential, hard_sigmoid,
                                 hard_silu, relu6, leaky_relu, mish, celu, glu, hard_shrink,
                                 hard_tanh, log_sigmoid, soft_shrink, sparse_plus,
                                 sparse_sigmoid, sparsemax, squareplus, tanh_shrink,
                                 threshold)}
_TABLE.update(silu=swish, hard_swish=hard_silu)


def get(identifier):
    """A string name, None (linear) or a callable -> the activation function."""
    if identifier is None:
        return linear
    return lookup("activation", identifier, _TABLE, instantiate=False)


def serialize(activation):
    for name, function in _TABLE.items():
        if function is activation:
            return name
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}.")
    return name


def deserialize(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)


del np
