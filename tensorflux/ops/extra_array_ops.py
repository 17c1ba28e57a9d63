"""More array ops: split, tile, pad, n-d gather/scatter, slicing, sorting, masks, einsum,
tensordot, norms, small linear algebra and segment reductions.

Most functions compose existing ops, so their gradients come from those ops. Primitives are
added only where a composition would be slow or awkward (Tile, PadV2, GatherNd/ScatterNd,
Slice, TopKV2, Einsum, Roll, the matrix ops, segment max/min); each has a gradient written with
tensorflux ops (so it works eagerly, in graphs and to higher order) or is declared
not differentiable.
"""
import builtins
import collections
import string

import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import (broadcast_shape, not_differentiable, register_gradient,
                                           register_op, same_shape)
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.kernels import array_extra as kx
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops._helpers import apply, binary_inputs, check_dtype, static_axis, to_tensor
from tensorflux.ops.math_ops import _shape_of

# `slice` is a TensorFlow name defined below; the builtin is used through this alias.
_builtin_slice = builtins.slice

__all__ = [
    "split", "tile", "pad", "gather_nd", "scatter_nd", "tensor_scatter_nd_update",
    "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_update",
    "tensor_scatter_add", "tensor_scatter_sub", "slice", "strided_slice", "reverse",
    "reverse_v2", "sort", "argsort", "boolean_mask", "sequence_mask", "eye", "linspace",
    "lin_space", "meshgrid", "unique", "unique_with_counts", "roll", "repeat", "einsum",
    "tensordot", "norm", "matrix_transpose", "trace", "matrix_diag", "matrix_diag_part",
    "matrix_set_diag", "matrix_inverse", "matrix_determinant", "segment_sum", "segment_mean",
    "segment_max", "segment_min", "unsorted_segment_mean", "unsorted_segment_max",
    "unsorted_segment_min", "unsorted_segment_sqrt_n", "bincount",
]

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])
Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


# ---- helpers ------------------------------------------------------------------------------

def _is_tensor_like(value):
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def _static_value(value):
    """A NumPy array of `value` if it is known now (Python/NumPy values, eager tensors,
    graph constants), else None."""
    if isinstance(value, TensorShape):
        return np.asarray(value.as_list())
    if isinstance(value, (list, tuple)):
        if any(_is_tensor_like(v) for v in value):
            parts = [_static_value(v) for v in value]
            return None if any(p is None for p in parts) else np.asarray(parts)
        return np.asarray(value)
    if _is_tensor_like(value):
        constant = to_tensor(value)._constant_value()
        return None if constant is None else np.asarray(constant)
    return np.asarray(value)


def _static_ints(value, what, op_name):
    array = _static_value(value)
    if array is None:
        raise errors.UnimplementedError(
            None, None, f"{op_name}: a `{what}` tensor whose value is only known at run time is "
            f"not supported by tensorflux; pass a Python int or list.")
    return [int(v) for v in array.reshape(-1)]


def _const(array, dtype=np.int32):
    return to_tensor(np.asarray(array, dtype=dtype))


def _known_rank(x, op_name):
    rank = x.shape.rank
    if rank is None:
        raise ValueError(f"{op_name} needs an input of known rank, got a tensor of unknown "
                         "shape. Set its shape with tensor.set_shape(...) or tf.ensure_shape.")
    return rank


def _normalize_axis(axis, rank, op_name):
    if not -rank <= axis < max(rank, 1):
        raise errors.InvalidArgumentError(
            None, None, f"{op_name}: axis {axis} is out of the valid range [{-rank}, {rank}) "
            f"for a tensor of rank {rank}.")
    return axis % rank if rank else 0


def _check_integer(t, what, op_name):
    if not t.dtype.is_integer:
        raise TypeError(f"{op_name}: `{what}` must be an integer tensor (int32 or int64), got "
                        f"{t.dtype.name}. Cast it with tf.cast({what}, tf.int32).")


def _dim(x, axis):
    """Dimension `axis` of x: an int when static, else a scalar int32 tensor."""
    d = x.shape[axis]
    if d is not None:
        return d
    return array_ops.gather(_shape_of(x), axis)


def _dims_tensor(dims):
    """A 1-D int32 shape from a list of ints and scalar tensors."""
    if all(isinstance(d, int) for d in dims):
        return _const(dims)
    return array_ops.stack([math_ops.cast(d, dtypes.int32) if isinstance(d, Tensor)
                            else _const(d) for d in dims])


def _shape_from_input(index):
    """A shape rule: the output shape is the value of input `index` (a 1-D shape tensor)."""
    def rule(inputs, attrs):
        t = inputs[index]
        value = t._constant_value()
        if value is not None:
            return [TensorShape([int(d) for d in np.asarray(value).reshape(-1)])]
        if t.op is not None and t.op.type == "Shape":
            return [t.op.inputs[0].shape]
        n = t.shape[0] if t.shape.rank == 1 else None
        return [TensorShape(None if n is None else [None] * n)]
    return rule


def _dtype_attr(name):
    return lambda input_dtypes, attrs: [dtypes.as_dtype(attrs[name])]


# ---- split ------------------------------------------------------------------------------

