"""keras.initializers: Glorot, He, LeCun, Orthogonal, constants and random distributions.

An initializer is called as `initializer(shape, dtype)` and returns an eager tensor. Random
ones draw from tf.random with the initializer's seed (or the global seed rules).
"""
import math

import numpy as np

import tensorflux as tf
from tensorflux.keras._registry import lookup


def _fans(shape):
    shape = list(shape)
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__}.__call__")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return tf.zeros(shape, dtype=dtype or tf.float32)


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return tf.ones(shape, dtype=dtype or tf.float32)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return tf.constant(np.broadcast_to(np.asarray(self.value), tuple(shape)).copy(),
                           dtype=dtype or tf.float32)

    def get_config(self):
        value = self.value
        return {"value": value.tolist() if isinstance(value, np.ndarray) else value}


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return tf.random.normal(shape, self.mean, self.stddev, dtype=dtype or tf.float32,
                                seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return tf.random.uniform(shape, self.minval, self.maxval, dtype=dtype or tf.float32,
                                 seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None):
        return tf.random.truncated_normal(shape, self.mean, self.stddev,
                                          dtype=dtype or tf.float32, seed=self.seed)


class VarianceScaling(_Seeded):
    """Samples with variance scale / n, n = fan_in, fan_out or their average."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"scale must be positive, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid mode {mode!r}: use fan_in, fan_out or fan_avg.")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(f"Invalid distribution {distribution!r}.")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        dtype = dtype or tf.float32
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[
            self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            # stddev of a unit normal truncated to [-2, 2]
            stddev = math.sqrt(scale) / 0.87962566103423978
            return tf.random.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)
        if self.distribution in ("untruncated_normal", "normal"):
            return tf.random.normal(shape, 0.0, math.sqrt(scale), dtype=dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return tf.random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _preset(name, scale, mode, distribution):
    class Preset(VarianceScaling):
        def __init__(self, seed=None):
            super().__init__(scale, mode, distribution, seed)

        def get_config(self):
            return {"seed": self.seed}
    Preset.__name__ = Preset.__qualname__ = name
    return Preset


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {list(shape)}.")
        return tf.constant(self.gain * np.eye(*shape), dtype=dtype or tf.float32)

    def get_config(self):
        return {"gain": self.gain}


class Orthogonal(_Seeded):
    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        flat = tf.random.normal([max(rows, cols), min(rows, cols)], seed=self.seed,
                                dtype=tf.float64).numpy()
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return tf.constant((self.gain * q[:rows, :cols]).reshape(shape),
                           dtype=dtype or tf.float32)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


# Keras 3's other spellings: the same classes (keras.initializers.orthogonal is Orthogonal)
OrthogonalInitializer, IdentityInitializer = Orthogonal, Identity
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal = HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
identity, orthogonal = Identity, Orthogonal

_TABLE = {c.__name__: c for c in (Zeros, Ones, Constant, RandomNormal, RandomUniform,
                                  TruncatedNormal, VarianceScaling, GlorotUniform, GlorotNormal,
                                  HeUniform, HeNormal, LecunUniform, LecunNormal, Identity,
                                  Orthogonal)}
_TABLE.update(zeros=Zeros, ones=Ones, constant=Constant, random_normal=RandomNormal,
              random_uniform=RandomUniform, truncated_normal=TruncatedNormal,
              variance_scaling=VarianceScaling, glorot_uniform=GlorotUniform,
              glorot_normal=GlorotNormal, he_uniform=HeUniform, he_normal=HeNormal,
              lecun_uniform=LecunUniform, lecun_normal=LecunNormal, identity=Identity,
              orthogonal=Orthogonal, uniform=RandomUniform, normal=RandomNormal,
              OrthogonalInitializer=Orthogonal, IdentityInitializer=Identity)


def get(identifier):
    return lookup("initializer", identifier, _TABLE)


def serialize(initializer):
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config, custom_objects=None):
    return get(config)
