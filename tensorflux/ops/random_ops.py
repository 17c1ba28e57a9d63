"""tf.random with TensorFlow's seed rules.

An op's randomness comes from a (global seed, op seed) pair:
  * neither set: fresh entropy each program run;
  * global seed set (`tf.random.set_seed`), op seed not: the op seed is taken from a counter
    that `set_seed` resets, so the same program gives the same numbers run after run;
  * op seed set, global not: the global seed defaults to a fixed value (as TF's 87654321).
Eagerly, repeated calls with the same pair continue one stream (different numbers each call,
the same sequence each run); in a graph each op owns its stream, advanced by each Session.run.

Also here: the stateless ops (tf.random.stateless_*, a pure function of an explicit shape-[2]
seed tensor) and tf.random.Generator (an int64 state variable driving those stateless ops).
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
# the stateless ops and Generator are exported through tf.random only (tensorflux/random.py)

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


# ---- stateless random ops ----------------------------------------------------------------------
# tf.random.stateless_*: the numbers are a pure function of (shape, seed, parameters). The seed is
# an int32/int64 tensor of shape [2] and an input of the op, so it may be computed or fed at run
# time; the same seed gives the same numbers eagerly, in tf.function and in TF1 graphs.
#
# The values come from NumPy's Philox bit generator keyed by the seed (see
# kernels/random.seed_generator); TensorFlow also uses Philox but derives its key and counter
# differently, so the numbers differ from TensorFlow's while the distributions are the same.

register_op("StatelessRandomNormal", rk.stateless_normal, _random_shape, _dtype_attr)
register_op("StatelessRandomUniform", rk.stateless_uniform, _random_shape, _dtype_attr)
register_op("StatelessTruncatedNormal", rk.stateless_truncated_normal, _random_shape,
            _dtype_attr)
register_op("StatelessRandomUniformInt", rk.stateless_uniform_int, _random_shape, _dtype_attr)
register_op("StatelessRandomUniformFullInt", rk.stateless_uniform_full_int, _random_shape,
            _dtype_attr)
register_op("StatelessRandomBinomial", rk.stateless_binomial, _random_shape, _dtype_attr)
register_op("StatelessRandomGamma", rk.stateless_gamma, _random_shape, _dtype_attr)
register_op("StatelessRandomPoisson", rk.stateless_poisson, _random_shape, _dtype_attr)
register_op("StatelessMultinomial", rk.stateless_categorical,
            lambda inputs, attrs: [TensorShape([inputs[0].shape[0], attrs["num_samples"]])
                                   if inputs[0].shape.rank else TensorShape(None)],
            _dtype_attr)
register_op("StatelessShuffle", rk.stateless_shuffle, lambda inputs, attrs: [inputs[0].shape])
register_op("StatelessSplit", rk.stateless_split,
            lambda inputs, attrs: [TensorShape([attrs["num"], 2])])
register_op("StatelessFoldIn", rk.stateless_fold_in, lambda inputs, attrs: [TensorShape([2])])
not_differentiable("StatelessRandomNormal", "StatelessRandomUniform", "StatelessTruncatedNormal",
                   "StatelessRandomUniformInt", "StatelessRandomUniformFullInt",
                   "StatelessRandomBinomial", "StatelessRandomGamma", "StatelessRandomPoisson",
                   "StatelessMultinomial", "StatelessShuffle", "StatelessSplit",
                   "StatelessFoldIn")

_UNIFORM_DTYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64", "uint32",
                   "uint64")
_FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _seed_tensor(seed):
    """`seed` as an int32/int64 tensor of shape [2] (checked statically when known)."""
    from tensorflux.framework import errors
    if hasattr(seed, "_as_tensor"):
        seed = seed._as_tensor()
    seed = to_tensor(seed)
    if seed.dtype not in (dtypes.int32, dtypes.int64):
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'Tseed' of {seed.dtype.name} is not in the list of "
            f"allowed values: int32, int64")
    shape = seed.shape
    if shape.rank is not None and (shape.rank != 1 or shape[0] not in (None, 2)):
        raise errors.InvalidArgumentError(
            None, None, f"seed must have shape [2], not {list(shape.as_tuple())}")
    return seed


def _check_dtype(dtype, allowed, argument="dtype"):
    dtype = dtypes.as_dtype(dtype)
    if dtype.name not in allowed:
        raise ValueError(f"Argument `{argument}` got invalid value {dtype!r}. Accepted dtypes "
                         f"are ({', '.join('tf.' + d for d in allowed)}).")
    return dtype


def _param(value, dtype):
    """A parameter (Python number or tensor) as a tensor of `dtype`."""
    if hasattr(value, "_as_tensor"):
        value = value._as_tensor()
    from tensorflux.framework.tensor import Tensor
    if isinstance(value, Tensor):
        if value.dtype != dtype:
            from tensorflux.ops import math_ops
            value = math_ops.cast(value, dtype)
        return value
    return to_tensor(np.asarray(value, dtype=dtype.as_numpy_dtype))


def _is_number(value, target):
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and \
        value == target


def _scale_shift(values, scale, shift, dtype):
    """values * scale + shift (skipping the identity cases, which keeps exact values)."""
    if not _is_number(scale, 1):
        values = values * _param(scale, dtype)
    if not _is_number(shift, 0):
        values = values + _param(shift, dtype)
    return values


def stateless_random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                            name=None, alg="auto_select"):
    """Deterministic N(mean, stddev^2) samples: the same (shape, seed) gives the same values.

    `seed` is an int32/int64 tensor of shape [2]. The values come from NumPy's Philox
    generator keyed by the seed, so they differ from TensorFlow's (same distribution).
    """
    dtype = _check_dtype(dtype, _FLOAT_DTYPES)
    values = apply("StatelessRandomNormal", [_shape_tensor(shape), _seed_tensor(seed)],
                   {"dtype": dtype.as_numpy_dtype}, name)
    return _scale_shift(values, stddev, mean, dtype)


def stateless_random_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32,
                             name=None, alg="auto_select"):
    """Deterministic uniform samples on [minval, maxval).

    Floats: `maxval` defaults to 1. Integers (int32, int64, uint32, uint64): give both
    `minval` and `maxval`, or both as None for integers over the dtype's whole range.
    `seed` is an int32/int64 tensor of shape [2]; the values come from NumPy's Philox
    generator keyed by the seed, so they differ from TensorFlow's (same distribution).
    """
    dtype = _check_dtype(dtype, _UNIFORM_DTYPES)
    shape, seed = _shape_tensor(shape), _seed_tensor(seed)
    if dtype.is_integer:
        if minval is None and maxval is None:
            return apply("StatelessRandomUniformFullInt", [shape, seed],
                         {"dtype": dtype.as_numpy_dtype}, name)
        if minval is None or maxval is None:
            raise ValueError(f"For integer `dtype` argument {dtype!r}, argument `minval` and "
                             f"`maxval` must be both None or not None. Got `minval`={minval} "
                             f"and `maxval`={maxval}.")
        return apply("StatelessRandomUniformInt",
                     [shape, seed, _param(minval, dtype), _param(maxval, dtype)],
                     {"dtype": dtype.as_numpy_dtype}, name)
    if maxval is None:
        maxval = 1
    values = apply("StatelessRandomUniform", [shape, seed], {"dtype": dtype.as_numpy_dtype},
                   name)
    if _is_number(minval, 0):
        return _scale_shift(values, maxval, 0, dtype)
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
        return _scale_shift(values, maxval - minval, minval, dtype)
    low, high = _param(minval, dtype), _param(maxval, dtype)
    return values * (high - low) + low


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                               name=None, alg="auto_select"):
    """Deterministic normal samples redrawn when beyond two standard deviations."""
    dtype = _check_dtype(dtype, _FLOAT_DTYPES)
    values = apply("StatelessTruncatedNormal", [_shape_tensor(shape), _seed_tensor(seed)],
                   {"dtype": dtype.as_numpy_dtype}, name)
    return _scale_shift(values, stddev, mean, dtype)


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None):
    """Deterministic class indices, `num_samples` per row of 2-D `logits`."""
    dtype = _check_dtype(dtype, ("int32", "int64"))
    return apply("StatelessMultinomial", [to_tensor(logits), _seed_tensor(seed)],
                 {"num_samples": int(num_samples), "dtype": dtype.as_numpy_dtype}, name)


def stateless_random_binomial(shape, seed, counts, probs, output_dtype=dtypes.int32,
                              name=None):
    """Deterministic Binomial(counts, probs) samples (counts/probs broadcast to `shape`)."""
    dtype = dtypes.as_dtype(output_dtype)
    return apply("StatelessRandomBinomial",
                 [_shape_tensor(shape), _seed_tensor(seed), to_tensor(counts), to_tensor(probs)],
                 {"dtype": dtype.as_numpy_dtype}, name)


def stateless_random_gamma(shape, seed, alpha, beta=None, dtype=dtypes.float32, name=None):
    """Deterministic Gamma(alpha, beta) samples (beta is the rate; alpha broadcasts)."""
    dtype = _check_dtype(dtype, _FLOAT_DTYPES)
    values = apply("StatelessRandomGamma",
                   [_shape_tensor(shape), _seed_tensor(seed), _param(alpha, dtype)],
                   {"dtype": dtype.as_numpy_dtype}, name)
    return values if beta is None else values / _param(beta, dtype)


def stateless_random_poisson(shape, seed, lam, dtype=dtypes.int32, name=None):
    """Deterministic Poisson(lam) samples."""
    dtype = dtypes.as_dtype(dtype)
    return apply("StatelessRandomPoisson", [_shape_tensor(shape), _seed_tensor(seed),
                                            to_tensor(lam)],
                 {"dtype": dtype.as_numpy_dtype}, name)


def stateless_shuffle(value, seed, alg="auto_select", name=None):
    """`value` with its first axis deterministically permuted."""
    return apply("StatelessShuffle", [to_tensor(value), _seed_tensor(seed)], {}, name)


def stateless_split(seed, num=2, alg="auto_select"):
    """`num` new seeds, a [num, 2] tensor of `seed`'s dtype, derived from `seed`."""
    return apply("StatelessSplit", [_seed_tensor(seed)], {"num": int(num)})