def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits `value` along `axis` into equal parts (an int) or parts of the given sizes.

    One size may be -1 (the rest of the axis). Returns a list of tensors.

    Raises:
        InvalidArgumentError: the sizes do not add up to the dimension, or it does not divide
            evenly by the number of splits.
    """
    x = to_tensor(value)
    rank = _known_rank(x, "split")
    if rank == 0:
        raise ValueError("split: cannot split a scalar (rank 0) tensor.")
    axis = _normalize_axis(static_axis(axis), rank, "split")
    dim = x.shape[axis]
    splits = _static_value(num_or_size_splits)
    if splits is not None and splits.ndim == 0:
        count = int(splits)
        if count <= 0:
            raise ValueError(f"split: num_or_size_splits must be positive, got {count}.")
        if dim is not None:
            if dim % count:
                raise errors.InvalidArgumentError(
                    None, None, f"Number of ways to split should evenly divide the split "
                    f"dimension, but got split_dim {axis} (size = {dim}) and num_split "
                    f"{count} (input shape {x.shape}). Pass a list of sizes instead.")
            sizes = _const([dim // count] * count)
        else:
            sizes = array_ops.fill([count], math_ops.floordiv(_dim(x, axis), count))
    elif splits is not None:
        sizes = [int(s) for s in splits.reshape(-1)]
        count = len(sizes)
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"split: size_splits may hold one -1 and otherwise non-negative "
                             f"sizes, got {sizes}.")
        known = sum(s for s in sizes if s != -1)
        if dim is not None:
            if -1 in sizes:
                sizes[sizes.index(-1)] = dim - known
            if any(s < 0 for s in sizes) or sum(sizes) != dim:
                raise errors.InvalidArgumentError(
                    None, None, f"split: the sizes {splits.reshape(-1).tolist()} must add up "
                    f"to the size {dim} of axis {axis} (input shape {x.shape}).")
            sizes = _const(sizes)
        elif -1 in sizes:
            rest = _dim(x, axis) - known
            sizes = _dims_tensor([rest if s == -1 else s for s in sizes])
        else:
            sizes = _const(sizes)
    else:
        sizes = math_ops.cast(to_tensor(num_or_size_splits), dtypes.int32)
        count = num if num is not None else (sizes.shape[0] if sizes.shape.rank == 1 else None)
        if count is None:
            raise ValueError(f"Cannot infer argument `num` from shape {sizes.shape}; pass num.")
    return list(array_ops._apply_multi("SplitV", [x, sizes], {"axis": axis, "num": int(count)},
                                       int(count), name))


# ---- tile -------------------------------------------------------------------------------

def _tile_shape(inputs, attrs):
    shape, multiples = inputs[0].shape, inputs[1]._constant_value()
    if shape.rank is None:
        return [TensorShape(None if multiples is None else [None] * len(multiples))]
    if multiples is None:
        return [TensorShape([None] * shape.rank)]
    multiples = [int(m) for m in np.asarray(multiples).reshape(-1)]
    if len(multiples) != shape.rank:
        raise ValueError(f"tile: expected {shape.rank} multiples (one per axis of shape "
                         f"{shape}), got {multiples}.")
    return [TensorShape([None if d is None else d * m
                         for d, m in zip(shape.as_tuple(), multiples)])]


register_op("Tile", kx.tile, _tile_shape)


@register_gradient("Tile")
def _tile_grad(op, grad):
    """y = tile(x, m) holds m_i copies of x along axis i: dx sums the copies, by reshaping dy
    to [m_0, d_0, m_1, d_1, ...] and summing the m axes"""
    x, multiples = op.inputs
    rank = x.shape.rank if x.shape.rank is not None else multiples.shape[0]
    if not rank:
        return grad, None
    m = multiples._constant_value()
    if m is not None and x.shape.is_fully_defined():
        split_shape = _const(np.stack([np.asarray(m).reshape(-1), x.shape.as_list()], 1)
                             .reshape(-1))
    else:
        split_shape = array_ops.reshape(array_ops.stack(
            [math_ops.cast(multiples, dtypes.int32), _shape_of(x)], axis=1), [-1])
    summed = math_ops.reduce_sum(array_ops.reshape(grad, split_shape),
                                 axis=list(range(0, 2 * rank, 2)))
    return summed, None


def tile(input, multiples, name=None):
    """Repeats `input` multiples[i] times along each axis i."""
    x = to_tensor(input)
    static = _static_value(multiples)
    if static is not None:
        static = static.reshape(-1)
        if x.shape.rank is not None and static.size != x.shape.rank:
            raise errors.InvalidArgumentError(
                None, None, f"Expected multiples argument to be a vector of length "
                f"{x.shape.rank} but got length {static.size} (input shape {x.shape}).")
        multiples = _const(static)
    else:
        multiples = to_tensor(multiples)
    return apply("Tile", [x, multiples], None, name)


# ---- pad --------------------------------------------------------------------------------

register_op("PadV2", kx.pad)


@register_gradient("PadV2")
def _pad_grad(op, grad):
    """dx is the interior block of dy; the padding value receives the sum over the border"""
    x = op.inputs[0]
    begin = _const([before for before, _ in op.attrs["paddings"]])
    inner = apply("Slice", [grad, begin, _shape_of(x)])
    return inner, math_ops.reduce_sum(grad) - math_ops.reduce_sum(inner)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads `tensor` with paddings[i] = [before, after] entries along each axis i.

    mode "CONSTANT" fills with `constant_values`; "REFLECT" mirrors without repeating the edge
    (pads must be < the dimension); "SYMMETRIC" mirrors including the edge (pads <= it).
    """
    x = to_tensor(tensor)
    rank = _known_rank(x, "pad")
    p = np.asarray(_static_ints(paddings, "paddings", "pad"))
    if p.size != 2 * rank:
        raise errors.InvalidArgumentError(
            None, None, f"pad: paddings must be a matrix of shape [{rank}, 2] (one [before, "
            f"after] pair per axis of the input shape {x.shape}), got "
            f"{np.asarray(_static_value(paddings)).tolist()}.")
    p = p.reshape(rank, 2)
    if (p < 0).any():
        raise errors.InvalidArgumentError(None, None, f"pad: paddings must be non-negative, "
                                          f"got {p.tolist()}.")
    pairs = tuple((int(a), int(b)) for a, b in p)
    mode = str(mode).upper()
    if mode == "CONSTANT":
        value = to_tensor(constant_values, dtype_hint=x.dtype)
        if value.dtype != x.dtype:
            raise errors.InvalidArgumentError(
                None, None, f"pad: constant_values has dtype {value.dtype.name} but the tensor "
                f"is {x.dtype.name}; cast one of them.")
        if value.shape.rank not in (None, 0):
            raise ValueError(f"pad: constant_values must be a scalar, got shape {value.shape}.")
        return apply("PadV2", [x, value], {"paddings": pairs}, name)
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"Value of argument `mode` expected to be one of \"CONSTANT\", "
                         f"\"REFLECT\", or \"SYMMETRIC\". Received: mode={mode!r}")
    # Mirror padding is a gather with a static index pattern: its gradient comes from gather.
    result = x
    for axis, (before, after) in enumerate(pairs):
        if not before and not after:
            continue
        n = x.shape[axis]
        if n is None:
            raise errors.UnimplementedError(
                None, None, f"pad: mode {mode} needs a statically known size of axis {axis} "
                f"(input shape {x.shape}).")
        limit = n - 1 if mode == "REFLECT" else n
        if before > limit or after > limit:
            raise errors.InvalidArgumentError(
                None, None, f"pad: paddings must be no greater than the dimension size in "
                f"{mode} mode: {before}, {after} greater than {limit} (axis {axis} of shape "
                f"{x.shape}).")
        index = np.pad(np.arange(n), (before, after), mode=mode.lower()).astype(np.int32)
        result = array_ops.gather(result, index, axis=axis)
    return result if result is not x else array_ops.identity(x, name=name)


# ---- n-d gather and scatter ---------------------------------------------------------------

def _gather_nd_shape(inputs, attrs):
    params, indices = inputs[0].shape, inputs[1].shape
    if params.rank is None or indices.rank is None:
        return [TensorShape(None)]
    if indices.rank < 1:
        raise ValueError(f"gather_nd: indices must be at least rank 1, got shape {indices}.")
    depth = indices[-1]
    if depth is None:
        return [TensorShape(None)]
    batch = attrs["batch_dims"]
    if batch + depth > params.rank:
        raise ValueError(f"gather_nd: index innermost dimension length {depth} must be <= "
                         f"the rank {params.rank - batch} of params {params} (after "
                         f"batch_dims={batch}).")
    return [TensorShape(indices.as_tuple()[:-1] + params.as_tuple()[batch + depth:])]


register_op("GatherNd", kx.gather_nd, _gather_nd_shape)
register_op("ScatterNd", kx.scatter_nd, _shape_from_input(2), lambda d, attrs: [d[1]])
register_op("TensorScatterUpdate", kx.tensor_scatter_update, same_shape)
register_op("TensorScatterAdd", kx.tensor_scatter_add, same_shape)


@register_gradient("GatherNd")
def _gather_nd_grad(op, grad):
    """dparams scatter-adds dy at the gathered positions"""
    params, indices = op.inputs
    return apply("ScatterNd", [indices, grad, _shape_of(params)],
                 {"batch_dims": op.attrs["batch_dims"]}), None


@register_gradient("ScatterNd")
def _scatter_nd_grad(op, grad):
    """dupdates gathers dy at the scattered positions"""
    indices = op.inputs[0]
    return None, apply("GatherNd", [grad, indices], {"batch_dims": op.attrs["batch_dims"]}), None


@register_gradient("TensorScatterUpdate")
def _tensor_scatter_update_grad(op, grad):
    """overwritten positions pass no gradient to tensor; updates get dy there"""
    indices, updates = op.inputs[1], op.inputs[2]
    zeros = apply("ZerosLike", [updates])
    return (apply("TensorScatterUpdate", [grad, indices, zeros]), None,
            apply("GatherNd", [grad, indices], {"batch_dims": 0}))


@register_gradient("TensorScatterAdd")
def _tensor_scatter_add_grad(op, grad):
    """d(tensor + scattered updates) = dtensor + gathered dupdates"""
    indices = op.inputs[1]
    return grad, None, apply("GatherNd", [grad, indices], {"batch_dims": 0})


def _params_tensor(params):
    if hasattr(params, "_as_tensor") and not isinstance(params, Tensor):
        return params._as_tensor()
    return to_tensor(params)


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers slices of `params` addressed by the index vectors in the last axis of `indices`.

    Output shape: indices.shape[:-1] + params.shape[batch_dims + indices.shape[-1]:].

    Raises:
        InvalidArgumentError: an index vector is out of range (the message names it).
    """
    params = _params_tensor(params)
    indices = to_tensor(indices)
    _check_integer(indices, "indices", "gather_nd")
    batch_dims = int(batch_dims)
    if batch_dims < 0:
        batch_dims += _known_rank(indices, "gather_nd")
    return apply("GatherNd", [params, indices], {"batch_dims": batch_dims}, name)


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of `shape` with `updates` added at `indices` (duplicates are summed)."""
    indices = to_tensor(indices)
    updates = to_tensor(updates)
    _check_integer(indices, "indices", "scatter_nd")
    return apply("ScatterNd", [indices, updates, array_ops._shape_input(shape)],
                 {"batch_dims": 0}, name)


