"""Random kernels.

Stateful ops draw from a NumPy Generator bound to the op (its seed pair); stateless ops take
the seed as an input array and build a Philox-backed Generator from it on every run.
"""
import numpy as np



def _shape(shape):
    return tuple(int(d) for d in shape.reshape(-1)) if hasattr(shape, "reshape") else \
        tuple(int(d) for d in shape)


def random_normal(xp, shape, mean, stddev, generator, dtype):
    values = generator.standard_normal(_shape(shape))
    return (values * stddev + mean).astype(dtype, copy=False)


def random_uniform(xp, shape, minval, maxval, generator, dtype):
    shape = _shape(shape)
    if xp.dtype(dtype).kind in "iu":
        return generator.integers(int(minval), int(maxval), size=shape).astype(dtype)
    values = generator.random(shape)     # [0, 1): nothing more to do for that range
    if not (np.ndim(minval) == 0 == np.ndim(maxval) and minval == 0 and maxval == 1):
        values *= maxval - minval
        values += minval
    return values.astype(dtype, copy=False)


def truncated_normal(xp, shape, mean, stddev, generator, dtype):
    """Normal samples redrawn until they lie within two standard deviations (as TF)."""
    shape = _shape(shape)
    values = generator.standard_normal(shape)
    bad = xp.abs(values) > 2.0
    while bad.any():
        values[bad] = generator.standard_normal(int(bad.sum()))
        bad = xp.abs(values) > 2.0
    return (values * stddev + mean).astype(dtype, copy=False)


def shuffle(xp, value, generator):
    return value[generator.permutation(value.shape[0])] if value.ndim else value


def categorical(xp, logits, num_samples, generator, dtype):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    p = xp.exp(shifted)
    p /= p.sum(axis=-1, keepdims=True)
    cumulative = xp.cumsum(p, axis=-1)
    u = generator.random((logits.shape[0], int(num_samples), 1))
    index = (u > cumulative[:, None, :]).sum(axis=-1)
    # rounding can leave the last cumulative probability just below a draw of u
    return xp.minimum(index, max(logits.shape[-1] - 1, 0)).astype(dtype)


# ---- stateless kernels: the seed is an input array, the numbers a pure function of it --------
def seed_generator(seed):
    """A NumPy Generator (Philox bit generator) keyed by an int seed array of any length.

    Each element is read as a 64-bit integer and split into two 32-bit words, so seeds that
    differ in any element (including int64 seeds beyond 2**32) give unrelated streams.
    """
    words = []
    for value in np.asarray(seed).astype(np.int64).reshape(-1).tolist():
        value &= 0xFFFFFFFFFFFFFFFF
        words += [value & 0xFFFFFFFF, value >> 32]
    return np.random.Generator(np.random.Philox(np.random.SeedSequence(words)))


def _check_seed(seed):
    if np.shape(seed) != (2,):
        from tensorflux.framework import errors
        raise errors.InvalidArgumentError(
            None, None, f"seed must have shape [2], not {list(np.shape(seed))}")


def _unit_uniform(generator, size, dtype):
    """Uniform on [0, 1) in `dtype` (never rounding up to 1 in low precision)."""
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.float64):
        return generator.random(size, dtype=dtype)
    values = generator.random(size, dtype=np.float32).astype(dtype)
    return np.minimum(values, np.nextafter(np.array(1, dtype), np.array(0, dtype)))


def stateless_normal(xp, shape, seed, dtype, check_seed=True):
    if check_seed:
        _check_seed(seed)
    return seed_generator(seed).standard_normal(_shape(shape)).astype(dtype, copy=False)


def stateless_uniform(xp, shape, seed, dtype, check_seed=True):
    if check_seed:
        _check_seed(seed)
    return _unit_uniform(seed_generator(seed), _shape(shape), dtype)


def stateless_truncated_normal(xp, shape, seed, dtype, check_seed=True):
    if check_seed:
        _check_seed(seed)
    return truncated_normal(xp, shape, 0.0, 1.0, seed_generator(seed), dtype)


def stateless_uniform_int(xp, shape, seed, minval, maxval, dtype, check_seed=True):
    """Integers in [minval, maxval) (broadcast to `shape`)."""
    if check_seed:
        _check_seed(seed)
    low, high = np.asarray(minval), np.asarray(maxval)
    if np.any(low >= high):
        from tensorflux.framework import errors
        raise errors.InvalidArgumentError(None, None, f"Need minval < maxval: {low} >= {high}")
    return seed_generator(seed).integers(low.astype(np.int64), high.astype(np.int64),
                                         size=_shape(shape)).astype(dtype)


def stateless_uniform_full_int(xp, shape, seed, dtype, check_seed=True):
    """Integers over the whole range of `dtype`."""
    if check_seed:
        _check_seed(seed)
    info = np.iinfo(dtype)
    return seed_generator(seed).integers(info.min, info.max, size=_shape(shape),
                                         dtype=dtype, endpoint=True)


def stateless_categorical(xp, logits, seed, num_samples, dtype):
    _check_seed(seed)
    if np.ndim(logits) != 2:
        from tensorflux.framework import errors
        raise errors.InvalidArgumentError(
            None, None, f"logits should be a matrix, got shape {list(np.shape(logits))}")
    samples = categorical(xp, logits, num_samples, seed_generator(seed), np.int64)
    return np.minimum(samples, max(logits.shape[-1] - 1, 0)).astype(dtype)


def stateless_binomial(xp, shape, seed, counts, probs, dtype, check_seed=True):
    if check_seed:
        _check_seed(seed)
    size = _shape(shape)
    counts = np.broadcast_to(np.asarray(counts), size).astype(np.int64)
    probs = np.clip(np.broadcast_to(np.asarray(probs, np.float64), size), 0.0, 1.0)
    return seed_generator(seed).binomial(counts, probs, size=size).astype(dtype)


def stateless_gamma(xp, shape, seed, alpha, dtype):
    _check_seed(seed)
    size = _shape(shape)
    alpha = np.broadcast_to(np.asarray(alpha, np.float64), size)
    return seed_generator(seed).standard_gamma(alpha, size=size).astype(dtype)


def stateless_poisson(xp, shape, seed, lam, dtype):
    _check_seed(seed)
    size = _shape(shape)
    lam = np.broadcast_to(np.asarray(lam, np.float64), size)
    return seed_generator(seed).poisson(lam, size=size).astype(dtype)


def stateless_shuffle(xp, value, seed):
    _check_seed(seed)
    return value[seed_generator(seed).permutation(value.shape[0])] if value.ndim else value


def stateless_split(xp, seed, num):
    """`num` new seeds (shape [num, 2], the dtype of `seed`) derived from `seed`."""
    _check_seed(seed)
    dtype = np.asarray(seed).dtype
    return stateless_uniform_full_int(xp, (int(num), 2), np.append(seed, -1), dtype,
                                      check_seed=False)


def stateless_fold_in(xp, seed, data):
    """A new seed (shape [2]) derived from `seed` and the integer `data`."""
    _check_seed(seed)
    dtype = np.asarray(seed).dtype
    key = np.concatenate([np.asarray(seed, np.int64).reshape(-1),
                          [-2, int(np.asarray(data))]])
    return stateless_uniform_full_int(xp, (2,), key, dtype, check_seed=False)