def stateless_fold_in(seed, data, alg="auto_select"):
    """A new seed (shape [2], `seed`'s dtype) derived from `seed` and the integer `data`."""
    return apply("StatelessFoldIn", [_seed_tensor(seed), to_tensor(data)], {})


stateless_normal = stateless_random_normal
stateless_uniform = stateless_random_uniform
stateless_multinomial = stateless_categorical
stateless_binomial = stateless_random_binomial
stateless_gamma = stateless_random_gamma
stateless_poisson = stateless_random_poisson


# ---- tf.random.Generator ----------------------------------------------------------------------
class Algorithm:
    """RNG algorithms (tf.random.Algorithm); tensorflux always uses NumPy's Philox."""
    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


_STATE_SIZE = 3          # [counter_lo, counter_hi, key], the layout of TF's Philox state


def _algorithm(alg):
    if alg is None or alg in ("philox", "auto_select", Algorithm.PHILOX, Algorithm.AUTO_SELECT):
        return Algorithm.PHILOX
    if alg in ("threefry", Algorithm.THREEFRY):
        return Algorithm.THREEFRY
    raise ValueError(f"Unsupported algorithm id: {alg}")


def create_rng_state(seed, alg):
    """The initial state for `seed` (an int, or a 1-D array of ints): [seed..., 0...]."""
    _algorithm(alg)
    values = np.asarray(seed, dtype=np.int64).reshape(-1)
    if values.size > _STATE_SIZE:
        raise ValueError(f"Seed {seed} is too long for the RNG state of size {_STATE_SIZE}.")
    state = np.zeros(_STATE_SIZE, np.int64)
    state[:values.size] = values
    return state