def _scatter_inputs(tensor, indices, updates, op_name):
    tensor = _params_tensor(tensor)
    indices = to_tensor(indices)
    updates = to_tensor(updates, dtype_hint=tensor.dtype)
    _check_integer(indices, "indices", op_name)
    if updates.dtype != tensor.dtype:
        raise errors.InvalidArgumentError(
            None, None, f"{op_name}: updates have dtype {updates.dtype.name} but tensor is "
            f"{tensor.dtype.name}. Cast updates with tf.cast(updates, tf.{tensor.dtype.name}).")
    return tensor, indices, updates


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the entries at `indices` replaced by `updates`."""
    inputs = _scatter_inputs(tensor, indices, updates, "tensor_scatter_nd_update")
    return apply("TensorScatterUpdate", list(inputs), None, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` added at `indices` (duplicates are summed)."""
    inputs = _scatter_inputs(tensor, indices, updates, "tensor_scatter_nd_add")
    return apply("TensorScatterAdd", list(inputs), None, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` subtracted at `indices`."""
    tensor, indices, updates = _scatter_inputs(tensor, indices, updates,
                                               "tensor_scatter_nd_sub")
    return apply("TensorScatterAdd", [tensor, indices, math_ops.negative(updates)], None, name)


tensor_scatter_update = tensor_scatter_nd_update
tensor_scatter_add = tensor_scatter_nd_add
tensor_scatter_sub = tensor_scatter_nd_sub


# ---- slicing ----------------------------------------------------------------------------

def _slice_op_shape(inputs, attrs):
    shape = inputs[0].shape
    begin, size = inputs[1]._constant_value(), inputs[2]._constant_value()
    rank = shape.rank
    if rank is None and inputs[2].shape.rank == 1:
        rank = inputs[2].shape[0]
    if rank is None:
        return [TensorShape(None)]
    if size is None:
        return [TensorShape([None] * rank)]
    size = [int(s) for s in np.asarray(size).reshape(-1)]
    if len(size) != rank:
        raise ValueError(f"slice: size {size} must have one entry per axis of shape {shape}.")
    dims = []
    for axis, s in enumerate(size):
        if s != -1:
            dims.append(s)
        elif begin is not None and shape.rank is not None and shape[axis] is not None:
            dims.append(shape[axis] - int(np.asarray(begin).reshape(-1)[axis]))
        else:
            dims.append(None)
    return [TensorShape(dims)]


register_op("Slice", kx.slice_, _slice_op_shape)
register_op("SliceGrad", kx.slice_grad, _shape_from_input(1))


@register_gradient("Slice")
def _slice_grad(op, grad):
    """dy lands in the sliced block of a zero tensor shaped like x"""
    x, begin = op.inputs[0], op.inputs[1]
    return apply("SliceGrad", [grad, _shape_of(x), begin]), None, None


@register_gradient("SliceGrad")
def _slice_grad_grad(op, grad):
    """SliceGrad is linear: its gradient slices the block back out"""
    dy, begin = op.inputs[0], op.inputs[2]
    return apply("Slice", [grad, begin, _shape_of(dy)]), None, None


def slice(input_, begin, size, name=None):  # noqa: A001 - TensorFlow's name
    """The block of `input_` starting at `begin` with `size` (-1: to the end of the axis).

    Raises:
        InvalidArgumentError: the block does not fit inside the input.
    """
    x = to_tensor(input_)
    begin_value, size_value = _static_value(begin), _static_value(size)
    if begin_value is not None and size_value is not None and x.shape.is_fully_defined():
        kx.slice_bounds(x.shape.as_tuple(), begin_value, size_value)  # raises early
    begin = _const(begin_value) if begin_value is not None else to_tensor(begin)
    size = _const(size_value) if size_value is not None else to_tensor(size)
    _check_integer(begin, "begin", "slice")
    _check_integer(size, "size", "slice")
    if size.dtype != begin.dtype:
        size = math_ops.cast(size, begin.dtype)
    return apply("Slice", [x, begin, size], None, name)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """TensorFlow's strided slice: `input_[begin:end:strides]` with per-axis bit masks.

    Bit i of begin_mask/end_mask ignores begin[i]/end[i] (the full range); of ellipsis_mask
    makes entry i an ellipsis; of new_axis_mask inserts a new axis; of shrink_axis_mask takes
    the single index begin[i] and removes the axis.
    """
    b = _static_ints(begin, "begin", "strided_slice")
    e = _static_ints(end, "end", "strided_slice")
    s = [1] * len(b) if strides is None else _static_ints(strides, "strides", "strided_slice")
    if not len(b) == len(e) == len(s):
        raise ValueError(f"strided_slice: begin, end and strides must have the same length, "
                         f"got {b}, {e} and {s}.")
    if bin(int(ellipsis_mask)).count("1") > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed.")
    key = []
    for i, (start, stop, step) in enumerate(zip(b, e, s)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(start)
        else:
            if step == 0:
                raise ValueError(f"strided_slice: strides[{i}] must be non-zero.")
            key.append(_builtin_slice(None if begin_mask & bit else start,
                                      None if end_mask & bit else stop, step))
    return array_ops.slice_with_key(input_, tuple(key), name=name)


def reverse(tensor, axis, name=None):
    """Reverses `tensor` along each axis in the list `axis`."""
    x = to_tensor(tensor)
    rank = _known_rank(x, "reverse")
    axes = static_axis(axis, "axis")
    axes = () if axes is None else ((axes,) if isinstance(axes, int) else axes)
    normalized = [_normalize_axis(a, rank, "reverse") for a in axes]
    if len(set(normalized)) != len(normalized):
        raise errors.InvalidArgumentError(None, None, f"reverse: axis {list(axes)} names an "
                                          "axis more than once.")
    if not normalized:
        return array_ops.identity(x, name=name)
    key = tuple(_builtin_slice(None, None, -1) if i in normalized else _builtin_slice(None)
                for i in range(rank))
    return array_ops.slice_with_key(x, key, name=name)


reverse_v2 = reverse


# ---- sorting ------------------------------------------------------------------------------

def _top_k_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is None:
        return [TensorShape(None)] * 2
    if shape.rank == 0:
        raise ValueError("top_k: input must be at least rank 1, got a scalar.")
    k = inputs[1]._constant_value()
    k = None if k is None else int(k)
    if k is not None and k >= 0 and shape[-1] is not None and k > shape[-1]:
        raise ValueError(f"top_k: input must have at least k={k} columns, got shape {shape}.")
    last = shape[-1] if k == -1 else k  # k = -1: all entries (a full sort)
    out = TensorShape(shape.as_tuple()[:-1] + (last,))
    return [out, out]


register_op("TopKV2", kx.top_k, _top_k_shape,
            lambda d, attrs: [d[0], dtypes.as_dtype(attrs["index_dtype"])], num_outputs=2)
register_op("TakeAlongAxis", kx.take_along_last_axis, lambda inputs, attrs: [inputs[1].shape])
register_op("PutAlongAxis", kx.put_along_last_axis, _shape_from_input(2))


@register_gradient("TopKV2")
def _top_k_grad(op, grad_values, grad_indices):
    """each selected value's gradient goes back to the position it was taken from"""
    return apply("PutAlongAxis", [grad_values, op.outputs[1], _shape_of(op.inputs[0])]), None


@register_gradient("TakeAlongAxis")
def _take_along_axis_grad(op, grad):
    """the adjoint of taking entries is adding them back at their positions"""
    x, indices = op.inputs
    return apply("PutAlongAxis", [grad, indices, _shape_of(x)]), None


@register_gradient("PutAlongAxis")
def _put_along_axis_grad(op, grad):
    """the adjoint of putting entries at positions is taking them from there"""
    return apply("TakeAlongAxis", [grad, op.inputs[1]]), None, None


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002
    """The `k` largest entries along the last axis and their indices, largest first.

    Returns a (values, indices) namedtuple. Equal values keep their input order (the lower
    index first), as in TensorFlow. Results are always sorted.

    Raises:
        InvalidArgumentError: the last axis has fewer than k entries.
    """
    x = to_tensor(input)
    if x.dtype._np.kind not in "fiu":
        check_dtype(x, "fiu", "TopKV2")
    if x.shape.rank == 0:
        raise errors.InvalidArgumentError(None, None, "top_k: input must be at least rank 1, "
                                          "got a scalar.")
    static_k = _static_value(k)
    if static_k is not None:
        if static_k.size != 1 or int(static_k) < 0:
            raise errors.InvalidArgumentError(None, None, f"top_k: k must be a non-negative "
                                              f"scalar, got {static_k.tolist()}.")
        k = int(static_k)
        if x.shape.rank is not None and x.shape[-1] is not None and x.shape[-1] < k:
            raise errors.InvalidArgumentError(
                None, None, f"top_k: input must have at least k={k} columns, but it has "
                f"{x.shape[-1]} (shape {x.shape}).")
        k = _const(k)
    else:
        k = math_ops.cast(to_tensor(k), dtypes.int32)
    attrs = {"ascending": False, "index_dtype": dtypes.as_dtype(index_type).as_numpy_dtype}
    values, indices = apply("TopKV2", [x, k], attrs, name)
    return TopKV2(values, indices)


def _sort_along(values, axis, direction, output_index, name, op_name):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{op_name}: unknown direction {direction!r}; use \"ASCENDING\" or "
                         "\"DESCENDING\".")
    x = to_tensor(values)
    if x.dtype._np.kind not in "fiu":
        check_dtype(x, "fiu", op_name)
    rank = _known_rank(x, op_name)
    if rank == 0:
        raise errors.InvalidArgumentError(None, None, f"{op_name}: input must be at least "
                                          "rank 1, got a scalar.")
    axis = _normalize_axis(static_axis(axis), rank, op_name)
    perm = None
    if axis != rank - 1:
        perm = list(range(rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        x = array_ops.transpose(x, perm)
    attrs = {"ascending": direction == "ASCENDING", "index_dtype": np.int32}
    result = apply("TopKV2", [x, _const(-1)], attrs, None if perm else name)[output_index]
    # Swapping two axes is its own inverse.
    return result if perm is None else array_ops.transpose(result, perm, name=name or
                                                           "transpose")


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """Sorts `values` along `axis` (stable: equal values keep their order)."""
    return _sort_along(values, axis, direction, 0, name, "sort")


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort `values` along `axis` (always stable here)."""
    return _sort_along(values, axis, direction, 1, name, "argsort")


# ---- masks --------------------------------------------------------------------------------

def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The entries of `tensor` where the k-dimensional `mask` is true, along axes
    axis..axis+k-1 (flattened into one axis of unknown static size)."""
    x = _params_tensor(tensor)
    mask = to_tensor(mask)
    if mask.dtype != dtypes.bool:
        mask = math_ops.cast(mask, dtypes.bool)
    k = mask.shape.rank
    if k is None:
        raise ValueError("Number of mask dimensions must be specified, even if some "
                         "dimensions are None. E.g. shape=[None] is ok, but shape=None is not.")
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    rank = _known_rank(x, "boolean_mask")
    axis = 0 if axis is None else static_axis(axis)
    if axis < 0:
        axis += rank
    if not 0 <= axis <= rank - k:
        raise ValueError(f"boolean_mask: a mask of rank {k} at axis {axis} does not fit a "
                         f"tensor of shape {x.shape}.")
    masked = TensorShape(x.shape.as_tuple()[axis:axis + k])
    if not masked.is_compatible_with(mask.shape):
        raise ValueError(f"Shapes {masked} and {mask.shape} are incompatible: the mask shape "
                         f"must equal dimensions {axis}..{axis + k - 1} of the tensor shape "
                         f"{x.shape}.")
    dims = list(x.shape.as_tuple())
    if all(d is not None for d in dims[axis:axis + k]) and \
            sum(d is None for d in dims[:axis] + dims[axis + k:]) <= 1:
        merged = int(np.prod(dims[axis:axis + k]))
        flat = array_ops.reshape(x, [-1 if d is None else d for d in dims[:axis]] + [merged] +
                                 [-1 if d is None else d for d in dims[axis + k:]])
    else:
        shape = _shape_of(x)
        flat_shape = array_ops.concat([
            shape[:axis], math_ops.reduce_prod(shape[axis:axis + k], keepdims=True),
            shape[axis + k:]], 0)
        flat = array_ops.reshape(x, flat_shape)
    indices = array_ops.squeeze(array_ops.where_indices(array_ops.reshape(mask, [-1])), [1])
    return array_ops.gather(flat, indices, axis=axis, name=name)


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[i..., j] = j < lengths[i...], for j in [0, maxlen) (maxlen: the largest length)."""
    lengths = to_tensor(lengths)
    _check_integer(lengths, "lengths", "sequence_mask")
    if maxlen is None:
        maxlen = math_ops.maximum(math_ops.reduce_max(lengths),
                                  to_tensor(np.zeros((), lengths.dtype.as_numpy_dtype)))
    else:
        maxlen = math_ops.cast(to_tensor(maxlen), lengths.dtype)
        if maxlen.shape.rank not in (None, 0):
            raise ValueError(f"sequence_mask: maxlen must be a scalar, got shape "
                             f"{maxlen.shape}.")
    positions = array_ops.range(0, maxlen, 1, dtype=lengths.dtype)
    mask = math_ops.less(positions, array_ops.expand_dims(lengths, -1))
    dtype = dtypes.as_dtype(dtype)
    return mask if dtype == dtypes.bool else math_ops.cast(mask, dtype, name=name)


# ---- constructors -------------------------------------------------------------------------

def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix [num_rows, num_columns] (square by default), optionally batched."""
    dtype = dtypes.as_dtype(dtype)
    rows = _static_value(num_rows)
    columns = rows if num_columns is None else _static_value(num_columns)
    batch = [] if batch_shape is None else _static_value(batch_shape)
    if rows is not None and columns is not None and batch is not None:
        rows, columns = int(rows), int(columns)
        batch = [int(b) for b in np.asarray(batch).reshape(-1)]
        if rows < 0 or columns < 0 or any(b < 0 for b in batch):
            raise ValueError(f"eye: sizes must be non-negative, got num_rows={rows}, "
                             f"num_columns={columns}, batch_shape={batch}.")
        matrix = np.eye(rows, columns, dtype=dtype.as_numpy_dtype)
        if batch:
            matrix = np.broadcast_to(matrix, tuple(batch) + matrix.shape).copy()
        return array_ops.constant(matrix, name=name or "eye")
    rows = math_ops.cast(to_tensor(num_rows), dtypes.int32)
    columns = rows if num_columns is None else math_ops.cast(to_tensor(num_columns),
                                                             dtypes.int32)
    matrix = math_ops.cast(math_ops.equal(
        array_ops.expand_dims(array_ops.range(rows), 1),
        array_ops.expand_dims(array_ops.range(columns), 0)), dtype)
    if batch_shape is None:
        return matrix
    shape = array_ops.concat([math_ops.cast(to_tensor(batch_shape), dtypes.int32),
                              array_ops.stack([rows, columns])], 0)
    return array_ops.broadcast_to(matrix, shape, name=name)


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` inclusive, along a new `axis`.

    start and stop may be tensors (broadcast together); the gradient flows to both.
    """
    start = to_tensor(start)
    stop = to_tensor(stop, dtype_hint=start.dtype)
    check_dtype(start, "f", "LinSpace")
    if stop.dtype != start.dtype:
        raise errors.InvalidArgumentError(None, None, f"linspace: start is {start.dtype.name} "
                                          f"but stop is {stop.dtype.name}; cast one of them.")
    delta = stop - start
    rank = _known_rank(delta, "linspace")
    axis = _normalize_axis(static_axis(axis), rank + 1, "linspace")
    np_dtype = start.dtype.as_numpy_dtype
    count = _static_value(num)
    shape = [1] * (rank + 1)
    shape[axis] = -1
    if count is not None:
        count = int(count)
        if count < 0:
            raise errors.InvalidArgumentError(None, None, f"linspace: num must be >= 0, got "
                                              f"{count}.")
        # num <= 1 gives [] or [start], as in TensorFlow and NumPy.
        steps = np.arange(count - 1 if count > 1 else count, dtype=np_dtype) / \
            np_dtype(max(count - 1, 1))
        head = array_ops.expand_dims(start, axis) + array_ops.expand_dims(delta, axis) * \
            array_ops.reshape(_const(steps, np_dtype), shape)
        if count <= 1:
            return head
        if start.shape != stop.shape or not stop.shape.is_fully_defined():
            stop = array_ops.broadcast_to(stop, _shape_of(delta))
        # The last value is `stop` itself (not start + delta), as in TensorFlow.
        return array_ops.concat([head, array_ops.expand_dims(stop, axis)], axis, name=name or
                                "concat")
    num = math_ops.cast(to_tensor(num), dtypes.int32)
    steps = math_ops.cast(array_ops.range(num), start.dtype) / math_ops.cast(
        math_ops.maximum(num - 1, 1), start.dtype)
    return array_ops.expand_dims(start, axis) + array_ops.expand_dims(delta, axis) * \
        array_ops.reshape(steps, shape)


lin_space = linspace


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D coordinate vectors; indexing "xy" (default) or "ij"."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this "
                        "function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"{indexing!r}.")
    tensors = [array_ops.reshape(to_tensor(a), [-1]) for a in args]
    ndim = len(tensors)
    sizes = [_dim(t, 0) for t in tensors]
    positions = list(range(ndim))
    if indexing == "xy" and ndim > 1:
        positions[0], positions[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    results = []
    for t, position in zip(tensors, positions):
        shape = [1] * ndim
        shape[position] = -1
        grid = array_ops.broadcast_to(array_ops.reshape(t, shape), _dims_tensor(sizes))
        grid.set_shape([d if isinstance(d, int) else None for d in sizes])
        results.append(grid)
    return results


# ---- unique, roll, repeat -----------------------------------------------------------------

def _unique_shape(inputs, attrs):
    return [TensorShape([None]), inputs[0].shape]


register_op("Unique", kx.unique, _unique_shape,
            lambda d, attrs: [d[0], dtypes.as_dtype(attrs["out_idx"])], num_outputs=2)
register_op("UniqueWithCounts", kx.unique_with_counts,
            lambda inputs, attrs: _unique_shape(inputs, attrs) + [TensorShape([None])],
            lambda d, attrs: [d[0]] + [dtypes.as_dtype(attrs["out_idx"])] * 2, num_outputs=3)
not_differentiable("Unique", "UniqueWithCounts")


def _unique_input(x, op_name):
    x = to_tensor(x)
    if x.shape.rank not in (None, 1):
        raise errors.InvalidArgumentError(None, None, f"{op_name} expects a 1-D vector, got "
                                          f"shape {x.shape}. Flatten it with "
                                          "tf.reshape(x, [-1]).")
    return x


def unique(x, out_idx=dtypes.int32, name=None):
    """The unique values of 1-D `x` in order of first occurrence, and for each entry of x the
    index of its value in y: a (y, idx) namedtuple."""
    x = _unique_input(x, "unique")
    y, idx = apply("Unique", [x], {"out_idx": dtypes.as_dtype(out_idx).as_numpy_dtype}, name)
    return Unique(y, idx)


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """As `unique`, plus how often each unique value occurs: a (y, idx, count) namedtuple."""
    x = _unique_input(x, "unique_with_counts")
    y, idx, count = apply("UniqueWithCounts", [x],
                          {"out_idx": dtypes.as_dtype(out_idx).as_numpy_dtype}, name)
    return UniqueWithCounts(y, idx, count)


register_op("Roll", kx.roll, same_shape)


@register_gradient("Roll")
def _roll_grad(op, grad):
    """rolling back: d roll(x, s) = roll(dy, -s)"""
    shift = tuple(-s for s in op.attrs["shift"])
    return apply("Roll", [grad], {"shift": shift, "axis": op.attrs["axis"]})


def roll(input, shift, axis, name=None):
    """Rolls entries along each axis by the matching shift (elements wrap around)."""
    x = to_tensor(input)
    shifts = _static_ints(shift, "shift", "roll")
    axes = _static_ints(axis, "axis", "roll")
    if len(shifts) != len(axes):
        raise errors.InvalidArgumentError(None, None, f"roll: shift and axis must have the "
                                          f"same size, got shift {shifts} and axis {axes}.")
    rank = _known_rank(x, "roll")
    axes = [_normalize_axis(a, rank, "roll") for a in axes]
    return apply("Roll", [x], {"shift": tuple(shifts), "axis": tuple(axes)}, name)


def repeat(input, repeats, axis=None, name=None):
    """Repeats each element (axis=None: of the flattened input) or each slice along `axis`."""
    x = to_tensor(input)
    if axis is None:
        x = array_ops.reshape(x, [-1])
        axis = 0
    rank = _known_rank(x, "repeat")
    axis = _normalize_axis(static_axis(axis), rank, "repeat")
    counts = _static_value(repeats)
    n = x.shape[axis]
    if counts is not None and n is not None:
        counts = counts.astype(np.int64)
        if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, n)):
            raise errors.InvalidArgumentError(
                None, None, f"repeat: repeats must be a scalar or have {n} entries (the size "
                f"of axis {axis} of shape {x.shape}), got shape {list(counts.shape)}.")
        if (counts < 0).any():
            raise errors.InvalidArgumentError(None, None, "repeat: repeats must be "
                                              "non-negative.")
        index = np.repeat(np.arange(n, dtype=np.int32), counts.reshape(-1) if counts.ndim
                          else int(counts))
        return array_ops.gather(x, index, axis=axis, name=name)
    # Run-time sizes: tile up to the largest count and keep the first count[i] copies.
    counts = math_ops.cast(to_tensor(repeats), dtypes.int32)
    counts = array_ops.reshape(array_ops.broadcast_to(
        counts, array_ops.reshape(_dim(x, axis), [1])), [-1])
    largest = math_ops.reduce_max(counts)
    expanded = array_ops.expand_dims(x, axis + 1)
    multiples = _dims_tensor([1] * (axis + 1) + [largest] + [1] * (rank - axis - 1))
    tiled = tile(expanded, multiples)
    return boolean_mask(tiled, sequence_mask(counts, largest), axis=axis, name=name)


# ---- einsum -------------------------------------------------------------------------------

def _parse_equation(equation, count):
    """(input subscripts, output subscripts) of an einsum equation, made explicit."""
    text = str(equation).replace(" ", "")
    lhs, arrow, out = text.partition("->")
    subs = lhs.split(",")
    if len(subs) != count:
        raise ValueError(f"einsum: the equation {equation!r} names {len(subs)} operand(s) but "
                         f"{count} tensor(s) were given.")
    for part in subs + ([out] if arrow else []):
        core = part.replace("...", "", 1)
        if not all(c in string.ascii_letters for c in core):
            raise ValueError(f"einsum: invalid subscripts {part!r} in equation {equation!r}; "
                             "use letters and at most one '...' per operand.")
    letters = "".join(s.replace("...", "") for s in subs)
    if not arrow:
        singles = sorted(c for c in set(letters) if letters.count(c) == 1)
        out = ("..." if any("..." in s for s in subs) else "") + "".join(singles)
    else:
        core = out.replace("...", "")
        for c in core:
            if c not in letters:
                raise ValueError(f"einsum: output subscript {c!r} of {equation!r} does not "
                                 "appear in any input.")
            if core.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} of {equation!r} appears "
                                 "more than once.")
    return subs, out


def _split_equation(equation):
    lhs, out = equation.split("->")
    return lhs.split(","), out


def _einsum_shape(inputs, attrs):
    subs, out = _split_equation(attrs["equation"])
    if any(t.shape.rank is None for t in inputs):
        return [TensorShape(None)]
    sizes = {}
    ellipses = []
    for t, sub in zip(inputs, subs):
        dims = t.shape.as_tuple()
        core = sub.replace("...", "")
        if "..." in sub:
            count = len(dims) - len(core)
            if count < 0:
                raise ValueError(f"einsum: operand subscripts {sub!r} need at least "
                                 f"{len(core)} dimensions, got shape {t.shape}.")
            at = sub.index("...")
            ellipses.append(TensorShape(dims[at:at + count]))
            dims = dims[:at] + dims[at + count:]
        elif len(dims) != len(core):
            raise ValueError(f"einsum: operand subscripts {sub!r} do not match the rank of "
                             f"its shape {t.shape}.")
        for c, d in zip(core, dims):
            sizes.setdefault(c, []).append(d)
    merged = {}
    for c, values in sizes.items():
        known = {d for d in values if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"einsum: subscript {c!r} has incompatible sizes {values} in "
                             f"equation {attrs['equation']!r}.")
        merged[c] = known.pop() if known else (None if None in values else 1)
    if "..." in out:
        ellipsis = broadcast_shape([_Shaped(s) for s in ellipses], None)[0] if ellipses \
            else TensorShape([])
        before, after = out.split("...")
        if ellipsis.rank is None:
            return [TensorShape(None)]
        result = [merged[c] for c in before] + list(ellipsis.as_tuple()) + \
            [merged[c] for c in after]
    else:
        result = [merged[c] for c in out]
    return [TensorShape(result)]


class _Shaped:
    def __init__(self, shape):
        self.shape = shape


register_op("Einsum", kx.einsum, _einsum_shape)


def _expand_ellipsis(subs, out, ranks):
    """Explicit subscripts: each "..." replaced by letters (shared, right-aligned)."""
    used = set("".join(subs) + out)
    fresh = [c for c in string.ascii_letters if c not in used]
    counts = [rank - len(sub.replace("...", "")) for sub, rank in zip(subs, ranks)
              if "..." in sub]
    width = max(counts, default=0)
    letters = "".join(fresh[:width])
    expanded = []
    for sub, rank in zip(subs, ranks):
        if "..." in sub:
            count = rank - len(sub.replace("...", ""))
            sub = sub.replace("...", letters[width - count:] if count else "")
        expanded.append(sub)
    return expanded, out.replace("...", letters)


def _identity_like(x, axis, dtype):
    n = x.shape[axis]
    if n is not None:
        return _const(np.eye(n), dtype.as_numpy_dtype)
    return eye(_dim(x, axis), dtype=dtype)


@register_gradient("Einsum")
def _einsum_grad(op, grad):
    """d einsum: operand i gets einsum(dy, other operands) back to its own subscripts.

    Letters summed away in operand i alone are supplied by a ones tensor shaped like it (the
    gradient broadcasts over them); a repeated letter (a diagonal) gets a fresh letter tied
    to the first by an identity matrix, which puts the gradient back on the diagonal.
    """
    subs, out = _split_equation(op.attrs["equation"])
    inputs = list(op.inputs)
    if "..." in op.attrs["equation"]:
        ranks = [t.shape.rank for t in inputs]
        if None in ranks:
            raise errors.UnimplementedError(
                None, None, f"The gradient of einsum {op.attrs['equation']!r} with '...' needs "
                "operands of known rank.")
        subs, out = _expand_ellipsis(subs, out, ranks)
    used = set("".join(subs) + out)
    fresh = iter(c for c in string.ascii_letters if c not in used)
    results = []
    for i, (x, sub) in enumerate(zip(inputs, subs)):
        if not x.dtype.is_floating:
            results.append(None)
            continue
        operands, terms = [grad], [out]
        for j, (other, other_sub) in enumerate(zip(inputs, subs)):
            if j != i:
                operands.append(other)
                terms.append(other_sub)
        available = set("".join(terms))
        if any(c not in available for c in sub):
            operands.append(apply("OnesLike", [x]))
            terms.append(sub)
        target = []
        for axis, c in enumerate(sub):
            if c in target:
                twin = next(fresh)
                operands.append(_identity_like(x, axis, grad.dtype))
                terms.append(c + twin)
                c = twin
            target.append(c)
        equation = ",".join(terms) + "->" + "".join(target)
        results.append(apply("Einsum", operands, {"equation": equation}))
    return results


def einsum(equation, *inputs, **kwargs):
    """Tensor contraction in Einstein notation, e.g. einsum("ij,jk->ik", a, b).

    Subscripts repeated across inputs and missing from the output are summed; "..." stands
    for broadcast leading dimensions; without "->" the output is the letters that appear
    once, in alphabetical order.
    """
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword argument {next(iter(kwargs))!r}.")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = inputs[0]
    tensors = [_params_tensor(t) for t in inputs]
    if not tensors:
        raise ValueError("einsum needs at least one input tensor.")
    for t in tensors[1:]:
        if t.dtype != tensors[0].dtype:
            raise errors.InvalidArgumentError(
                None, None, f"einsum: all inputs must have the same dtype, got "
                f"{[t.dtype.name for t in tensors]}. Cast them with tf.cast.")
    subs, out = _parse_equation(equation, len(tensors))
    return apply("Einsum", tensors, {"equation": ",".join(subs) + "->" + out}, name)


# ---- tensordot ----------------------------------------------------------------------------

def _tensordot_axes(axes, rank_a, rank_b):
    if isinstance(axes, (list, tuple)) and len(axes) == 2:
        # A pair: axes of a, axes of b (each an int or a list).
        first, second = (_static_ints(a, "axes", "tensordot") for a in axes)
    else:
        value = _static_value(axes)
        if value is None:
            raise errors.UnimplementedError(None, None, "tensordot: `axes` known only at run "
                                            "time is not supported by tensorflux.")
        if value.ndim == 0:
            n = int(value)
            if n < 0 or n > rank_a or n > rank_b:
                raise ValueError(f"tensordot: axes={n} must be in [0, min(rank(a), rank(b))] "
                                 f"= [0, {min(rank_a, rank_b)}].")
            return list(range(rank_a - n, rank_a)), list(range(n))
        if value.ndim != 2 or value.shape[0] != 2:
            raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got "
                             f"{axes!r}.")
        first, second = [int(v) for v in value[0]], [int(v) for v in value[1]]
    if len(first) != len(second):
        raise ValueError(f"tensordot: the two axis lists must have the same length, got "
                         f"{first} and {second}.")
    first = [_normalize_axis(a, rank_a, "tensordot") for a in first]
    second = [_normalize_axis(b, rank_b, "tensordot") for b in second]
    return first, second


def _sizes(x, axes):
    """Sizes of `axes` of x: a list of ints when static, else a 1-D int32 tensor."""
    dims = [x.shape[a] for a in axes]
    if all(d is not None for d in dims):
        return dims
    return array_ops.gather(_shape_of(x), _const(list(axes)))


def _product(sizes):
    if isinstance(sizes, list):
        return int(np.prod(sizes, dtype=np.int64))
    return math_ops.reduce_prod(sizes)


def tensordot(a, b, axes, name=None):
    """Sums the products of a and b over a's `axes[0]` and b's `axes[1]` (an int N means the
    last N axes of a with the first N of b). Built from transpose, reshape and matmul, so the
    gradient comes from those ops.

    Raises:
        ValueError: the contracted dimensions differ (names both shapes).
    """
    a, b = binary_inputs(a, b, "tensordot")
    rank_a, rank_b = _known_rank(a, "tensordot"), _known_rank(b, "tensordot")
    axes_a, axes_b = _tensordot_axes(axes, rank_a, rank_b)
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] is not None and b.shape[j] is not None and a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: dimension {i} of a (shape {a.shape}) is "
                             f"{a.shape[i]} but dimension {j} of b (shape {b.shape}) is "
                             f"{b.shape[j]}; contracted axes must have equal sizes.")
    free_a = [i for i in range(rank_a) if i not in axes_a]
    free_b = [j for j in range(rank_b) if j not in axes_b]
    perm_a, perm_b = free_a + axes_a, axes_b + free_b
    at = a if perm_a == list(range(rank_a)) else array_ops.transpose(a, perm_a)
    bt = b if perm_b == list(range(rank_b)) else array_ops.transpose(b, perm_b)
    sizes_free_a, sizes_free_b = _sizes(a, free_a), _sizes(b, free_b)
    sizes_axes = _sizes(a, axes_a)
    shape_a = _dims_tensor([_product(sizes_free_a), _product(sizes_axes)])
    shape_b = _dims_tensor([_product(sizes_axes), _product(sizes_free_b)])
    product = math_ops.matmul(array_ops.reshape(at, shape_a), array_ops.reshape(bt, shape_b))
    if isinstance(sizes_free_a, list) and isinstance(sizes_free_b, list):
        out_shape = _const(sizes_free_a + sizes_free_b)
    else:
        out_shape = array_ops.concat([math_ops.cast(to_tensor(s), dtypes.int32)
                                      for s in (sizes_free_a, sizes_free_b)], 0)
    result = array_ops.reshape(product, out_shape, name=name)
    # as TF: the static shape keeps the free dimensions of a, then b, known or not
    result.set_shape([a.shape[i] for i in free_a] + [b.shape[j] for j in free_b])
    return result


# ---- norms --------------------------------------------------------------------------------

def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None,  # noqa: A002
         keep_dims=None):
    """Vector norms (axis None or an int) and matrix norms (axis a pair of ints).

    ord: "euclidean"/"fro" (the 2-norm of the entries), 1, 2, np.inf or any p > 0 for vectors;
    "euclidean"/"fro", 1 (max column sum), np.inf (max row sum) for matrices. Composed from
    reductions, so the gradient comes free (it is NaN at 0 for the 2-norm, as in TF).
    """
    keepdims = bool(keepdims or keep_dims)
    x = to_tensor(tensor)
    check_dtype(x, "fc", "norm")
    axis = static_axis(axis)
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    is_matrix = isinstance(axis, tuple)
    if is_matrix:
        if len(axis) != 2 or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if ord not in ("euclidean", "fro", 1, np.inf):
            if ord == 2:
                raise errors.UnimplementedError(None, None, "tf.norm with ord=2 of a matrix "
                                                "(the spectral norm) is not implemented by "
                                                "tensorflux.")
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', "
                             f"1, 2, inf], got {ord!r}")
    elif not (ord in ("euclidean", "fro") or (isinstance(ord, (int, float)) and
                                              not isinstance(ord, bool) and ord > 0)):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord!r}")
    magnitude = math_ops.abs(x)
    if ord in ("euclidean", "fro", 2) and not is_matrix or ord in ("euclidean", "fro"):
        squares = math_ops.square(x) if x.dtype.is_floating else math_ops.square(magnitude)
        return math_ops.sqrt(math_ops.reduce_sum(squares, axis, keepdims=keepdims), name=name)
    if is_matrix:
        rows, columns = axis
        if ord == np.inf:
            rows, columns = columns, rows
        sums = math_ops.reduce_sum(magnitude, rows, keepdims=True)
        result = math_ops.reduce_max(sums, columns, keepdims=True)
        return result if keepdims else array_ops.squeeze(result, list(axis), name=name)
    if ord == np.inf:
        return math_ops.reduce_max(magnitude, axis, keepdims=keepdims, name=name)
    if ord == 1:
        return math_ops.reduce_sum(magnitude, axis, keepdims=keepdims, name=name)
    p = np.asarray(ord, dtype=magnitude.dtype.as_numpy_dtype)
    total = math_ops.reduce_sum(math_ops.pow(magnitude, p), axis, keepdims=keepdims)
    return math_ops.pow(total, 1.0 / p, name=name)


# ---- linear algebra -----------------------------------------------------------------------

def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swaps the last two axes of `a` (conjugate=True also conjugates complex entries)."""
    x = to_tensor(a)
    rank = _known_rank(x, "matrix_transpose")
    if rank < 2:
        raise ValueError(f"matrix_transpose: input must be at least rank 2, got shape "
                         f"{x.shape}.")
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    result = array_ops.transpose(x, perm, name=name)
    return math_ops.conj(result) if conjugate and x.dtype.is_complex else result


register_op("MatrixDiag", kx.matrix_diag)
register_op("MatrixDiagPart", kx.matrix_diag_part)
register_op("MatrixSetDiag", kx.matrix_set_diag, same_shape)


@register_gradient("MatrixDiag")
def _matrix_diag_grad(op, grad):
    """the diagonal gets the diagonal of dy"""
    return apply("MatrixDiagPart", [grad])


@register_gradient("MatrixDiagPart")
def _matrix_diag_part_grad(op, grad):
    """dy goes on the diagonal of a zero matrix shaped like x"""
    return apply("MatrixSetDiag", [apply("ZerosLike", [op.inputs[0]]), grad])


@register_gradient("MatrixSetDiag")
def _matrix_set_diag_grad(op, grad):
    """x gets dy off the diagonal; the diagonal input gets the diagonal of dy"""
    diagonal = op.inputs[1]
    return (apply("MatrixSetDiag", [grad, apply("ZerosLike", [diagonal])]),
            apply("MatrixDiagPart", [grad]))


def _only_main_diagonal(k, op_name, **defaults):
    if _static_ints(k, "k", op_name) != [0]:
        raise errors.UnimplementedError(None, None, f"{op_name} with k != 0 (off-diagonals) "
                                        "is not implemented by tensorflux.")
    for key, value in defaults.items():
        if value not in (-1, 0, None):
            raise errors.UnimplementedError(None, None, f"{op_name}: {key}={value!r} is not "
                                            "implemented by tensorflux.")


def matrix_diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
                align="RIGHT_LEFT"):
    """A (batch of) square matrix with `diagonal` (shape [..., n]) on the main diagonal."""
    _only_main_diagonal(k, "diag", num_rows=num_rows, num_cols=num_cols,
                        padding_value=padding_value)
    return apply("MatrixDiag", [to_tensor(diagonal)], None, name)


