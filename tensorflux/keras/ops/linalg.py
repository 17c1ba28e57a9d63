"""keras.ops.linalg: the matrix functions tensorflux has ops for (decompositions such as
qr, svd, cholesky and eig are not implemented)."""
import numpy as np

import tensorflux as tf
from tensorflux.keras.ops._common import (keras_op, export, to_float, ndim_of, normalize_axis,
                                          not_implemented_getattr)


def _square(x, name):
    shape = x.shape.as_list()
    if len(shape) < 2 or (shape[-1] is not None and shape[-2] is not None and
                          shape[-1] != shape[-2]):
        raise ValueError(f"{name} needs (batches of) square matrices; got shape {shape}.")


@keras_op
def det(x):
    x = to_float(x)
    _square(x, "det")
    return tf.linalg.det(x)


@keras_op
def inv(x):
    x = to_float(x)
    _square(x, "inv")
    return tf.linalg.inv(x)


@keras_op
def solve(a, b):
    """x with a @ x = b (a square; b a matrix or, for a 2-D a, a vector)."""
    a = to_float(a)
    b = to_float(b)
    if b.dtype != a.dtype:
        b = tf.cast(b, a.dtype)
    _square(a, "solve")
    vector = ndim_of(b) == ndim_of(a) - 1
    if vector:
        b = b[..., None]
    result = tf.matmul(tf.linalg.inv(a), b)
    return result[..., 0] if vector else result


@keras_op
def solve_triangular(a, b, lower=False):
    """solve() using only the lower (or upper) triangle of a."""
    a = to_float(a)
    dynamic = tf.shape(a)
    rows = tf.reshape(tf.range(dynamic[-2]), [-1, 1])
    cols = tf.reshape(tf.range(dynamic[-1]), [1, -1])
    keep = cols <= rows if lower else cols >= rows
    a = tf.where(tf.broadcast_to(keep, tf.shape(a)), a, tf.zeros_like(a))
    return solve(a, b)


def _vector_norm(x, ord, axis, keepdims):
    magnitude = tf.abs(x)
    if ord is None or ord == 2:
        return tf.sqrt(tf.reduce_sum(tf.square(magnitude), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return tf.reduce_max(magnitude, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return tf.reduce_min(magnitude, axis=axis, keepdims=keepdims)
    if ord == 0:
        return tf.reduce_sum(tf.cast(tf.not_equal(x, tf.zeros_like(x)), x.dtype), axis=axis,
                             keepdims=keepdims)
    if ord == 1:
        return tf.reduce_sum(magnitude, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid `ord` {ord!r} for a vector norm.")
    p = tf.constant(np.asarray(ord, x.dtype.as_numpy_dtype))
    return tf.pow(tf.reduce_sum(tf.pow(magnitude, p), axis=axis, keepdims=keepdims),
                  1 / p)


def _matrix_norm(x, ord, axes, keepdims):
    row_axis, col_axis = axes
    magnitude = tf.abs(x)
    if ord is None or ord == "fro":
        result = tf.sqrt(tf.reduce_sum(tf.square(magnitude), axis=list(axes), keepdims=True))
    elif ord in (1, -1):
        sums = tf.reduce_sum(magnitude, axis=row_axis, keepdims=True)
        reduce = tf.reduce_max if ord == 1 else tf.reduce_min
        result = reduce(sums, axis=col_axis, keepdims=True)
    elif ord in (np.inf, -np.inf):
        sums = tf.reduce_sum(magnitude, axis=col_axis, keepdims=True)
        reduce = tf.reduce_max if ord == np.inf else tf.reduce_min
        result = reduce(sums, axis=row_axis, keepdims=True)
    elif ord in ("nuc", 2, -2):
        raise ValueError(f"The matrix norm ord={ord!r} needs singular values, which "
                         "tensorflux does not compute (keras.ops.svd is not implemented).")
    else:
        raise ValueError(f"Invalid `ord` {ord!r} for a matrix norm.")
    return result if keepdims else tf.squeeze(result, list(axes))


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):
    """NumPy's norm: vector norms over one axis, matrix norms over two (ord None, 'fro',
    1, -1, inf, -inf)."""
    x = to_float(x)
    rank = ndim_of(x)
    if axis is None:
        if ord is None:
            result = tf.sqrt(tf.reduce_sum(tf.square(tf.abs(x))))
            return tf.reshape(result, [1] * rank) if keepdims else result
        if rank == 1:
            axis = 0
        elif rank == 2:
            axis = (0, 1)
        else:
            raise ValueError("norm with `ord` and no `axis` needs a 1-D or 2-D input.")
    axes = normalize_axis(axis, rank)
    if isinstance(axes, int):
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: `axis` must be an int or a pair of ints; got {axis!r}.")


__all__ = export(globals(), [])
__getattr__ = not_implemented_getattr("keras.ops.linalg")
