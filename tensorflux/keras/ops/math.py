"""keras.ops math functions: segment reductions, top-k, logsumexp, erf, rsqrt, ..."""
import numpy as np

import tensorflux as tf
from tensorflux.framework.tensor import Tensor
from tensorflux.keras.ops._common import (keras_op, export, convert, to_float, ndim_of,
                                          normalize_axis, not_implemented_getattr)


def _segment(sum_fn, unsorted_fn, data, segment_ids, num_segments, sorted):
    data = convert(data)
    segment_ids = convert(segment_ids)
    if not segment_ids.dtype.is_integer:
        segment_ids = tf.cast(segment_ids, "int32")
    if num_segments is None:
        if sorted:
            return sum_fn(data, segment_ids)
        if isinstance(segment_ids, Tensor) and segment_ids._value is not None:
            num_segments = int(np.max(segment_ids.numpy(), initial=-1)) + 1
        else:
            num_segments = tf.reduce_max(segment_ids) + 1
    return unsorted_fn(data, segment_ids, num_segments)


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return _segment(tf.math.segment_sum, tf.math.unsorted_segment_sum, data, segment_ids,
                    num_segments, sorted)


@keras_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return _segment(tf.math.segment_max, tf.math.unsorted_segment_max, data, segment_ids,
                    num_segments, sorted)


@keras_op
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return _segment(tf.math.segment_min, tf.math.unsorted_segment_min, data, segment_ids,
                    num_segments, sorted)


@keras_op
def top_k(x, k, sorted=True):
    """(values, indices) of the k largest entries along the last axis."""
    result = tf.math.top_k(convert(x), k=int(k), sorted=sorted)
    return result[0], tf.cast(result[1], "int32")


@keras_op
def in_top_k(targets, predictions, k):
    """Whether each target class is among the k largest predictions of its row."""
    targets = convert(targets)
    if not targets.dtype.is_integer:
        targets = tf.cast(targets, "int32")
    predictions = to_float(predictions)
    return tf.nn.in_top_k(targets=targets, predictions=predictions, k=int(k))


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    x = to_float(x)
    axes = normalize_axis(axis, ndim_of(x)) if axis is not None else None
    return tf.reduce_logsumexp(x, axis=axes, keepdims=keepdims)


@keras_op
def erf(x):
    return tf.math.erf(to_float(x))


@keras_op
def erfc(x):
    return tf.math.erfc(to_float(x))


@keras_op
def rsqrt(x):
    return tf.math.rsqrt(to_float(x))


@keras_op
def logdet(x):
    """log(det(x)) of (batches of) Hermitian positive-definite matrices."""
    x = to_float(x)
    return tf.math.log(tf.linalg.det(x))


@keras_op
def cdist(x, y):
    """Euclidean distances between the rows of x (..., m, d) and of y (..., n, d)."""
    x = to_float(x)
    y = tf.cast(to_float(y), x.dtype) if to_float(y).dtype != x.dtype else to_float(y)
    difference = tf.expand_dims(x, -2) - tf.expand_dims(y, -3)
    return tf.sqrt(tf.reduce_sum(tf.square(difference), axis=-1))


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` along the last axis, every `sequence_stride` steps:
    shape (..., num_sequences, sequence_length)."""
    x = convert(x)
    size = x.shape[-1]
    size = getattr(size, "value", size)
    if size is None:
        raise ValueError("extract_sequences needs a statically known last dimension.")
    count = 1 + (size - int(sequence_length)) // int(sequence_stride)
    indices = (np.arange(count)[:, None] * int(sequence_stride) +
               np.arange(int(sequence_length))[None, :]).astype(np.int32)
    return tf.gather(x, tf.constant(indices), axis=ndim_of(x) - 1)


__all__ = export(globals(), [])
__getattr__ = not_implemented_getattr("keras.ops.math")