def matrix_diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """The main diagonal of each matrix in `input` (shape [..., m, n] -> [..., min(m, n)])."""
    _only_main_diagonal(k, "diag_part", padding_value=padding_value)
    return apply("MatrixDiagPart", [to_tensor(input)], None, name)


def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):
    """A copy of `input` with its main diagonal replaced by `diagonal`."""
    _only_main_diagonal(k, "set_diag")
    x, d = binary_inputs(input, diagonal, "MatrixSetDiag")
    return apply("MatrixSetDiag", [x, d], None, name)


def trace(x, name=None):
    """The sum of the main diagonal of each matrix in `x` (shape [..., m, n] -> [...])."""
    return math_ops.reduce_sum(matrix_diag_part(x), -1, name=name)


def _square_matrix_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is not None:
        if shape.rank < 2:
            raise ValueError(f"Input must be at least rank 2 (a matrix), got shape {shape}.")
        m, n = shape[-2], shape[-1]
        if m is not None and n is not None and m != n:
            raise ValueError(f"Input must be a square matrix (or a batch of them), got shape "
                             f"{shape}.")
    return [shape]


def _determinant_shape(inputs, attrs):
    shape = _square_matrix_shape(inputs, attrs)[0]
    return [TensorShape(None) if shape.rank is None else shape[:-2]]


