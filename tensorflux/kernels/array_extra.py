"""Kernels of the extra array ops: tiling, padding, n-d gather/scatter, sorting, einsum, linalg.

Each takes the array namespace `xp` first, arrays positionally and attributes by keyword. Index
validation happens here (where the values are known) and raises TensorFlow's error types.
"""
import numpy as np

from tensorflux.framework import errors


def _ints(values):
    return tuple(int(v) for v in np.asarray(values).reshape(-1))


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


# ---- tiling, padding, rolling -------------------------------------------------------------

def tile(xp, x, multiples):
    multiples = _ints(multiples)
    if len(multiples) != x.ndim:
        raise _invalid(f"Expected multiples argument to be a vector of length {x.ndim} but got "
                       f"length {len(multiples)} (input shape {list(x.shape)}). Give one "
                       "multiple per axis.")
    if any(m < 0 for m in multiples):
        raise _invalid(f"Expected multiples to be non-negative, got {list(multiples)}.")
    return xp.tile(x, multiples) if x.ndim else x.copy()


def pad(xp, x, constant_values, paddings):
    if not x.ndim:
        return x.copy()
    return xp.pad(x, paddings, mode="constant", constant_values=constant_values)


def roll(xp, x, shift, axis):
    return xp.roll(x, shift, axis)


# ---- n-d gather and scatter ---------------------------------------------------------------

def _with_batch_coordinates(indices, batch_dims):
    """Prepends the coordinates of the leading `batch_dims` axes to each index vector."""
    if not batch_dims:
        return indices
    batch_shape = indices.shape[:batch_dims]
    extra = indices.ndim - 1 - batch_dims
    grid = np.indices(batch_shape, dtype=indices.dtype)
    grid = grid.reshape((batch_dims,) + batch_shape + (1,) * extra)
    grid = np.broadcast_to(grid, (batch_dims,) + indices.shape[:-1])
    return np.concatenate([np.moveaxis(grid, 0, -1), indices], axis=-1)


def _check_nd_indices(indices, shape, op_name):
    depth = indices.shape[-1]
    if depth > len(shape):
        raise _invalid(f"{op_name}: index innermost dimension length ({depth}) must be <= the "
                       f"rank of the indexed tensor (shape {list(shape)}).")
    if not indices.size or not depth:
        return
    bad = np.any((indices < 0) | (indices >= np.asarray(shape[:depth])), axis=-1)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        position = ",".join(str(i) for i in where)
        raise _invalid(f"{op_name}: indices[{position}] = {[int(i) for i in indices[where]]} "
                       f"does not index into param shape {list(shape)}.")


def _flat_nd(indices, depth):
    """The index vectors as a tuple of 1-D coordinate arrays (one per indexed axis)."""
    flat = indices.reshape(-1, depth)
    return tuple(flat[:, i] for i in range(depth))


def gather_nd(xp, params, indices, batch_dims=0):
    if batch_dims:
        if params.shape[:batch_dims] != indices.shape[:batch_dims]:
            raise _invalid(f"gather_nd: the first batch_dims={batch_dims} dimensions of params "
                           f"{list(params.shape)} and indices {list(indices.shape)} must match.")
        indices = _with_batch_coordinates(indices, batch_dims)
    _check_nd_indices(indices, params.shape, "gather_nd")
    depth = indices.shape[-1]
    out_shape = indices.shape[:-1] + params.shape[depth:]
    if depth == 0:
        return xp.broadcast_to(params, out_shape).copy()
    return params[_flat_nd(indices, depth)].reshape(out_shape)


def _check_updates(indices, updates, shape, op_name):
    depth = indices.shape[-1]
    expected = indices.shape[:-1] + tuple(shape[depth:])
    if updates.shape != expected:
        raise _invalid(f"{op_name}: updates must have shape indices.shape[:-1] + "
                       f"shape[{depth}:] = {list(expected)}, got {list(updates.shape)} "
                       f"(indices shape {list(indices.shape)}, shape {list(shape)}).")


def _scatter_add_into(result, indices, updates):
    depth = indices.shape[-1]
    rows = updates.reshape((-1,) + result.shape[depth:])
    if depth == 0:
        result += rows.sum(axis=0, dtype=result.dtype)
    else:
        np.add.at(result, _flat_nd(indices, depth), rows)
    return result


def scatter_nd(xp, indices, updates, shape, batch_dims=0):
    shape = _ints(shape)
    indices = _with_batch_coordinates(indices, batch_dims)
    _check_nd_indices(indices, shape, "scatter_nd")
    _check_updates(indices, updates, shape, "scatter_nd")
    return _scatter_add_into(xp.zeros(shape, dtype=updates.dtype), indices, updates)


