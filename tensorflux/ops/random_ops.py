"""tf.random with TensorFlow's seed rules.

An op's randomness comes from a (global seed, op seed) pair:
  * neither set: fresh entropy each program run;
  * global seed set (`tf.random.set_seed`), op seed not: the op seed is taken from a counter
    that `set_seed` resets, so the same program gives the same numbers run after run;
  * op seed set, global not: the global seed defaults to a fixed value (as TF's 87654321).
Eagerly, repeated calls with the same pair continue one stream (different numbers each call,
the same sequence each run); in a graph each op owns its stream, advanced by each Session.run.
"""
import numpy as np

from tensorflux.framework import context, dtypes
from tensorflux.framework.registry import not_differentiable, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.kernels import random as rk
from tensorflux.ops._helpers import apply, to_tensor

__all__ = ["random_normal", "random_uniform", "truncated_normal", "random_shuffle",
           "set_random_seed", "set_seed", "normal", "uniform", "shuffle", "categorical",
           "multinomial", "get_seed"]

DEFAULT_GRAPH_SEED = 87654321


class _SeedState:
    global_seed = None
    op_counter = 0
    streams = {}


def set_seed(seed):
    """Sets the global random seed; the op-seed counter and eager streams restart."""
    _SeedState.global_seed = None if seed is None else int(seed)
    _SeedState.op_counter = 0
    _SeedState.streams = {}
    graph = context.get_default_graph()
    graph.seed = _SeedState.global_seed


set_random_seed = set_seed


def get_seed(op_seed):
    global_seed = _SeedState.global_seed
    if global_seed is None and not context.executing_eagerly():
        global_seed = context.get_default_graph().seed
    if global_seed is not None:
        if op_seed is None:
            _SeedState.op_counter += 1
            op_seed = _SeedState.op_counter
        return global_seed, int(op_seed)
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed)
    return None, None


def _generator(seed):
    global_seed, op_seed = get_seed(seed)
    if global_seed is None:
        return np.random.default_rng()
    if context.executing_eagerly():
        key = (global_seed, op_seed)
        stream = _SeedState.streams.get(key)
        if stream is None:
            stream = np.random.default_rng([global_seed & 0xFFFFFFFF, op_seed & 0xFFFFFFFF])
            _SeedState.streams[key] = stream
        return stream
    return np.random.default_rng([global_seed & 0xFFFFFFFF, op_seed & 0xFFFFFFFF])


def _random_shape(inputs, attrs):
    value = inputs[0]._constant_value()
    if value is None:
        n = inputs[0].shape[0] if inputs[0].shape.rank == 1 else None
        return [TensorShape(None if n is None else [None] * n)]
    return [TensorShape([int(d) for d in np.asarray(value).reshape(-1)])]


def _dtype_attr(d, attrs):
    return [dtypes.as_dtype(attrs["dtype"])]


register_op("RandomStandardNormal", rk.random_normal, _random_shape, _dtype_attr)
register_op("RandomUniform", rk.random_uniform, _random_shape, _dtype_attr)
register_op("TruncatedNormal", rk.truncated_normal, _random_shape, _dtype_attr)
register_op("RandomShuffle", rk.shuffle, lambda inputs, attrs: [inputs[0].shape])
not_differentiable("RandomStandardNormal", "RandomUniform", "TruncatedNormal", "RandomShuffle")


def _shape_tensor(shape):
    from tensorflux.ops.array_ops import _shape_input
    return _shape_input(shape)


def _scalar(value, dtype):
    if hasattr(value, "_as_tensor") or hasattr(value, "_value"):
        value = np.asarray(value)
    return np.asarray(value, dtype=dtype.as_numpy_dtype) if np.ndim(value) == 0 else \
        np.asarray(value, dtype=dtype.as_numpy_dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from N(mean, stddev^2)."""
    dtype = dtypes.as_dtype(dtype)
    return apply("RandomStandardNormal", [_shape_tensor(shape)],
                 {"mean": _scalar(mean, dtype), "stddev": _scalar(stddev, dtype),
                  "generator": _generator(seed), "dtype": dtype.as_numpy_dtype}, name)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples uniformly from [minval, maxval) (maxval defaults to 1 for floats)."""
    dtype = dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name}.")
        maxval = 1
    return apply("RandomUniform", [_shape_tensor(shape)],
                 {"minval": _scalar(minval, dtype), "maxval": _scalar(maxval, dtype),
                  "generator": _generator(seed), "dtype": dtype.as_numpy_dtype}, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples, redrawn when more than two standard deviations from the mean."""
    dtype = dtypes.as_dtype(dtype)
    return apply("TruncatedNormal", [_shape_tensor(shape)],
                 {"mean": _scalar(mean, dtype), "stddev": _scalar(stddev, dtype),
                  "generator": _generator(seed), "dtype": dtype.as_numpy_dtype}, name)


def random_shuffle(value, seed=None, name=None):
    """Shuffles along the first axis."""
    return apply("RandomShuffle", [to_tensor(value)], {"generator": _generator(seed)}, name)


register_op("Multinomial", rk.categorical,
            lambda inputs, attrs: [TensorShape([inputs[0].shape[0], attrs["num_samples"]])
                                   if inputs[0].shape.rank else TensorShape(None)],
            _dtype_attr)
not_differentiable("Multinomial")


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    dtype = dtypes.as_dtype(dtype or dtypes.int64)
    return apply("Multinomial", [to_tensor(logits)],
                 {"num_samples": int(num_samples), "generator": _generator(seed),
                  "dtype": dtype.as_numpy_dtype}, name)


multinomial = categorical
normal = random_normal
uniform = random_uniform
shuffle = random_shuffle
