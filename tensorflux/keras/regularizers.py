"""keras.regularizers: L1/L2 weight penalties added to the model's loss."""
import tensorflux as tf
from tensorflux.keras._registry import lookup


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2)"""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = total + self.l1 * tf.reduce_sum(tf.abs(x))
        if self.l2:
            total = total + self.l2 * tf.reduce_sum(tf.square(x))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    def __init__(self, factor=0.01, mode="rows"):
        self.factor, self.mode = factor, mode

    def __call__(self, x):
        x = x if self.mode == "rows" else tf.transpose(x)
        normalized = tf.nn.l2_normalize(x, axis=1)
        product = tf.matmul(normalized, normalized, transpose_b=True)
        size = tf.cast(tf.shape(product)[0], x.dtype)
        off = product - tf.eye(tf.shape(product)[0], dtype=x.dtype) if hasattr(tf, "eye") \
            else product
        return self.factor * tf.reduce_sum(tf.abs(off)) / (size * (size - 1.0))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1, l2)


l1, l2 = L1, L2
_TABLE = {"L1L2": L1L2, "L1": L1, "L2": L2, "l1": L1, "l2": L2, "l1_l2": l1_l2,
          "OrthogonalRegularizer": OrthogonalRegularizer}


def get(identifier):
    return lookup("regularizer", identifier, _TABLE)


def serialize(regularizer):
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config, custom_objects=None):
    return get(config)