def tensor_scatter_update(xp, tensor, indices, updates):
    _check_nd_indices(indices, tensor.shape, "tensor_scatter_nd_update")
    _check_updates(indices, updates, tensor.shape, "tensor_scatter_nd_update")
    result = tensor.copy()
    depth = indices.shape[-1]
    rows = updates.reshape((-1,) + tensor.shape[depth:])
    if depth == 0:
        if len(rows):
            result[...] = rows[-1]
    else:
        result[_flat_nd(indices, depth)] = rows
    return result


def tensor_scatter_add(xp, tensor, indices, updates):
    _check_nd_indices(indices, tensor.shape, "tensor_scatter_nd_add")
    _check_updates(indices, updates, tensor.shape, "tensor_scatter_nd_add")
    return _scatter_add_into(tensor.copy(), indices, updates)


# ---- slicing ------------------------------------------------------------------------------

def slice_bounds(shape, begin, size):
    """Validated (begin, size) lists for tf.slice; size -1 means "to the end"."""
    begin, size = _ints(begin), _ints(size)
    if len(begin) != len(shape) or len(size) != len(shape):
        raise _invalid(f"slice: expected begin and size to have {len(shape)} elements (the "
                       f"rank of the input, shape {list(shape)}), got begin {list(begin)} and "
                       f"size {list(size)}.")
    sizes = []
    for axis, (b, s, d) in enumerate(zip(begin, size, shape)):
        if s == -1:
            s = d - b
        if not 0 <= b <= d or not 0 <= s <= d - b:
            raise _invalid(f"slice: expected begin[{axis}] in [0, {d}] and size[{axis}] in "
                           f"[0, {d} - begin[{axis}]] for input shape {list(shape)}, got begin "
                           f"{list(begin)} and size {list(size)}.")
        sizes.append(s)
    return begin, sizes


def slice_(xp, x, begin, size):
    begin, size = slice_bounds(x.shape, begin, size)
    return x[tuple(slice(b, b + s) for b, s in zip(begin, size))]


def slice_grad(xp, grad, shape, begin):
    result = xp.zeros(_ints(shape), dtype=grad.dtype)
    result[tuple(slice(b, b + s) for b, s in zip(_ints(begin), grad.shape))] = grad
    return result


# ---- sorting ------------------------------------------------------------------------------

