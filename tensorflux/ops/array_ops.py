"""Array ops: constants and placeholders, shapes, reshaping, joining, slicing, gathering."""
import builtins

import numpy as np

from tensorflux.framework import context, dtypes, errors
from tensorflux.framework.execute import constant_array, convert_to_tensor
from tensorflux.framework.registry import (not_differentiable, register_gradient, register_op,
                                           same_shape, unknown_shape)
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape, as_shape
from tensorflux.kernels import array as ak
from tensorflux.ops._helpers import apply, static_axis, static_value, to_tensor

# `tuple` and `range` are TensorFlow names defined below; the builtins are used by these names.
_builtin_tuple = builtins.tuple
_builtin_range = builtins.range

__all__ = [
    "constant", "placeholder", "placeholder_with_default", "identity", "stop_gradient",
    "no_op", "group", "tuple", "shape", "shape_n", "size", "rank", "reshape", "transpose",
    "expand_dims", "squeeze", "concat", "stack", "unstack", "zeros", "ones", "zeros_like",
    "ones_like", "fill", "broadcast_to", "gather", "one_hot", "range", "convert_to_tensor",
    "where_indices", "unsorted_segment_sum", "is_tensor",
    "broadcast_static_shape", "broadcast_dynamic_shape", "ensure_shape",
]


# ---- sources ------------------------------------------------------------------------------

def _const_shape(inputs, attrs):
    return [TensorShape(np.shape(attrs["value"]))]


def _const_kernel(xp, value):
    return value


register_op("Const", _const_kernel, _const_shape,
            lambda d, attrs: [_dtype_of(attrs["value"])])
not_differentiable("Const")


