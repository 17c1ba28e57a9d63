"""Array kernels: shapes, joins, slicing, gathering, filling."""
import numpy as np

from tensorflux.framework import errors


def identity(xp, x):
    # A copy: an identity of a variable read is a snapshot, unaffected by later assignments.
    return x.copy() if isinstance(x, np.ndarray) else xp.asarray(x)


def placeholder(xp, name, dtype, shape):
    raise errors.InvalidArgumentError(
        None, None, f"You must feed a value for placeholder tensor '{name}' with dtype "
        f"{dtype.name} and shape {shape}: pass it in feed_dict, e.g. "
        f"sess.run(fetches, feed_dict={{{name.split('/')[-1]}: value}}).")


def shape(xp, x, dtype):
    return xp.asarray(x.shape, dtype=dtype)


def reshape(xp, x, shape):
    shape = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    try:
        return x.reshape(shape)
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {x.size} values, but the requested "
            f"shape {list(shape)} has {int(np.prod([d for d in shape if d != -1]))}"
            f"{' (times the -1 dimension)' if -1 in shape else ''}.") from None


def transpose(xp, x, perm=None):
    return xp.transpose(x, perm)


def expand_dims(xp, x, axis):
    return xp.expand_dims(x, axis)


def squeeze(xp, x, axis=None):
    if axis is not None:
        for a in (axis if isinstance(axis, tuple) else (axis,)):
            if x.shape[a] != 1:
                raise errors.InvalidArgumentError(
                    None, None, f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                    f"{x.shape[a]} (shape {list(x.shape)}).")
    return xp.squeeze(x, axis=axis)


def concat(xp, *arrays, axis):
    return xp.concatenate(arrays, axis=axis)


def pack(xp, *arrays, axis=0):
    return xp.stack(arrays, axis=axis)


def unpack(xp, x, num, axis=0):
    return tuple(xp.take(x, i, axis=axis) for i in range(num))


def fill(xp, dims, value):
    return xp.full(tuple(int(d) for d in np.asarray(dims).reshape(-1)), value,
                   dtype=value.dtype)


def zeros_like(xp, x):
    return xp.zeros_like(x)


def ones_like(xp, x):
    return xp.ones_like(x)


def broadcast_to(xp, x, shape):
    return xp.broadcast_to(x, tuple(int(d) for d in shape))


def strided_slice(xp, x, key):
    result = x[key]
    return xp.asarray(result)


def strided_slice_grad(xp, grad, shape, key):
    result = xp.zeros(tuple(int(d) for d in shape), dtype=grad.dtype)
    if _has_repeats(key):
        np.add.at(result, key, grad)
    else:
        result[key] = grad
    return result


def _has_repeats(key):
    items = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray) for k in items)


def gather(xp, params, indices, axis=0, batch_dims=0):
    if batch_dims:
        return _batched_gather(xp, params, indices, axis, batch_dims)
    size = params.shape[axis]
    if indices.size and (indices.min() < -size or indices.max() >= size):
        bad = indices[(indices < 0) | (indices >= size)].reshape(-1)[0]
        raise errors.InvalidArgumentError(
            None, None, f"indices = {int(bad)} is not in [0, {size}) (gather along axis {axis}"
            f" of params with shape {list(params.shape)}).")
    if indices.size and indices.min() < 0:
        raise errors.InvalidArgumentError(None, None, f"indices = {int(indices.min())} is not "
                                          f"in [0, {size}).")
    return xp.take(params, indices, axis=axis)


def _batched_gather(xp, params, indices, axis, batch_dims):
    out = [gather(xp, p, i, axis - 1, batch_dims - 1) for p, i in zip(params, indices)]
    return xp.stack(out)


def unsorted_segment_sum(xp, data, segment_ids, num_segments):
    num = int(num_segments)
    result = xp.zeros((num,) + data.shape[segment_ids.ndim:], dtype=data.dtype)
    if segment_ids.size and segment_ids.max() >= num:
        raise errors.InvalidArgumentError(
            None, None, f"segment_ids contain {int(segment_ids.max())}, which is not in "
            f"[0, num_segments={num}).")
    keep = segment_ids >= 0  # TF drops negative ids (NumPy would wrap them around)
    np.add.at(result, segment_ids[keep], data[keep])
    return result


def gather_grad(xp, grad, indices, params_shape, axis=0):
    """Scatter-adds `grad` into zeros of `params_shape` at `indices` along `axis`."""
    params_shape = tuple(int(d) for d in params_shape)
    result = xp.zeros(params_shape, dtype=grad.dtype)
    moved = xp.moveaxis(result, axis, 0)
    g = xp.moveaxis(grad, tuple(range(axis, axis + indices.ndim)),
                    tuple(range(indices.ndim))) if axis else grad
    np.add.at(moved, indices, g)
    return result


def one_hot(xp, indices, depth, on_value, off_value, axis=-1):
    depth = int(depth)
    classes = xp.arange(depth)
    idx = xp.expand_dims(indices, -1)
    hot = idx == classes
    result = xp.where(hot, on_value, off_value).astype(on_value.dtype, copy=False)
    if axis != -1 and axis != indices.ndim:
        result = xp.moveaxis(result, -1, axis)
    return result


def range_(xp, start, limit, delta, dtype):
    if delta == 0:
        raise errors.InvalidArgumentError(None, None, "Requires delta != 0 in tf.range.")
    return xp.arange(start, limit, delta, dtype=dtype)
