"""Clipping ops: clip_by_norm, clip_by_global_norm, global_norm, clip_by_average_norm.

All are compositions of math ops, so their gradients come from those ops. The norms are
computed so that an all-zero input gives a zero gradient rather than NaN.
"""
import collections.abc

import numpy as np

from tensorflux.framework import errors
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops._helpers import static_axis, to_tensor

__all__ = ["clip_by_norm", "clip_by_global_norm", "global_norm", "clip_by_average_norm"]


def _float_tensor(t, op_name):
    t = to_tensor(t)
    if not (t.dtype.is_floating or t.dtype.is_complex):
        raise errors.InvalidArgumentError(
            None, None, f"{op_name}: expected a floating-point tensor, got {t.dtype.name}. "
            "Cast it with tf.cast(t, tf.float32).")
    return t


def _safe_sqrt(total):
    """sqrt(total), with a zero (not NaN) gradient where total == 0."""
    positive = math_ops.greater(total, 0.0)
    ones = array_ops.ones_like(total)
    return math_ops.where(positive, math_ops.sqrt(math_ops.where(positive, total, ones)),
                          total)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales `t` so that its L2 norm (over `axes`, all axes by default) is at most
    `clip_norm`: t * clip_norm / max(l2norm(t), clip_norm).

    Raises:
        InvalidArgumentError: `t` is not a floating-point tensor.
    """
    t = _float_tensor(t, "clip_by_norm")
    clip_norm = math_ops.cast(to_tensor(clip_norm, dtype_hint=t.dtype), t.dtype)
    axes = static_axis(axes)
    l2norm = _safe_sqrt(math_ops.reduce_sum(t * t, axes, keepdims=True))
    clipped = t * clip_norm / math_ops.maximum(l2norm, clip_norm)
    return array_ops.identity(clipped, name=name)


def _as_list(t_list, op_name):
    if isinstance(t_list, (str, bytes)) or not isinstance(t_list, collections.abc.Sequence):
        raise TypeError(f"{op_name}: t_list should be a sequence of tensors, got "
                        f"{type(t_list).__name__}.")
    return list(t_list)


def global_norm(t_list, name=None):
    """sqrt(sum of squares of all entries of all tensors in `t_list`); None entries are
    ignored."""
    tensors = [_float_tensor(t, "global_norm") for t in _as_list(t_list, "global_norm")
               if t is not None]
    if not tensors:
        return array_ops.constant(0.0, name=name or "global_norm")
    dtype = tensors[0].dtype
    total = math_ops.add_n([math_ops.cast(math_ops.reduce_sum(t * t), dtype)
                            for t in tensors])
    return math_ops.sqrt(total, name=name)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor of `t_list` by clip_norm / max(global_norm, clip_norm).

    Returns (list_clipped, global_norm); None entries stay None. `use_norm` replaces the
    computed global norm. If the norm is infinite or NaN, the clipped tensors are NaN (as
    in TensorFlow), which makes the problem visible.
    """
    items = _as_list(t_list, "clip_by_global_norm")
    if use_norm is None:
        use_norm = global_norm(items)
    use_norm = to_tensor(use_norm)
    clip_norm = math_ops.cast(to_tensor(clip_norm, dtype_hint=use_norm.dtype), use_norm.dtype)
    one = array_ops.ones_like(use_norm)
    scale = clip_norm * math_ops.minimum(one / use_norm, one / clip_norm)
    nan = to_tensor(np.asarray(np.nan, dtype=use_norm.dtype.as_numpy_dtype))
    scale = math_ops.where(math_ops.is_finite(use_norm), scale, nan)
    clipped = []
    for t in items:
        if t is None:
            clipped.append(None)
            continue
        t = _float_tensor(t, "clip_by_global_norm")
        factor = scale if t.dtype == scale.dtype else math_ops.cast(scale, t.dtype)
        clipped.append(array_ops.identity(t * factor))
    return clipped, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """Rescales `t` so that its L2 norm divided by its number of entries is at most
    `clip_norm` (TF1): t * clip_norm / max(l2norm(t) / n, clip_norm)."""
    t = _float_tensor(t, "clip_by_average_norm")
    clip_norm = math_ops.cast(to_tensor(clip_norm, dtype_hint=t.dtype), t.dtype)
    count = math_ops.cast(array_ops.size(t), t.dtype)
    average = _safe_sqrt(math_ops.reduce_sum(t * t)) / count
    return array_ops.identity(t * clip_norm / math_ops.maximum(average, clip_norm), name=name)