def _dtype_of(array):
    from tensorflux.framework.tensor import dtype_of_array
    return dtype_of_array(np.asarray(array))


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A tensor of fixed value. Python ints become int32 and floats float32, as in TF;
    `shape` broadcasts a scalar (or reshapes a value with as many elements)."""
    if isinstance(value, Tensor) and value._value is not None:
        value = value._value
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    tensor_value = convert_to_tensor(value, dtype=dtype) if not isinstance(value, Tensor) \
        else value
    if shape is None:
        return tensor_value if isinstance(value, Tensor) else \
            _name_constant(tensor_value, name)
    array = tensor_value._constant_value()
    target = _builtin_tuple(as_shape(shape).as_list())
    if array.size == 1:
        array = np.full(target, array.reshape(()), dtype=array.dtype)
    elif array.size == int(np.prod(target)):
        array = array.reshape(target)
    else:
        raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried to "
                        f"convert a value with {array.size} elements to shape {list(target)}.")
    if context.executing_eagerly():
        return Tensor._from_array(array)
    return constant_array(array, context.get_default_graph(), name or "Const")


def _name_constant(tensor, name):
    if tensor._value is None and name not in (None, "Const") and tensor.op.type == "Const":
        graph = tensor.op.graph
        del graph._names[tensor.op.name]
        tensor.op.name = graph.unique_name(name)
        graph._names[tensor.op.name] = tensor.op
    return tensor


def _placeholder_shape(inputs, attrs):
    return [attrs["shape"]]


register_op("Placeholder", ak.placeholder, _placeholder_shape, lambda d, attrs: [attrs["dtype"]],
            stateful=True)
not_differentiable("Placeholder")


def placeholder(dtype, shape=None, name=None):
    """A graph input (TF1): its value is given at run time through `feed_dict`.

    Placeholders exist only in graph mode; creating one switches the program to graph mode,
    as TF1 code expects.
    """
    if context.executing_eagerly():
        if context.state.eager_enabled and not context.state.graph_stack:
            context.disable_eager_execution()
    dtype = dtypes.as_dtype(dtype)
    shape = TensorShape(shape)
    graph = context.get_default_graph()
    op = graph.create_op(_PLACEHOLDER, [], {"name": None, "dtype": dtype, "shape": shape},
                         name or "Placeholder")
    op.attrs["name"] = op.name
    op.outputs = (Tensor(op, 0, dtype, shape),)
    return op.outputs[0]


from tensorflux.framework.registry import get_op as _get_op  # noqa: E402
_PLACEHOLDER = _get_op("Placeholder")

register_op("PlaceholderWithDefault", lambda xp, x, shape: x,
            lambda inputs, attrs: [attrs["shape"]])


@register_gradient("PlaceholderWithDefault")
def _placeholder_with_default_grad(op, grad):
    return grad


def placeholder_with_default(input, shape, name=None):
    x = to_tensor(input)
    return apply("PlaceholderWithDefault", [x], {"shape": TensorShape(shape)}, name)


# ---- identity-like ------------------------------------------------------------------------

register_op("Identity", ak.identity, same_shape)
register_op("StopGradient", lambda xp, x: x, same_shape)
register_op("NoOp", lambda xp, *args: None, lambda inputs, attrs: [], num_outputs=0,
            stateful=True)
not_differentiable("StopGradient", "NoOp")


@register_gradient("Identity")
def _identity_grad(op, grad):
    """d identity(x) = dx"""
    return grad


def identity(input, name=None):
    """A copy of `input` (a snapshot when it reads a Variable)."""
    if hasattr(input, "_as_tensor") and not isinstance(input, Tensor):
        input = input._as_tensor()
    return apply("Identity", [to_tensor(input)], None, name)


def stop_gradient(input, name=None):
    """Passes `input` through; no gradient flows back through it."""
    return apply("StopGradient", [to_tensor(input)], None, name)


def no_op(name=None):
    if context.executing_eagerly():
        return None
    graph = context.get_default_graph()
    return graph.create_op(_get_op("NoOp"), [], {}, name or "NoOp")


def group(*inputs, name=None):
    """An op that runs all `inputs` (ops or tensors) when run (TF1 `tf.group`)."""
    if context.executing_eagerly():
        return None
    graph = context.get_default_graph()
    deps = []
    for item in inputs:
        for x in (item if isinstance(item, (list, _builtin_tuple)) else [item]):
            if x is None:
                continue
            op = x if not isinstance(x, Tensor) and hasattr(x, "control_inputs") else \
                getattr(x, "op", None)
            if op is not None:
                deps.append(op)
    op = graph.create_op(_get_op("NoOp"), [], {}, name or "group_deps")
    op.control_inputs.extend(deps)
    return op


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TensorFlow's name
    if context.executing_eagerly():
        return list(tensors)
    gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
    outputs = []
    graph = context.get_default_graph()
    for t in tensors:
        if t is None:
            outputs.append(None)
            continue
        with graph.control_dependencies([gate]):
            outputs.append(identity(t))
    return outputs


# ---- shapes -------------------------------------------------------------------------------

def _shape_shape(inputs, attrs):
    rank = inputs[0].shape.rank
    return [TensorShape([rank])]


def _dtype_attr(input_dtypes, attrs):
    return [dtypes.as_dtype(attrs["dtype"])]


register_op("Shape", ak.shape, _shape_shape, _dtype_attr)
register_op("Size", lambda xp, x, dtype: xp.asarray(x.size, dtype=dtype),
            lambda inputs, attrs: [TensorShape([])], _dtype_attr)
register_op("Rank", lambda xp, x: xp.asarray(x.ndim, dtype=xp.int32),
            lambda inputs, attrs: [TensorShape([])], lambda d, attrs: [dtypes.int32])
not_differentiable("Shape", "Size", "Rank")


def shape(input, out_type=dtypes.int32, name=None):
    """The dynamic shape of `input` as a 1-D int32 tensor (the value at run time)."""
    x = input._as_tensor() if hasattr(input, "_as_tensor") and not isinstance(input, Tensor) \
        else to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    if x._value is not None:
        return Tensor._from_array(np.asarray(x._value.shape, dtype=out_type.as_numpy_dtype))
    if x.shape.is_fully_defined() and x.op.graph is context.get_default_graph():
        return constant(np.asarray(x.shape.as_list(), dtype=out_type.as_numpy_dtype),
                        name=name or "Shape")
    return apply("Shape", [x], {"dtype": out_type.as_numpy_dtype}, name)


def shape_n(input, out_type=dtypes.int32, name=None):
    return [shape(x, out_type) for x in input]


def size(input, out_type=dtypes.int32, name=None):
    x = to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    return apply("Size", [x], {"dtype": out_type.as_numpy_dtype}, name)


def rank(input, name=None):
    x = to_tensor(input)
    if x._value is None and x.shape.rank is not None:
        return constant(np.int32(x.shape.rank), name=name or "Rank")
    return apply("Rank", [x], None, name)


def broadcast_static_shape(shape_x, shape_y):
    from tensorflux.framework.registry import broadcast_shape

    class _S:
        def __init__(self, s):
            self.shape = as_shape(s)
    return broadcast_shape([_S(shape_x), _S(shape_y)], None)[0]


def broadcast_dynamic_shape(shape_x, shape_y):
    x = np.asarray(to_tensor(shape_x))
    y = np.asarray(to_tensor(shape_y))
    return constant(np.asarray(np.broadcast_shapes(_builtin_tuple(x), _builtin_tuple(y)), dtype=np.int32))


def ensure_shape(x, shape, name=None):
    x = to_tensor(x)
    if not x.shape.is_compatible_with(shape):
        raise errors.InvalidArgumentError(None, None, f"Shape of tensor {x.shape} is not "
                                          f"compatible with expected shape {as_shape(shape)}.")
    return x


# ---- reshaping ----------------------------------------------------------------------------

def _reshape_shape(inputs, attrs):
    target = inputs[1]._constant_value()
    x_shape = inputs[0].shape
    if target is None:
        if inputs[1].shape.rank == 1 and inputs[1].shape[0] is not None:
            return [TensorShape([None] * inputs[1].shape[0])]
        return [TensorShape(None)]
    target = [int(d) for d in np.asarray(target).reshape(-1)]
    if target.count(-1) > 1:
        raise ValueError(f"Reshape can only infer one dimension (-1), got shape {target}.")
    known = x_shape.num_elements()
    if -1 in target:
        rest = int(np.prod([d for d in target if d != -1]))
        if known is not None:
            if rest == 0 or known % rest:
                raise ValueError(f"Cannot reshape a tensor with {known} elements to shape "
                                 f"{target}: {known} is not a multiple of {rest}.")
            target[target.index(-1)] = known // rest
        else:
            target[target.index(-1)] = None
    elif known is not None and known != int(np.prod(target)):
        raise ValueError(f"Cannot reshape a tensor with {known} elements to shape {target} "
                         f"({int(np.prod(target))} elements). Check the requested shape.")
    return [TensorShape(target)]


register_op("Reshape", ak.reshape, _reshape_shape)


@register_gradient("Reshape")
def _reshape_grad(op, grad):
    """reshaping back: d reshape(x) = reshape(dx, shape(x))"""
    from tensorflux.ops.math_ops import _shape_of
    return reshape(grad, _shape_of(op.inputs[0])), None


def _shape_input(value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, TensorShape):
        value = value.as_list()
    if isinstance(value, (list, _builtin_tuple)) and any(isinstance(v, Tensor) for v in value):
        return stack([v if isinstance(v, Tensor) else constant(np.int32(-1 if v is None else v))
                      for v in value])
    array = np.asarray([-1 if v is None else v for v in value] if isinstance(
        value, (list, _builtin_tuple)) else value)
    if array.dtype.kind not in "iu":
        if array.size == 0:
            array = array.astype(np.int32)
        else:
            raise TypeError(f"Shapes must be integers, got {value!r}.")
    return to_tensor(array.astype(np.int32) if array.dtype != np.int64 else array)




def reshape(tensor, shape, name=None):
    """Gives `tensor` a new shape with the same number of elements; one dimension may be -1."""
    x = to_tensor(tensor)
    return apply("Reshape", [x, _shape_input(shape)], None, name)


def _transpose_shape(inputs, attrs):
    shape = inputs[0].shape
    perm = attrs["perm"]
    if shape.rank is None:
        return [TensorShape(None) if perm is None else TensorShape([None] * len(perm))]
    dims = shape.as_tuple()
    if perm is None:
        return [TensorShape(dims[::-1])]
    if sorted(perm) != list(_builtin_range(len(dims))):
        raise ValueError(f"transpose: perm {list(perm)} is not a permutation of the "
                         f"{len(dims)} axes of a tensor with shape {shape}.")
    return [TensorShape([dims[p] for p in perm])]


register_op("Transpose", ak.transpose, _transpose_shape)


@register_gradient("Transpose")
def _transpose_grad(op, grad):
    """transposing back with the inverse permutation"""
    perm = op.attrs["perm"]
    inverse = None if perm is None else _builtin_tuple(int(i) for i in np.argsort(perm))
    return apply("Transpose", [grad], {"perm": inverse})


def transpose(a, perm=None, conjugate=False, name="transpose"):
    x = to_tensor(a)
    if perm is not None:
        perm = static_axis(perm, "perm")
        perm = (perm,) if isinstance(perm, int) else perm
        rank_ = x.shape.rank
        if rank_ is not None:
            perm = _builtin_tuple(p % rank_ if rank_ else p for p in perm)
    return apply("Transpose", [x], {"perm": perm}, name)


def _expand_dims_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is None:
        return [TensorShape(None)]
    dims = list(shape.as_tuple())
    axis = attrs["axis"]
    if not -len(dims) - 1 <= axis <= len(dims):
        raise ValueError(f"expand_dims: axis {axis} is out of range for a tensor of rank "
                         f"{len(dims)}.")
    axis = axis % (len(dims) + 1)
    dims.insert(axis, 1)
    return [TensorShape(dims)]


register_op("ExpandDims", ak.expand_dims, _expand_dims_shape)


@register_gradient("ExpandDims")
def _expand_dims_grad(op, grad):
    from tensorflux.ops.math_ops import _shape_of
    return reshape(grad, _shape_of(op.inputs[0]))


def expand_dims(input, axis=None, name=None, dim=None):
    if axis is None:
        axis = dim
    if axis is None:
        raise ValueError("expand_dims requires an axis.")
    return apply("ExpandDims", [to_tensor(input)], {"axis": static_axis(axis)}, name)


def _squeeze_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is None:
        return [TensorShape(None)]
    dims = shape.as_tuple()
    axis = attrs["axis"]
    if axis is None:
        if any(d is None for d in dims):
            return [TensorShape(None)]
        return [TensorShape([d for d in dims if d != 1])]
    axes = {a % len(dims) for a in axis}
    for a in axes:
        if dims[a] is not None and dims[a] != 1:
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                             f"{dims[a]} for a tensor of shape {shape}.")
    return [TensorShape([d for i, d in enumerate(dims) if i not in axes])]


register_op("Squeeze", ak.squeeze, _squeeze_shape)


@register_gradient("Squeeze")
def _squeeze_grad(op, grad):
    from tensorflux.ops.math_ops import _shape_of
    return reshape(grad, _shape_of(op.inputs[0]))


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    if axis is None:
        axis = squeeze_dims
    axis = static_axis(axis)
    if isinstance(axis, int):
        axis = (axis,)
    if axis == ():
        axis = None
    return apply("Squeeze", [to_tensor(input)], {"axis": axis}, name)


# ---- joining ------------------------------------------------------------------------------

def _concat_shape(inputs, attrs):
    axis = attrs["axis"]
    shapes = [t.shape for t in inputs]
    if any(s.rank is None for s in shapes):
        return [TensorShape(None)]
    rank_ = shapes[0].rank
    axis = axis % rank_
    dims = []
    for i in _builtin_range(rank_):
        column = [s[i] for s in shapes]
        if i == axis:
            dims.append(None if None in column else sum(column))
        else:
            known = {d for d in column if d is not None}
            if len(known) > 1:
                raise ValueError(f"Dimension {i} in both shapes must be equal for ConcatV2, "
                                 f"but the input shapes are {', '.join(map(str, shapes))} "
                                 f"(concatenating along axis {axis}).")
            dims.append(known.pop() if known else None)
    return [TensorShape(dims)]


register_op("ConcatV2", ak.concat, _concat_shape)


@register_gradient("ConcatV2")
def _concat_grad(op, grad):
    """each input gets its slice of the gradient along the concatenation axis"""
    axis = op.attrs["axis"]
    results = []
    static = all(t.shape[axis % max(t.shape.rank, 1)] is not None for t in op.inputs) \
        if all(t.shape.rank is not None for t in op.inputs) else False
    if static:
        start = 0
        for t in op.inputs:
            n = t.shape[axis % t.shape.rank]
            key = [slice(None)] * t.shape.rank
            key[axis % t.shape.rank] = slice(start, start + n)
            results.append(slice_with_key(grad, _builtin_tuple(key)))
            start += n
        return results
    from tensorflux.ops.math_ops import _shape_of
    sizes = stack([gather(_shape_of(t), axis % t.shape.rank) for t in op.inputs])
    return list(_apply_multi("SplitV", [grad, sizes], {"axis": axis, "num": len(op.inputs)},
                             len(op.inputs)))


def concat(values, axis, name="concat"):
    """Joins tensors along an existing axis."""
    tensors = [to_tensor(v) for v in values]
    if len(tensors) == 1:
        return identity(tensors[0], name=name)
    dtype = tensors[0].dtype
    if any(t.dtype != dtype for t in tensors):
        raise errors.InvalidArgumentError(None, None, "concat: all values must have the same "
                                          f"dtype; got {[t.dtype.name for t in tensors]}.")
    axis = static_axis(axis)
    rank_ = tensors[0].shape.rank
    if rank_ is not None:
        if not -rank_ <= axis < rank_:
            raise ValueError(f"concat: axis {axis} is out of range for tensors of rank "
                             f"{rank_}.")
        axis = axis % rank_
    return apply("ConcatV2", tensors, {"axis": axis}, name)


def _split_v_kernel(xp, x, sizes, axis, num):
    bounds = np.cumsum(np.asarray(sizes)[:-1])
    return _builtin_tuple(xp.split(x, bounds, axis=axis))


def _split_v_shape(inputs, attrs):
    # Not the probe rule: sizes computed at run time would be probed as zeros.
    shape, num = inputs[0].shape, attrs["num"]
    if shape.rank is None:
        return [TensorShape(None)] * num
    sizes = inputs[1]._constant_value()
    if sizes is not None:
        sizes = [int(d) for d in np.asarray(sizes).reshape(-1)]
    elif inputs[1].op is not None and inputs[1].op.type == "Pack" and \
            len(inputs[1].op.inputs) == num:  # e.g. [2, n - 2]: the constant parts are known
        sizes = [None if t._constant_value() is None else int(t._constant_value())
                 for t in inputs[1].op.inputs]
    else:
        sizes = [None] * num
    axis = attrs["axis"] % shape.rank
    outputs = []
    for size in sizes:
        dims = list(shape.as_tuple())
        dims[axis] = size
        outputs.append(TensorShape(dims))
    return outputs


register_op("SplitV", _split_v_kernel, _split_v_shape, lambda d, attrs: [d[0]] * attrs["num"],
            num_outputs=None)


@register_gradient("SplitV")
def _split_v_grad(op, *grads):
    """the pieces' gradients joined back along the split axis (zeros for unused pieces)"""
    return concat(list(grads), op.attrs["axis"]), None