def _non_deterministic_ints(n):
    return np.random.SeedSequence().generate_state(n, np.uint64).astype(np.int64)


class Generator:
    """A stateful random-number generator (tf.random.Generator).

    The state is an int64 variable [counter_lo, counter_hi, key]; every draw runs a stateless
    op keyed by the current state and then advances the counter, so a generator created from
    a seed replays the same sequence (eagerly and in tf.function, where each call of the
    function advances the state). The numbers come from NumPy's Philox generator, not
    TensorFlow's Philox streams: they differ from TensorFlow's, with the same distributions.
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        from tensorflux.framework.variables import Variable
        if copy_from is not None:
            if state is not None or alg is not None:
                raise ValueError("When argument `copy_from` is not None, arguments `state` "
                                 "and `alg` must be None.")
            state = copy_from.state.numpy()
            alg = copy_from.algorithm
        elif state is None:
            raise ValueError("Argument `state` must not be None; use Generator.from_seed or "
                             "Generator.from_non_deterministic_state.")
        self._alg = _algorithm(alg)
        if hasattr(state, "numpy"):
            state = state.numpy()
        state = np.asarray(state, dtype=np.int64).reshape(-1)
        if state.size != _STATE_SIZE:
            raise ValueError(f"The size of the state must be {_STATE_SIZE}, got {state.size}.")
        self._state_var = Variable(state, trainable=False, name="StateVar", dtype=dtypes.int64)

    # ---- construction ----
    @classmethod
    def from_state(cls, state, alg):
        return cls(state=state, alg=alg)

    @classmethod
    def from_seed(cls, seed, alg=None):
        return cls(state=create_rng_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        return cls(state=np.concatenate([[0, 0], _non_deterministic_ints(1)]), alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg):
        counter = np.asarray(counter, np.int64).reshape(-1)
        return cls(state=np.concatenate([counter, np.asarray(key, np.int64).reshape(-1)]),
                   alg=alg)

    def reset(self, state):
        if hasattr(state, "numpy"):
            state = state.numpy()
        self._state_var.assign(np.asarray(state, np.int64).reshape(-1))

    def reset_from_seed(self, seed):
        self.reset(create_rng_state(seed, self._alg))

    def reset_from_key_counter(self, key, counter):
        self.reset(np.concatenate([np.asarray(counter, np.int64).reshape(-1),
                                   np.asarray(key, np.int64).reshape(-1)]))

    @property
    def state(self):
        """The state variable (int64 [counter_lo, counter_hi, key])."""
        return self._state_var

    @property
    def algorithm(self):
        return self._alg

    @property
    def key(self):
        return self._state_var.read_value()[-1]

    def skip(self, delta):
        """Advances the counter by `delta` draws."""
        self._state_var.assign_add(np.array([int(delta), 0, 0], np.int64))

    # ---- drawing ----
    def _next_state(self):
        value = self._state_var.read_value() * 1      # a copy: the update below is in place
        self._state_var.assign_add(np.array([1, 0, 0], np.int64))
        return value

    def _draw(self, op, shape, extra=(), dtype=dtypes.float32, name=None):
        return apply(op, [_shape_tensor(shape), self._next_state()] + list(extra),
                     {"dtype": dtypes.as_dtype(dtype).as_numpy_dtype, "check_seed": False},
                     name)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        dtype = _check_dtype(dtype, _FLOAT_DTYPES)
        return _scale_shift(self._draw("StatelessRandomNormal", shape, dtype=dtype, name=name),
                            stddev, mean, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        dtype = _check_dtype(dtype, _FLOAT_DTYPES)
        return _scale_shift(self._draw("StatelessTruncatedNormal", shape, dtype=dtype,
                                       name=name), stddev, mean, dtype)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Uniform on [minval, maxval); integers need both bounds (or both None: full range)."""
        dtype = _check_dtype(dtype, _UNIFORM_DTYPES)
        if dtype.is_integer:
            if minval is None and maxval is None:
                return self.uniform_full_int(shape, dtype, name)
            if minval is None or maxval is None:
                raise ValueError(f"For integer dtype {dtype!r}, minval and maxval must be both "
                                 f"`None` or both non-`None`; got minval={minval} and "
                                 f"maxval={maxval}")
            return self._draw("StatelessRandomUniformInt", shape,
                              [_param(minval, dtype), _param(maxval, dtype)], dtype, name)
        if maxval is None:
            maxval = 1
        values = self._draw("StatelessRandomUniform", shape, dtype=dtype, name=name)
        if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
            return _scale_shift(values, maxval - minval, minval, dtype)
        low, high = _param(minval, dtype), _param(maxval, dtype)
        return values * (high - low) + low

    def uniform_full_int(self, shape, dtype=dtypes.uint64, name=None):
        dtype = _check_dtype(dtype, ("int32", "int64", "uint32", "uint64"))
        return self._draw("StatelessRandomUniformFullInt", shape, dtype=dtype, name=name)

    def binomial(self, shape, counts, probs, dtype=dtypes.int32, name=None):
        return self._draw("StatelessRandomBinomial", shape, [to_tensor(counts), to_tensor(probs)],
                          dtype, name)

    def make_seeds(self, count=1):
        """`count` seeds for the stateless ops: an int64 tensor of shape [2, count]."""
        return self.uniform_full_int([2, int(count)], dtypes.int64)

    def split(self, count=1):
        """`count` new generators, independent of this one and of each other (advances it)."""
        keys = np.asarray(self.uniform_full_int([int(count)], dtypes.int64))
        return [Generator(state=[0, 0, int(k)], alg=self._alg) for k in keys]


_global_generator = {"generator": None}


def get_global_generator():
    """The global Generator (created from a non-deterministic state on first use)."""
    if _global_generator["generator"] is None:
        _global_generator["generator"] = Generator.from_non_deterministic_state()
    return _global_generator["generator"]


def set_global_generator(generator):
    """Replaces the global Generator (existing references to the old one keep working)."""
    _global_generator["generator"] = generator