register_op("MatrixInverse", kx.matrix_inverse, _square_matrix_shape)
register_op("MatrixDeterminant", kx.matrix_determinant, _determinant_shape)


@register_gradient("MatrixInverse")
def _matrix_inverse_grad(op, grad):
    """Y = A^-1: dY = -Y dA Y, so dA = -Y^T dY Y^T"""
    y = op.outputs[0]
    return math_ops.negative(math_ops.matmul(math_ops.matmul(y, grad, transpose_a=True), y,
                                             transpose_b=True))


@register_gradient("MatrixDeterminant")
def _matrix_determinant_grad(op, grad):
    """d det(A) = det(A) tr(A^-1 dA), so dA = dy det(A) A^-T"""
    a, det = op.inputs[0], op.outputs[0]
    scale = array_ops.expand_dims(array_ops.expand_dims(grad * det, -1), -1)
    return scale * matrix_transpose(apply("MatrixInverse", [a]))


def matrix_inverse(input, adjoint=False, name=None):
    """The inverse of each square matrix in `input` (of its adjoint if adjoint=True).

    Raises:
        InvalidArgumentError: a matrix is singular.
    """
    x = to_tensor(input)
    check_dtype(x, "fc", "MatrixInverse")
    if adjoint:
        x = matrix_transpose(x, conjugate=True)
    return apply("MatrixInverse", [x], None, name)