def _pack_shape(inputs, attrs):
    shapes = [t.shape for t in inputs]
    merged = shapes[0]
    for s in shapes[1:]:
        if not merged.is_compatible_with(s):
            raise ValueError(f"Shapes of all inputs must match for stack: "
                             f"{', '.join(map(str, shapes))}.")
        merged = merged.merge_with(s)
    if merged.rank is None:
        return [TensorShape(None)]
    dims = list(merged.as_tuple())
    axis = attrs["axis"] % (len(dims) + 1)
    dims.insert(axis, len(inputs))
    return [TensorShape(dims)]


register_op("Pack", ak.pack, _pack_shape)


@register_gradient("Pack")
def _pack_grad(op, grad):
    """unstacking the gradient"""
    return list(unstack(grad, num=len(op.inputs), axis=op.attrs["axis"]))


def stack(values, axis=0, name="stack"):
    """Stacks same-shape tensors along a new axis."""
    tensors = [to_tensor(v) for v in values]
    if not tensors:
        raise ValueError("stack needs at least one tensor.")
    dtype = tensors[0].dtype
    converted = []
    for t in tensors:
        if t.dtype != dtype:
            raise errors.InvalidArgumentError(None, None, "stack: all values must have the "
                                              f"same dtype; got {t.dtype.name} and "
                                              f"{dtype.name}.")
        converted.append(t)
    rank_ = tensors[0].shape.rank
    axis = static_axis(axis)
    if rank_ is not None:
        if not -rank_ - 1 <= axis <= rank_:
            raise ValueError(f"Argument axis={axis} is out of range for stacking tensors of "
                             f"rank {rank_}.")
        axis = axis % (rank_ + 1)
    return apply("Pack", converted, {"axis": axis}, name)


