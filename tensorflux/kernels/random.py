"""Random kernels. Each draws from a NumPy Generator bound to the op (its seed pair)."""


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
    values = generator.random(shape)
    return (values * (maxval - minval) + minval).astype(dtype, copy=False)


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
    return (u > cumulative[:, None, :]).sum(axis=-1).astype(dtype)
