"""keras.random: random tensors with Keras 3's seeding rules.

Every function takes `seed`:
  * an int: stateless, the same numbers on every call with that seed (and shape);
  * a `SeedGenerator`: its state (seed, counter) picks the numbers and the counter advances on
    each draw, so successive calls differ while a new generator with the same seed replays
    them;
  * None: the global SeedGenerator, seeded from Python's `random` module (so
    `keras.utils.set_random_seed(n)`, which reseeds `random` and resets the global
    generator, makes unseeded draws reproducible).

The numbers come from NumPy's PCG64 generator keyed by the seed pair (not TensorFlow's
Philox streams, so the values differ from TensorFlow's while following the same rules). The
draws are tensorflux ops taking the seed as an input tensor, so they run eagerly and inside
`tf.function` (where a SeedGenerator advances on every call of the function).
"""
import numbers
import random as _python_random

import numpy as np

from tensorflux.framework import dtypes
from tensorflux.framework.registry import _OPS, not_differentiable, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.kernels import random as _rk
from tensorflux.ops._helpers import apply, to_tensor
from tensorflux.ops.random_ops import _random_shape, _shape_tensor

__all__ = ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "dropout",
           "shuffle", "categorical", "gamma", "binomial", "beta"]


# ---- ops ----------------------------------------------------------------------------------------
def _rng(seed):
    words = [int(s) & 0xFFFFFFFF for s in np.asarray(seed).reshape(-1)[:2]]
    return np.random.default_rng(words)


def _stateless_kernel(xp, shape, seed, *params, dist, dtype):
    generator = _rng(seed)
    size = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    if dist == "normal":
        return _rk.random_normal(xp, shape, 0.0, 1.0, generator, dtype)
    if dist == "truncated_normal":
        return _rk.truncated_normal(xp, shape, 0.0, 1.0, generator, dtype)
    if dist == "uniform":
        return generator.random(size).astype(dtype)
    if dist == "randint":
        low, high = params
        return generator.integers(np.asarray(low), np.asarray(high), size=size).astype(dtype)
    if dist == "gamma":
        return generator.standard_gamma(params[0], size=size).astype(dtype)
    if dist == "binomial":
        return generator.binomial(np.asarray(params[0]).astype(np.int64), params[1],
                                  size=size).astype(dtype)
    if dist == "beta":
        return generator.beta(params[0], params[1], size=size).astype(dtype)
    raise ValueError(f"Unknown distribution {dist!r}.")


def _shuffle_kernel(xp, value, seed, axis):
    if value.ndim == 0:
        return value
    order = _rng(seed).permutation(value.shape[axis])
    return np.take(value, order, axis=axis)


def _categorical_kernel(xp, logits, seed, num_samples, dtype):
    return _rk.categorical(xp, logits, num_samples, _rng(seed), dtype)


def _dtype_attr(input_dtypes, attrs):
    return [dtypes.as_dtype(attrs["dtype"])]


if "KerasStatelessRandom" not in _OPS:
    register_op("KerasStatelessRandom", _stateless_kernel, _random_shape, _dtype_attr)
    register_op("KerasStatelessShuffle", _shuffle_kernel,
                lambda inputs, attrs: [inputs[0].shape],
                lambda input_dtypes, attrs: [input_dtypes[0]])
    register_op("KerasStatelessCategorical", _categorical_kernel,
                lambda inputs, attrs: [TensorShape([inputs[0].shape[0], attrs["num_samples"]])
                                       if inputs[0].shape.rank else TensorShape(None)],
                _dtype_attr)
    not_differentiable("KerasStatelessRandom", "KerasStatelessShuffle",
                       "KerasStatelessCategorical")


# ---- seeds --------------------------------------------------------------------------------------
_names = {}
_global = {"generator": None}