def _unpack_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is None:
        return [TensorShape(None)] * attrs["num"]
    dims = list(shape.as_tuple())
    del dims[attrs["axis"]]
    return [TensorShape(dims)] * attrs["num"]


register_op("Unpack", ak.unpack, _unpack_shape, lambda d, attrs: [d[0]] * attrs["num"],
            num_outputs=None)


@register_gradient("Unpack")
def _unpack_grad(op, *grads):
    """stacking the gradients (zeros for unused outputs)"""
    return stack(list(grads), axis=op.attrs["axis"])


def unstack(value, num=None, axis=0, name="unstack"):
    x = to_tensor(value)
    rank_ = x.shape.rank
    if rank_ is None:
        raise ValueError("unstack needs a tensor of known rank.")
    axis = static_axis(axis) % rank_
    if num is None:
        num = x.shape[axis]
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {x.shape}.")
    outputs = _apply_multi("Unpack", [x], {"num": int(num), "axis": axis}, int(num), name)
    return list(outputs)


def _apply_multi(op_type, inputs, attrs, num, name=None):
    from tensorflux.framework.array_ops_hook import apply_multi
    return apply_multi(op_type, inputs, attrs, num, name)


# ---- filling ------------------------------------------------------------------------------

def _fill_shape(inputs, attrs):
    dims = inputs[0]._constant_value()
    if dims is None:
        n = inputs[0].shape[0] if inputs[0].shape.rank == 1 else None
        return [TensorShape(None if n is None else [None] * n)]
    return [TensorShape([int(d) for d in np.asarray(dims).reshape(-1)])]