def matrix_determinant(input, name=None):
    """The determinant of each square matrix in `input` (shape [..., n, n] -> [...])."""
    x = to_tensor(input)
    check_dtype(x, "fc", "MatrixDeterminant")
    return apply("MatrixDeterminant", [x], None, name)


# ---- segment reductions and counting ------------------------------------------------------

register_op("UnsortedSegmentMax", kx.unsorted_segment_max, array_ops._segment_sum_shape)
register_op("UnsortedSegmentMin", kx.unsorted_segment_min, array_ops._segment_sum_shape)


def _segment_extreme_grad(op, grad):
    """each segment's gradient goes to the entries equal to its extreme value, shared equally
    among ties (entries with negative segment ids get none)"""
    data, segment_ids, num_segments = op.inputs
    result = op.outputs[0]
    valid = math_ops.greater_equal(segment_ids, 0)
    safe_ids = math_ops.where(valid, segment_ids, apply("ZerosLike", [segment_ids]))
    for _ in range(_known_rank(data, "segment gradient") - segment_ids.shape.rank):
        valid = array_ops.expand_dims(valid, -1)
    chosen = math_ops.logical_and(math_ops.equal(data, array_ops.gather(result, safe_ids)),
                                  valid)
    chosen = math_ops.cast(chosen, grad.dtype)
    counts = array_ops.unsorted_segment_sum(chosen, safe_ids, num_segments)
    share = math_ops.div_no_nan(grad, counts)
    return chosen * array_ops.gather(share, safe_ids), None, None