def _auto_name(prefix):
    count = _names.get(prefix, 0)
    _names[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def _make_default_seed():
    return _python_random.randint(1, int(1e9))


class SeedGenerator:
    """A random-seed state for the keras.random functions (and random layers).

    The state is a non-trainable int64 variable `[seed, counter]`; each draw uses the current
    state and then advances the counter, so two generators created with the same seed give
    the same sequence of random tensors.

    Args:
        seed: an int, or None for a seed drawn from Python's `random` module.
        name: the generator's name.

    Example:
        >>> gen = keras.random.SeedGenerator(1337)
        >>> a = keras.random.normal((2,), seed=gen)
        >>> b = keras.random.normal((2,), seed=gen)   # different from a
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or _auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = _make_default_seed()
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        from tensorflux.framework.variables import Variable
        self.state = Variable(np.array([int(seed), 0], dtype=np.int64), trainable=False,
                              name="seed_generator_state")

    def next(self, ordered=True):
        """The current state (an int64 tensor [seed, counter]); then advances it."""
        value = self.state.read_value() * 1      # a copy: the assignment below is in place
        if ordered:
            self.state.assign_add(np.array([0, 1], dtype=np.int64))
        else:
            self.state.assign((value + 1) * 5387 % 933199)
        return value

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name!r} seed={self._initial_seed}>"


def _global_seed_generator():
    if _global["generator"] is None:
        _global["generator"] = SeedGenerator()
    return _global["generator"]


def _reset_global_seed_generator():
    """Forgets the global generator (keras.utils.set_random_seed calls this)."""
    _global["generator"] = None


def _draw_seed(seed):
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return to_tensor(np.array([int(seed), 0], dtype=np.int64))
    if seed is None:
        return _global_seed_generator().next(ordered=False)
    raise ValueError(f"Argument `seed` must be either an integer or an instance of "
                     f"`SeedGenerator`. Received: seed={seed} (of type {type(seed)})")


def _float_dtype(dtype, function):
    from tensorflux.keras import backend
    dtype = dtypes.as_dtype(dtype or backend.floatx())
    if not dtype.is_floating:
        raise ValueError(f"`keras.random.{function}` requires a floating point `dtype`. "
                         f"Received: dtype={dtype.name} ")
    return dtype


def _draw(dist, shape, seed, dtype, params=()):
    inputs = [_shape_tensor(shape), _draw_seed(seed)] + [to_tensor(p) for p in params]
    return apply("KerasStatelessRandom", inputs,
                 {"dist": dist, "dtype": dtypes.as_dtype(dtype).as_numpy_dtype})


def _affine(values, scale, offset, dtype):
    """values * scale + offset, skipping the identity cases (keeps exact values)."""
    import tensorflux as tf
    if not (isinstance(scale, numbers.Number) and scale == 1):
        values = values * tf.cast(scale, dtype)
    if not (isinstance(offset, numbers.Number) and offset == 0):
        values = values + tf.cast(offset, dtype)
    return values


# ---- distributions ------------------------------------------------------------------------------
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev²) (dtype: floatx by default)."""
    dtype = _float_dtype(dtype, "normal")
    return _affine(_draw("normal", shape, seed, dtype), stddev, mean, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of the uniform distribution on [minval, maxval) (a floating dtype).

    Raises:
        ValueError: an integer `dtype` (use `randint`).
    """
    dtype = _float_dtype(dtype, "uniform")
    if isinstance(minval, numbers.Number) and isinstance(maxval, numbers.Number):
        return _affine(_draw("uniform", shape, seed, dtype), maxval - minval, minval, dtype)
    import tensorflux as tf
    low, high = tf.cast(minval, dtype), tf.cast(maxval, dtype)
    return _draw("uniform", shape, seed, dtype) * (high - low) + low


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn when more than two standard deviations from the mean."""
    dtype = _float_dtype(dtype, "truncated_normal")
    return _affine(_draw("truncated_normal", shape, seed, dtype), stddev, mean, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval) (an integer dtype, int32 by default).

    Raises:
        ValueError: a non-integer `dtype`.
    """
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_integer:
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: "
                         f"dtype={dtype.name} ")
    return _draw("randint", shape, seed, dtype,
                 (to_tensor(np.asarray(minval, np.int64)) if isinstance(minval, numbers.Number)
                  else minval,
                  to_tensor(np.asarray(maxval, np.int64)) if isinstance(maxval, numbers.Number)
                  else maxval))


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of the Gamma(alpha, 1) distribution."""
    dtype = _float_dtype(dtype, "gamma")
    return _draw("gamma", shape, seed, dtype, (alpha,))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of Binomial(counts, probabilities) as floats (floatx by default)."""
    dtype = _float_dtype(dtype, "binomial")
    return _draw("binomial", shape, seed, dtype, (counts, probabilities))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of the Beta(alpha, beta) distribution."""
    dtype = _float_dtype(dtype, "beta")
    return _draw("beta", shape, seed, dtype, (alpha, beta))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each entry with probability `rate` and scales the rest by 1 / (1 - rate).

    `noise_shape` (broadcastable to the input's shape; None entries take the input's size)
    shares one keep/drop decision along the axes where it is 1.
    """
    import tensorflux as tf
    inputs = tf.convert_to_tensor(inputs)
    if not 0 <= float(rate) < 1:
        raise ValueError(f"`rate` must be a scalar in the range [0, 1). Received: rate={rate}")
    if noise_shape is None:
        noise = tf.shape(inputs)
    else:
        dims = list(noise_shape)
        if any(d is None for d in dims):
            full = tf.shape(inputs)
            dims = [full[i] if d is None else d for i, d in enumerate(dims)]
            noise = tf.stack([tf.cast(d, tf.int32) for d in dims])
        else:
            noise = [int(d) for d in dims]
    keep = _draw("uniform", noise, seed, inputs.dtype) >= tf.cast(rate, inputs.dtype)
    scale = tf.cast(1.0 / (1.0 - float(rate)), inputs.dtype)
    return inputs * scale * tf.cast(keep, inputs.dtype)


def shuffle(x, axis=0, seed=None):
    """`x` with its entries along `axis` in random order."""
    x = to_tensor(x)
    rank = x.shape.rank
    axis = int(axis)
    if rank is not None and rank > 0:
        if not -rank <= axis < rank:
            raise ValueError(f"`axis` {axis} is out of bounds for a tensor of rank {rank}.")
        axis %= rank
    return apply("KerasStatelessShuffle", [x, _draw_seed(seed)], {"axis": axis})


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws `num_samples` class indices per row of 2-D `logits` (unnormalized log-probs).

    Raises:
        ValueError: `logits` not of rank 2.
    """
    logits = to_tensor(logits)
    if logits.shape.rank != 2:
        raise ValueError(f"`logits` should be a 2-D tensor with shape [batch_size, "
                         f"num_classes]. Received: logits={logits}")
    dtype = dtypes.as_dtype(dtype)
    return apply("KerasStatelessCategorical", [logits, _draw_seed(seed)],
                 {"num_samples": int(num_samples), "dtype": dtype.as_numpy_dtype})


def __getattr__(name):
    raise AttributeError(f"keras.random.{name} is not implemented by tensorflux.")