register_op("Fill", ak.fill, _fill_shape, lambda d, attrs: [d[1]])


@register_gradient("Fill")
def _fill_grad(op, grad):
    from tensorflux.ops.math_ops import reduce_sum
    return None, reduce_sum(grad)


def fill(dims, value, name=None):
    value = to_tensor(value)
    return apply("Fill", [_shape_input(dims), value], None, name)


def zeros(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of zeros; `shape` may be a list, a TensorShape or a 1-D int tensor."""
    dtype = dtypes.as_dtype(dtype)
    static = static_value(shape, "shape")
    if static is not None and not (isinstance(static, (list, _builtin_tuple)) and
                                   any(isinstance(s, Tensor) for s in static)):
        dims = as_shape(static).as_list() if not isinstance(static, np.ndarray) else \
            [int(d) for d in static.reshape(-1)]
        return constant(np.zeros(dims, dtype=dtype.as_numpy_dtype), name=name or "zeros")
    return fill(shape, constant(np.zeros((), dtype=dtype.as_numpy_dtype)), name=name)


def ones(shape, dtype=dtypes.float32, name=None, layout=None):
    dtype = dtypes.as_dtype(dtype)
    static = static_value(shape, "shape")
    if static is not None and not (isinstance(static, (list, _builtin_tuple)) and
                                   any(isinstance(s, Tensor) for s in static)):
        dims = as_shape(static).as_list() if not isinstance(static, np.ndarray) else \
            [int(d) for d in static.reshape(-1)]
        return constant(np.ones(dims, dtype=dtype.as_numpy_dtype), name=name or "ones")
    return fill(shape, constant(np.ones((), dtype=dtype.as_numpy_dtype)), name=name)


register_op("ZerosLike", ak.zeros_like, same_shape)
register_op("OnesLike", ak.ones_like, same_shape)
not_differentiable("ZerosLike", "OnesLike")


def zeros_like(input, dtype=None, name=None, optimize=True, tensor=None):
    x = to_tensor(input if tensor is None else tensor) if not hasattr(input, "_as_tensor") \
        or isinstance(input, Tensor) else input._as_tensor()
    result = apply("ZerosLike", [x], None, name)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
        from tensorflux.ops.math_ops import cast
        result = cast(result, dtype)
    return result


def ones_like(input, dtype=None, name=None, optimize=True, tensor=None):
    x = to_tensor(input if tensor is None else tensor) if not hasattr(input, "_as_tensor") \
        or isinstance(input, Tensor) else input._as_tensor()
    result = apply("OnesLike", [x], None, name)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
        from tensorflux.ops.math_ops import cast
        result = cast(result, dtype)
    return result


def _broadcast_to_shape(inputs, attrs):
    target = inputs[1]._constant_value()
    if target is None:
        if inputs[1].op is not None and inputs[1].op.type == "Shape":
            return [inputs[1].op.inputs[0].shape]
        return [TensorShape(None)]
    return [TensorShape([int(d) for d in np.asarray(target).reshape(-1)])]


register_op("BroadcastTo", ak.broadcast_to, _broadcast_to_shape)


@register_gradient("BroadcastTo")
def _broadcast_to_grad(op, grad):
    """the adjoint of broadcasting is summing back"""
    from tensorflux.ops.math_ops import _shape_of, sum_to_shape
    return sum_to_shape(grad, _shape_of(op.inputs[0])), None


def broadcast_to(input, shape, name=None):
    return apply("BroadcastTo", [to_tensor(input), _shape_input(shape)], None, name)


# ---- slicing and indexing -----------------------------------------------------------------

def _slice_shape(inputs, attrs):
    shape = inputs[0].shape
    key = attrs["key"]
    if shape.rank is None:
        return [TensorShape(None)]
    dims = shape.as_tuple()
    probe = np.empty([1 if d is None else d for d in dims], dtype=np.bool_)
    # Dimensions are computed by slicing an empty array of the static shape; unknown
    # dimensions are probed with two sizes and reported unknown when results differ.
    results = []
    for size in (11, 13) if None in dims else (None,):
        probe = np.empty([size if d is None else d for d in dims], dtype=np.bool_)
        results.append(np.shape(probe[key]))
    if len(results) == 1:
        return [TensorShape(results[0])]
    return [TensorShape([a if a == b else None for a, b in zip(*results)])]


register_op("StridedSlice", ak.strided_slice, _slice_shape)
register_op("StridedSliceGrad", ak.strided_slice_grad,
            lambda inputs, attrs: _reduce_like_shape(inputs))


def _reduce_like_shape(inputs):
    from tensorflux.ops.math_ops import _reduce_grad_shape
    return _reduce_grad_shape(inputs, None)


@register_gradient("StridedSlice")
def _strided_slice_grad(op, grad):
    """the gradient lands in the sliced positions of a zero tensor of the input's shape"""
    from tensorflux.ops.math_ops import _shape_of
    return apply("StridedSliceGrad", [grad, _shape_of(op.inputs[0])], {"key": op.attrs["key"]})


@register_gradient("StridedSliceGrad")
def _strided_slice_grad_grad(op, grad):
    return apply("StridedSlice", [grad], {"key": op.attrs["key"]}), None


def _normalize_key(key):
    """A Python indexing key with tensors replaced by their constant values."""
    items = key if isinstance(key, _builtin_tuple) else (key,)
    out = []
    for item in items:
        if isinstance(item, slice):
            out.append(slice(*(_index_value(v) for v in (item.start, item.stop, item.step))))
        elif item is None or item is Ellipsis:
            out.append(item)
        elif isinstance(item, (bool, np.bool_)):
            raise TypeError("Boolean indexing of tensors is not supported with []; use "
                            "tf.boolean_mask.")
        else:
            value = _index_value(item)
            if isinstance(value, np.ndarray) and value.ndim > 0:
                if value.dtype == np.bool_:
                    raise TypeError("Boolean indexing of tensors is not supported with []; "
                                    "use tf.boolean_mask.")
                out.append(value)
            else:
                out.append(value)
    return _builtin_tuple(out)


def _index_value(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        value = v._constant_value()
        if value is None:
            raise errors.UnimplementedError(
                None, None, "Indexing with a symbolic tensor whose value is known only at run "
                "time is not supported by tensorflux; use tf.gather or tf.slice.")
        v = value
    if isinstance(v, (list, np.ndarray)):
        array = np.asarray(v)
        return array if array.ndim else int(array)
    if isinstance(v, (int, np.integer)):
        return int(v)
    raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    f"scalar tf.int32/tf.int64 tensors are valid indices, got {v!r}.")


def slice_with_key(input_, key, name=None):
    """`input_[key]` for a normalized Python key (ints, slices, None, Ellipsis, int arrays)."""
    x = to_tensor(input_)
    key = _normalize_key(key)
    if x._value is not None:
        _check_index_bounds(x._value.shape, key)
    elif x.shape.rank is not None:
        _check_index_bounds(x.shape.as_tuple(), key)
    return apply("StridedSlice", [x], {"key": key}, name)


def _check_index_bounds(shape, key):
    axis = 0
    for item in key:
        if item is None:
            continue
        if item is Ellipsis:
            axis = len(shape) - sum(1 for k in key if k is not None and k is not Ellipsis) + \
                axis
            continue
        if axis >= len(shape):
            raise errors.InvalidArgumentError(None, None, f"Index out of range: too many "
                                              f"indices for a tensor of shape {list(shape)}.")
        if isinstance(item, int) and shape[axis] is not None:
            if not -shape[axis] <= item < shape[axis]:
                raise errors.InvalidArgumentError(
                    None, None, f"slice index {item} of dimension {axis} out of bounds for "
                    f"a tensor of shape {list(shape)}.")
        axis += 1


def _getitem(self, key):
    return slice_with_key(self, key)


# ---- gathering ----------------------------------------------------------------------------

def _gather_shape(inputs, attrs):
    params, indices = inputs[0].shape, inputs[1].shape
    if params.rank is None or indices.rank is None:
        return [TensorShape(None)]
    axis = attrs["axis"]
    b = attrs["batch_dims"]
    p = params.as_tuple()
    return [TensorShape(p[:axis] + indices.as_tuple()[b:] + p[axis + 1:])]


register_op("GatherV2", ak.gather, _gather_shape)
register_op("GatherGrad", ak.gather_grad, lambda inputs, attrs: _reduce_like_shape(
    [inputs[0], inputs[2]]))


@register_gradient("GatherV2")
def _gather_grad(op, grad):
    """scatter-add of the gradient rows into zeros shaped like params"""
    from tensorflux.ops.math_ops import _shape_of
    if op.attrs["batch_dims"]:
        raise errors.UnimplementedError(None, None, "The gradient of tf.gather with "
                                        "batch_dims is not implemented by tensorflux.")
    params, indices = op.inputs
    return apply("GatherGrad", [grad, indices, _shape_of(params)],
                 {"axis": op.attrs["axis"]}), None


@register_gradient("GatherGrad")
def _gather_grad_grad(op, grad):
    indices = op.inputs[1]
    return gather(grad, indices, axis=op.attrs["axis"]), None, None


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Gathers slices of `params` along `axis` at `indices` (out-of-range indices raise)."""
    if hasattr(params, "_as_tensor") and not isinstance(params, Tensor):
        params = params._as_tensor()
    params = to_tensor(params)
    indices = to_tensor(indices)
    if not indices.dtype.is_integer:
        raise TypeError(f"gather: indices must be integers, got {indices.dtype.name}.")
    axis = 0 if axis is None else static_axis(axis)
    if params.shape.rank is not None:
        axis = axis % max(params.shape.rank, 1)
    return apply("GatherV2", [params, indices], {"axis": axis, "batch_dims": int(batch_dims)},
                 name)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    data = to_tensor(data)
    return apply("UnsortedSegmentSum", [data, to_tensor(segment_ids), to_tensor(num_segments)],
                 None, name)


def _segment_sum_shape(inputs, attrs):
    n = inputs[2]._constant_value()
    data, ids = inputs[0].shape, inputs[1].shape
    if data.rank is None or ids.rank is None:
        return [TensorShape(None)]
    return [TensorShape([None if n is None else int(n)] + list(data.as_tuple()[ids.rank:]))]


register_op("UnsortedSegmentSum", ak.unsorted_segment_sum, _segment_sum_shape)


@register_gradient("UnsortedSegmentSum")
def _unsorted_segment_sum_grad(op, grad):
    """each data row receives the gradient of its segment (none for dropped negative ids)"""
    ids = op.inputs[1]
    known = ids._constant_value()
    if known is not None and (known.size == 0 or known.min() >= 0) or \
            grad.shape.rank is None or ids.shape.rank is None:
        return gather(grad, ids), None, None
    from tensorflux.ops import math_ops
    valid = math_ops.greater_equal(ids, 0)
    rows = gather(grad, math_ops.where(valid, ids, zeros_like(ids)))
    for _ in _builtin_range(grad.shape.rank - 1):
        valid = expand_dims(valid, -1)
    return math_ops.where(valid, rows, zeros_like(rows)), None, None


def _one_hot_shape(inputs, attrs):
    shape = inputs[0].shape
    depth = inputs[1]._constant_value()
    if shape.rank is None:
        return [TensorShape(None)]
    dims = list(shape.as_tuple())
    axis = attrs["axis"]
    dims.insert(len(dims) if axis == -1 else axis, None if depth is None else int(depth))
    return [TensorShape(dims)]


register_op("OneHot", ak.one_hot, _one_hot_shape, lambda d, attrs: [d[2]])
not_differentiable("OneHot")


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encodes integer `indices` into vectors of length `depth` (float32 by default)."""
    indices = to_tensor(indices)
    if dtype is None:
        dtype = to_tensor(on_value).dtype if on_value is not None else (
            to_tensor(off_value).dtype if off_value is not None else dtypes.float32)
    dtype = dtypes.as_dtype(dtype)
    on = to_tensor(np.asarray(1 if on_value is None else on_value,
                              dtype=dtype.as_numpy_dtype))
    off = to_tensor(np.asarray(0 if off_value is None else off_value,
                               dtype=dtype.as_numpy_dtype))
    return apply("OneHot", [indices, to_tensor(np.int32(depth)) if not isinstance(
        depth, Tensor) else depth, on, off], {"axis": -1 if axis is None else int(axis)}, name)


def _range_shape(inputs, attrs):
    values = [t._constant_value() for t in inputs]
    if any(v is None for v in values):
        return [TensorShape([None])]
    count = int(np.ceil((values[1] - values[0]) / values[2]))
    return [TensorShape([max(count, 0)])]


register_op("Range", ak.range_, _range_shape, _dtype_attr)
not_differentiable("Range")


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """Like Python's range, as a 1-D tensor (int32 for ints, float32 for floats)."""
    if limit is None:
        start, limit = 0, start
    values = [to_tensor(v) for v in (start, limit, delta)]
    if dtype is None:
        order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
        dtype = max((v.dtype for v in values), key=lambda d: order.index(d)
                    if d in order else 0)
    dtype = dtypes.as_dtype(dtype)
    from tensorflux.ops.math_ops import cast
    values = [cast(v, dtype) for v in values]
    return apply("Range", values, {"dtype": dtype.as_numpy_dtype}, name)


def _where_kernel(xp, condition):
    return xp.argwhere(condition).astype(xp.int64)


register_op("Where", _where_kernel,
            lambda inputs, attrs: [TensorShape([None, inputs[0].shape.rank])],
            lambda d, attrs: [dtypes.int64])
not_differentiable("Where")


def where_indices(condition, name=None):
    return apply("Where", [to_tensor(condition)], None, name)


def is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")
