"""Reduction and scan kernels. Sums keep the input dtype (NumPy would widen int32 to int64)."""


def _axes(x, axis):
    if axis is None:
        return None
    return axis if isinstance(axis, tuple) else (axis,)


# ndarray methods (x.sum, x.max, ...) skip NumPy's Python-level dispatch: cheaper on tiny arrays.
def reduce_sum(xp, x, axis=None, keepdims=False):
    return x.sum(axis=axis, keepdims=keepdims, dtype=x.dtype)


def reduce_mean(xp, x, axis=None, keepdims=False):
    if x.dtype.kind in "iu":
        total = xp.sum(x, axis=_axes(x, axis), keepdims=keepdims, dtype=xp.int64)
        count = max(x.size // max(total.size, 1), 1) if x.size else 1
        return xp.asarray(xp.trunc(total / count), dtype=x.dtype)
    if x.dtype == xp.float16:
        return xp.mean(x, axis=_axes(x, axis), keepdims=keepdims, dtype=xp.float32).astype(
            xp.float16)
    return x.mean(axis=axis, keepdims=keepdims)


def reduce_max(xp, x, axis=None, keepdims=False):
    if x.size == 0:
        return xp.full(_reduced_shape(x, axis, keepdims), _lowest(xp, x.dtype), dtype=x.dtype)
    return x.max(axis=axis, keepdims=keepdims)


def reduce_min(xp, x, axis=None, keepdims=False):
    if x.size == 0:
        return xp.full(_reduced_shape(x, axis, keepdims), _highest(xp, x.dtype), dtype=x.dtype)
    return x.min(axis=axis, keepdims=keepdims)


def _lowest(xp, dtype):
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _highest(xp, dtype):
    return xp.inf if dtype.kind == "f" else xp.iinfo(dtype).max


def _reduced_shape(x, axis, keepdims):
    axes = range(x.ndim) if axis is None else [a % x.ndim for a in _axes(x, axis)]
    return tuple(1 if i in axes else d for i, d in enumerate(x.shape) if keepdims or
                 i not in axes)


def reduce_prod(xp, x, axis=None, keepdims=False):
    return xp.prod(x, axis=_axes(x, axis), keepdims=keepdims, dtype=x.dtype)


def reduce_all(xp, x, axis=None, keepdims=False):
    return xp.all(x, axis=_axes(x, axis), keepdims=keepdims)


def reduce_any(xp, x, axis=None, keepdims=False):
    return xp.any(x, axis=_axes(x, axis), keepdims=keepdims)


def argmax(xp, x, axis=0, dtype=None):
    return xp.argmax(x, axis=axis).astype(dtype)


def argmin(xp, x, axis=0, dtype=None):
    return xp.argmin(x, axis=axis).astype(dtype)


def reduce_grad(xp, grad, shape, axis=None, keepdims=False):
    """Broadcasts a reduction's result (or gradient) back to the input `shape`."""
    shape = tuple(int(d) for d in shape)
    if not keepdims:
        axes = range(len(shape)) if axis is None else [a % len(shape) for a in _axes(grad, axis)]
        kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
        grad = grad.reshape(kept)
    return xp.broadcast_to(grad, shape)


def sum_to_shape(xp, x, shape):
    """Sums `x` over the axes along which `shape` was broadcast to x's shape."""
    shape = tuple(int(d) for d in shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and x.shape[lead + i] != 1)
    result = xp.sum(x, axis=axes, keepdims=True, dtype=x.dtype) if axes else x
    return result.reshape(shape)


def prod_others(xp, x, axis=None):
    """For each element, the product of the other elements of its reduction group."""
    axes = tuple(range(x.ndim)) if axis is None else _axes(x, axis)
    moved = xp.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
    ones = xp.ones_like(flat[..., :1])
    left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = xp.cumprod(xp.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    result = (left * right).reshape(moved.shape)
    return xp.moveaxis(result, tuple(range(x.ndim - len(axes), x.ndim)), axes)


def cumsum(xp, x, axis=0, exclusive=False, reverse=False):
    if reverse:
        x = xp.flip(x, axis)
    result = xp.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        result = xp.concatenate([xp.zeros_like(xp.take(result, [0], axis=axis)),
                                 xp.take(result, range(result.shape[axis] - 1), axis=axis)],
                                axis=axis)
    return xp.flip(result, axis) if reverse else result


def cumprod(xp, x, axis=0, exclusive=False, reverse=False):
    if reverse:
        x = xp.flip(x, axis)
    result = xp.cumprod(x, axis=axis, dtype=x.dtype)
    if exclusive:
        result = xp.concatenate([xp.ones_like(xp.take(result, [0], axis=axis)),
                                 xp.take(result, range(result.shape[axis] - 1), axis=axis)],
                                axis=axis)
    return xp.flip(result, axis) if reverse else result
