"""keras.initializers: Glorot, He, LeCun, Orthogonal, constants and random distributions.

An initializer is called as `initializer(shape, dtype)` and returns a tensor. Random ones follow
Keras 3: they draw statelessly (keras.random) with a seed fixed at construction, so one instance
returns the same values on every call; see RandomInitializer.
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

    def clone(self):
        return self.__class__.from_config(self.get_config())


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


def _deserialize_seed(seed):
    from tensorflux.keras import random as keras_random
    config = seed.get("config", seed)
    return keras_random.SeedGenerator.from_config(config)


def _serialize_seed(seed):
    from tensorflux.keras import random as keras_random
    if isinstance(seed, keras_random.SeedGenerator):
        return {"module": "keras.random", "class_name": "SeedGenerator",
                "config": seed.get_config(), "registered_name": None}
    return seed


class RandomInitializer(Initializer):
    """Base of the random initializers, with Keras 3's seeding.

    `seed` may be an int, a `keras.random.SeedGenerator` or None. An int seed makes every
    call of the initializer return the same values (a stateless draw). None draws an int seed
    once, at construction, from Python's `random` module (as Keras' `make_default_seed`), so
    an unseeded instance also returns the same values on every call, while each new instance
    (e.g. each layer given the string 'glorot_uniform') gets its own seed, and
    `keras.utils.set_random_seed` makes the whole sequence reproducible. A SeedGenerator gives
    different values on each call. `get_config` reports the seed as given (None stays None).
    """

    def __init__(self, seed=None):
        from tensorflux.keras import random as keras_random
        self._init_seed = seed
        if seed is None:
            seed = keras_random._make_default_seed()
        elif isinstance(seed, dict):
            seed = _deserialize_seed(seed)
        elif isinstance(seed, bool) or not isinstance(
                seed, (int, np.integer, keras_random.SeedGenerator)):
            raise ValueError("`seed` argument should be an instance of "
                             "`keras.random.SeedGenerator()` or an integer. "
                             f"Received: seed={seed}")
        self.seed = int(seed) if isinstance(seed, np.integer) else seed

    def get_config(self):
        return {"seed": _serialize_seed(self._init_seed)}


_Seeded = RandomInitializer


def _random():
    from tensorflux.keras import random as keras_random
    return keras_random


class RandomNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return _random().normal(shape, mean=self.mean, stddev=self.stddev, dtype=dtype,
                                seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return _random().uniform(shape, minval=self.minval, maxval=self.maxval, dtype=dtype,
                                 seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class TruncatedNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return _random().truncated_normal(shape, mean=self.mean, stddev=self.stddev,
                                          dtype=dtype, seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape; with both axes lists, the products of those axes."""
    shape = tuple(int(d) for d in shape)
    if input_axes is not None and output_axes is not None:
        fan_in = int(np.prod([shape[a] for a in input_axes])) if input_axes else 1
        fan_out = int(np.prod([shape[a] for a in output_axes])) if output_axes else 1
        return fan_in, fan_out
    return _fans(shape)


def _axes(axes):
    return None if axes is None else [int(a) for a in axes]


class VarianceScaling(RandomInitializer):
    """Samples with variance scale / n, n = fan_in, fan_out or their average.

    `input_axes` / `output_axes` (Keras 3): when both are given, the fans are the products of
    the weight's sizes along those axes (as EinsumDense kernels need); otherwise the fans
    follow the usual Dense/convolution-kernel rule. `distribution="normal"` means a truncated
    normal, as in Keras 3.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: "
                             f"scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of "
                             f"{{'fan_in', 'fan_out', 'fan_avg'}}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}.Please use "
                             f"one of {{'uniform', 'truncated_normal', 'untruncated_normal'}}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = _axes(input_axes), _axes(output_axes)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[
            self.mode]
        scale = self.scale / max(1.0, n)
        random = _random()
        if self.distribution == "truncated_normal":
            # stddev of a unit normal truncated to [-2, 2]
            stddev = math.sqrt(scale) / 0.87962566103423978
            return random.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random.normal(shape, 0.0, math.sqrt(scale), dtype=dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _preset(name, scale, mode, distribution):
    class Preset(VarianceScaling):
        def __init__(self, seed=None, input_axes=None, output_axes=None):
            super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

        def get_config(self):
            return {"seed": _serialize_seed(self._init_seed), "input_axes": self.input_axes,
                    "output_axes": self.output_axes}
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


class Orthogonal(RandomInitializer):
    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows = int(np.prod(shape[:-1]))
        cols = int(shape[-1])
        flat = _random().normal((max(rows, cols), min(rows, cols)), seed=self.seed,
                                dtype="float64").numpy()
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        from tensorflux.keras import backend
        return tf.constant((self.gain * q[:rows, :cols]).reshape(tuple(shape)),
                           dtype=dtype or backend.floatx())

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


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