register_gradient("UnsortedSegmentMax")(_segment_extreme_grad)
register_gradient("UnsortedSegmentMin")(_segment_extreme_grad)


def _segment_inputs(data, segment_ids, op_name):
    data = _params_tensor(data)
    segment_ids = to_tensor(segment_ids)
    _check_integer(segment_ids, "segment_ids", op_name)
    return data, segment_ids


def _unsorted_extreme(op_type, data, segment_ids, num_segments, name, op_name):
    data, segment_ids = _segment_inputs(data, segment_ids, op_name)
    if data.dtype._np.kind not in "fiu":
        check_dtype(data, "fiu", op_type)
    num_segments = to_tensor(num_segments)
    return apply(op_type, [data, segment_ids, num_segments], None, name)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """The maximum of the data rows of each segment id (the lowest value for empty ones)."""
    return _unsorted_extreme("UnsortedSegmentMax", data, segment_ids, num_segments, name,
                             "unsorted_segment_max")


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """The minimum of the data rows of each segment id (the highest value for empty ones)."""
    return _unsorted_extreme("UnsortedSegmentMin", data, segment_ids, num_segments, name,
                             "unsorted_segment_min")


def _segment_counts(data, segment_ids, num_segments):
    """How many entries fall in each segment, shaped to broadcast against the segment sums."""
    ones = math_ops.cast(apply("OnesLike", [segment_ids]), data.dtype)
    counts = array_ops.unsorted_segment_sum(ones, segment_ids, num_segments)
    for _ in range(_known_rank(data, "segment reduction") - segment_ids.shape.rank):
        counts = array_ops.expand_dims(counts, -1)
    return counts


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of the data rows of each segment id (0 for empty segments)."""
    data, segment_ids = _segment_inputs(data, segment_ids, "unsorted_segment_mean")
    num_segments = to_tensor(num_segments)
    total = array_ops.unsorted_segment_sum(data, segment_ids, num_segments)
    counts = _segment_counts(data, segment_ids, num_segments)
    return math_ops.truediv(total, math_ops.maximum(counts, 1), name=name)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of each segment divided by the square root of its size."""
    data, segment_ids = _segment_inputs(data, segment_ids, "unsorted_segment_sqrt_n")
    num_segments = to_tensor(num_segments)
    total = array_ops.unsorted_segment_sum(data, segment_ids, num_segments)
    counts = _segment_counts(data, segment_ids, num_segments)
    return math_ops.truediv(total, math_ops.sqrt(math_ops.maximum(counts, 1)), name=name)