def top_k(xp, x, k, ascending=False, index_dtype=np.int32):
    """The k largest (or smallest) entries along the last axis (all of them for k = -1);
    ties keep the input order."""
    if x.ndim < 1:
        raise _invalid("top_k: input must be at least rank 1, got a scalar.")
    n = x.shape[-1]
    k = n if int(k) == -1 else int(k)
    if not 0 <= k <= n:
        raise _invalid(f"top_k: input must have at least k={k} columns, but has {n} (shape "
                       f"{list(x.shape)}).")
    if ascending:
        order = np.argsort(x, axis=-1, kind="stable")
    else:
        # A stable descending order: sort the reversed array ascending, then reverse back.
        # (Negating the input would break unsigned integers and the lowest signed integer.)
        order = n - 1 - np.flip(np.argsort(np.flip(x, -1), axis=-1, kind="stable"), -1)
    order = order[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(index_dtype)


def take_along_last_axis(xp, x, indices):
    return np.take_along_axis(x, indices.astype(np.intp), axis=-1)


def put_along_last_axis(xp, updates, indices, shape):
    """Adds `updates` into zeros of `shape` at `indices` along the last axis."""
    shape = _ints(shape)
    result = xp.zeros(shape, dtype=updates.dtype)
    if not result.size or not updates.size:
        return result
    n = shape[-1]
    rows = indices.reshape(-1, indices.shape[-1]).astype(np.intp)
    rows = rows + (np.arange(rows.shape[0]) * n)[:, None]
    np.add.at(result.reshape(-1), rows.reshape(-1), updates.reshape(-1))
    return result


def unique(xp, x, out_idx=np.int32):
    if x.ndim != 1:
        raise _invalid(f"unique expects a 1-D vector, got shape {list(x.shape)}. Flatten it "
                       "first with tf.reshape(x, [-1]).")
    values, first, inverse = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # TF keeps the order of first occurrence
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return values[order], rank[inverse.reshape(-1)].astype(out_idx)


def unique_with_counts(xp, x, out_idx=np.int32):
    y, idx = unique(xp, x, out_idx)
    return y, idx, np.bincount(idx, minlength=y.size).astype(out_idx)


# ---- einsum -------------------------------------------------------------------------------

def einsum(xp, *arrays, equation):
    # NumPy's path optimizer (BLAS contractions) pays off only on larger operands.
    optimize = len(arrays) > 1 and max(a.size for a in arrays) >= 4096
    return xp.asarray(xp.einsum(equation, *arrays, optimize=optimize))


# ---- linear algebra -----------------------------------------------------------------------

def _check_matrix(x, op_name, square=False):
    if x.ndim < 2:
        raise _invalid(f"{op_name}: input must be at least rank 2 (a matrix or a batch of "
                       f"matrices), got shape {list(x.shape)}.")
    if square and x.shape[-1] != x.shape[-2]:
        raise _invalid(f"{op_name}: input must be a square matrix (or a batch of them), got "
                       f"shape {list(x.shape)}.")


def matrix_diag(xp, diagonal):
    if diagonal.ndim < 1:
        raise _invalid("diag: diagonal must be at least rank 1, got a scalar.")
    n = diagonal.shape[-1]
    result = xp.zeros(diagonal.shape + (n,), dtype=diagonal.dtype)
    index = np.arange(n)
    result[..., index, index] = diagonal
    return result


def matrix_diag_part(xp, x):
    _check_matrix(x, "diag_part")
    return xp.diagonal(x, axis1=-2, axis2=-1).copy()


def matrix_set_diag(xp, x, diagonal):
    _check_matrix(x, "set_diag")
    n = min(x.shape[-2:])
    if diagonal.shape != x.shape[:-2] + (n,):
        raise _invalid(f"set_diag: diagonal must have shape {list(x.shape[:-2] + (n,))} for "
                       f"input shape {list(x.shape)}, got {list(diagonal.shape)}.")
    result = x.copy()
    index = np.arange(n)
    result[..., index, index] = diagonal
    return result


def matrix_inverse(xp, x):
    _check_matrix(x, "inv", square=True)
    try:
        return xp.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise _invalid(f"inv: input is not invertible (a singular matrix in a tensor of shape "
                       f"{list(x.shape)}).") from None


def matrix_determinant(xp, x):
    _check_matrix(x, "det", square=True)
    return xp.asarray(xp.linalg.det(x)).astype(x.dtype, copy=False)


# ---- segments and counting ----------------------------------------------------------------

def _segment_extreme(xp, data, segment_ids, num_segments, ufunc, fill, op_name):
    num = int(num_segments)
    if segment_ids.shape != data.shape[:segment_ids.ndim]:
        raise _invalid(f"{op_name}: segment_ids shape {list(segment_ids.shape)} must be a "
                       f"prefix of data shape {list(data.shape)}.")
    if segment_ids.size and segment_ids.max() >= num:
        raise _invalid(f"{op_name}: segment_ids contain {int(segment_ids.max())}, which is not "
                       f"in [0, num_segments={num}).")
    result = xp.full((num,) + data.shape[segment_ids.ndim:], fill, dtype=data.dtype)
    keep = segment_ids >= 0  # TF drops negative segment ids
    ufunc.at(result, segment_ids[keep], data[keep])
    return result


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def unsorted_segment_max(xp, data, segment_ids, num_segments):
    return _segment_extreme(xp, data, segment_ids, num_segments, np.maximum,
                            _lowest(data.dtype), "unsorted_segment_max")


def unsorted_segment_min(xp, data, segment_ids, num_segments):
    return _segment_extreme(xp, data, segment_ids, num_segments, np.minimum,
                            _highest(data.dtype), "unsorted_segment_min")


def bincount(xp, arr, weights, minlength=None, maxlength=None, dtype=np.int32,
             binary_output=False):
    values = arr.reshape(-1)
    if values.size and values.min() < 0:
        raise _invalid(f"bincount: input arr must be non-negative, got {int(values.min())}.")
    size = int(values.max()) + 1 if values.size else 0
    if minlength is not None:
        size = max(size, minlength)
    if maxlength is not None:
        size = min(size, maxlength)
    if weights.size and weights.shape != arr.shape:
        raise _invalid(f"bincount: weights shape {list(weights.shape)} must equal arr shape "
                       f"{list(arr.shape)} (or weights must be empty).")
    keep = values < size
    if binary_output:
        result = np.zeros(size, dtype=dtype)
        result[values[keep]] = 1
        return result
    if weights.size:
        result = np.zeros(size, dtype=dtype)
        np.add.at(result, values[keep], weights.reshape(-1)[keep].astype(dtype))
        return result
    return np.bincount(values[keep], minlength=size).astype(dtype)