def _sorted_segments(data, segment_ids, op_name):
    data, segment_ids = _segment_inputs(data, segment_ids, op_name)
    if segment_ids.shape.rank not in (None, 1):
        raise errors.InvalidArgumentError(None, None, f"{op_name}: segment_ids must be a "
                                          f"vector, got shape {segment_ids.shape}.")
    ids = segment_ids._value
    if ids is not None and ids.size and (np.any(np.diff(ids) < 0) or ids[0] < 0):
        raise errors.InvalidArgumentError(
            None, None, f"{op_name}: segment ids must be sorted and non-negative, got "
            f"{ids.tolist()}. Use tf.math.unsorted_segment_* for unsorted ids.")
    zero = to_tensor(np.zeros((), segment_ids.dtype.as_numpy_dtype))
    num_segments = math_ops.maximum(math_ops.reduce_max(segment_ids) + 1, zero)
    return data, segment_ids, num_segments


def segment_sum(data, segment_ids, name=None):
    """Sums the rows of `data` of each (sorted) segment id; ids index the output rows."""
    data, ids, num = _sorted_segments(data, segment_ids, "segment_sum")
    return array_ops.unsorted_segment_sum(data, ids, num, name=name)


def segment_mean(data, segment_ids, name=None):
    data, ids, num = _sorted_segments(data, segment_ids, "segment_mean")
    return unsorted_segment_mean(data, ids, num, name=name)


def segment_max(data, segment_ids, name=None):
    data, ids, num = _sorted_segments(data, segment_ids, "segment_max")
    return unsorted_segment_max(data, ids, num, name=name)


def segment_min(data, segment_ids, name=None):
    data, ids, num = _sorted_segments(data, segment_ids, "segment_min")
    return unsorted_segment_min(data, ids, num, name=name)


register_op("Bincount", kx.bincount, lambda inputs, attrs: [TensorShape([None])],
            _dtype_attr("dtype"))
not_differentiable("Bincount")


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Counts each value of the non-negative integers in `arr` (or sums their `weights`).

    The output has max(arr) + 1 entries, at least `minlength` and at most `maxlength` (larger
    values are dropped). With weights, the output has the weights' dtype.
    """
    arr = to_tensor(arr)
    _check_integer(arr, "arr", "bincount")
    if axis not in (None, 0):
        raise errors.UnimplementedError(None, None, "bincount with axis=-1 (per-row counts) "
                                        "is not implemented by tensorflux.")
    if weights is not None:
        weights = to_tensor(weights)
        dtype = weights.dtype
    else:
        dtype = dtypes.as_dtype(dtype)
        weights = _const(np.zeros(0), dtype.as_numpy_dtype)
    limits = {}
    for key, value in (("minlength", minlength), ("maxlength", maxlength)):
        limits[key] = None if value is None else _static_ints(value, key, "bincount")[0]
    attrs = dict(limits, dtype=dtype.as_numpy_dtype, binary_output=bool(binary_output))
    return apply("Bincount", [arr, weights], attrs, name)
