"""keras.ops core functions: dtypes and conversion, shapes, control flow, slicing and
scattering, gradients."""
import builtins

import numpy as np

import tensorflux as tf
from tensorflux.framework import context, nest
from tensorflux.framework.tensor import Tensor
from tensorflux.keras.engine.keras_tensor import KerasTensor
from tensorflux.keras.ops._common import (keras_op, export, standardize_dtype, convert,
                                          ndim_of, not_implemented_getattr)


# ---- dtypes, conversion and shapes ----------------------------------------------------------

@keras_op
def cast(x, dtype):
    x = convert(x)
    dtype = standardize_dtype(dtype)
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


@keras_op
def saturate_cast(x, dtype):
    x = convert(x)
    return tf.saturate_cast(x, standardize_dtype(dtype))


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A tensor (of `dtype` if given). Keras' rules: Python floats become floatx, Python ints
    int32; NumPy arrays keep their dtype. A KerasTensor is returned as is (or cast)."""
    if sparse:
        raise ValueError("convert_to_tensor: sparse tensors are not supported by tensorflux.")
    if ragged:
        raise ValueError("convert_to_tensor: ragged tensors are not supported by tensorflux.")
    if isinstance(x, KerasTensor):
        if dtype is None or x.dtype.name == standardize_dtype(dtype):
            return x
        return cast(x, dtype)
    return convert(x, dtype)


def convert_to_numpy(x):
    """A NumPy array of x's value (eager tensors, variables, arrays, Python values)."""
    if isinstance(x, KerasTensor):
        x._as_tensor()
    if isinstance(x, Tensor):
        if x._value is None:
            raise ValueError("convert_to_numpy needs a value: a symbolic tensor (in a graph or "
                             "tf.function) has none until it runs.")
        return np.asarray(x.numpy())
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    if isinstance(x, (list, tuple)):
        return np.asarray([convert_to_numpy(v) for v in x])
    return np.asarray(x)


def is_tensor(x):
    """True for tensors and variables (not for NumPy arrays, Python values or KerasTensors)."""
    return tf.is_tensor(x) if not isinstance(x, KerasTensor) else False


def dtype(x):
    """The dtype name of x ("float32", ...)."""
    found = getattr(x, "dtype", None)
    if found is None:
        found = convert(x).dtype
    return standardize_dtype(found)


def shape(x):
    """x's shape as a tuple: ints, with None for a KerasTensor's unknown dimensions and a
    scalar tensor for those only known when a graph runs."""
    if isinstance(x, KerasTensor):
        return tuple(x.shape.as_list())
    if not isinstance(x, Tensor) and not hasattr(x, "_as_tensor"):
        x = convert(x)
    static = x.shape.as_list()
    if builtins.all(d is not None for d in static):
        return tuple(static)
    dynamic = tf.shape(x)
    return tuple(d if d is not None else dynamic[i] for i, d in enumerate(static))


@keras_op
def stop_gradient(variable):
    return tf.stop_gradient(convert(variable))


def custom_gradient(f):
    """A function with a custom gradient: `f(*args)` returns `(outputs, grad_fn)`, and
    `grad_fn(upstream)` the gradients with respect to the args (as tf.custom_gradient)."""
    return tf.custom_gradient(f)


# ---- slicing and scattering -----------------------------------------------------------------

def _index_list(values):
    if isinstance(values, Tensor):
        return values
    items = list(values) if isinstance(values, (list, tuple)) else list(np.asarray(values))
    if builtins.any(isinstance(v, Tensor) for v in items):
        return tf.stack([tf.cast(v, "int32") if isinstance(v, Tensor) else int(v)
                         for v in items])
    return [int(v) for v in items]


@keras_op
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' name
    x = convert(inputs)
    return tf.slice(x, _index_list(start_indices), _index_list(shape))


def _block_indices(start_indices, update_shape, rank):
    """The [*update_shape, rank] indices of a block starting at start_indices."""
    start = tf.cast(convert(_index_list(start_indices)), "int32")
    grids = tf.meshgrid(*[tf.range(d) for d in update_shape], indexing="ij")
    return tf.stack(grids, axis=-1) + tf.reshape(start, [1] * rank + [rank])


@keras_op
def slice_update(inputs, start_indices, updates):
    x = convert(inputs)
    updates = convert(updates, x.dtype)
    rank = ndim_of(x)
    update_shape = updates.shape.as_list()
    if builtins.any(d is None for d in update_shape):
        dynamic = tf.shape(updates)
        update_shape = [d if d is not None else dynamic[i] for i, d in enumerate(update_shape)]
    if rank == 0:
        return updates
    indices = _block_indices(start_indices, update_shape, rank)
    return tf.tensor_scatter_nd_update(x, indices, updates)


@keras_op
def scatter(indices, values, shape):
    """A tensor of `shape`, zeros except `values` at `indices` (duplicates are summed)."""
    indices = convert(indices)
    if not indices.dtype.is_integer:
        indices = tf.cast(indices, "int32")
    values = convert(values)
    return tf.scatter_nd(indices, values, _index_list(shape))


@keras_op
def scatter_update(inputs, indices, updates, reduction=None):
    x = convert(inputs)
    indices = convert(indices)
    if not indices.dtype.is_integer:
        indices = tf.cast(indices, "int32")
    updates = convert(updates, x.dtype)
    if reduction is None:
        return tf.tensor_scatter_nd_update(x, indices, updates)
    if reduction == "add":
        return tf.tensor_scatter_nd_add(x, indices, updates)
    raise ValueError(f"scatter_update: reduction {reduction!r} is not supported by tensorflux "
                     "(use None or 'add').")


@keras_op
def unstack(x, num=None, axis=0):
    return list(tf.unstack(convert(x), num=num, axis=axis))


# ---- control flow ---------------------------------------------------------------------------

def cond(pred, true_fn, false_fn):
    """true_fn() if pred else false_fn(); inside tf.function only the taken branch runs."""
    if isinstance(pred, (bool, np.bool_)):
        return true_fn() if pred else false_fn()
    return tf.cond(convert(pred), true_fn, false_fn)


def switch(index, branches, *operands):
    """branches[index](*operands); an out-of-range index is clamped to the first/last."""
    if not branches:
        raise ValueError("switch needs at least one branch.")
    last = len(branches) - 1
    if isinstance(index, (int, np.integer)):
        return branches[builtins.min(builtins.max(int(index), 0), last)](*operands)
    index = tf.clip_by_value(tf.cast(convert(index), "int32"), 0, last)
    return tf.switch_case(index, [(lambda b: lambda: b(*operands))(b) for b in branches])


def _as_loop_value(value):
    if isinstance(value, (Tensor,)) or hasattr(value, "_as_tensor"):
        return value
    if isinstance(value, (bool, int, float, np.ndarray, np.generic)):
        return convert(value)
    return value


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; `loop_vars` is one
    value or a tuple/list of them (the result has the same form)."""
    is_sequence = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_sequence else (loop_vars,)
    state = nest.map_structure(_as_loop_value, state)

    def wrapped_body(*args):
        result = body(*args)
        result = tuple(result) if is_sequence else (result,)
        return nest.map_structure(_as_loop_value, result)

    outputs = tf.while_loop(cond, wrapped_body, state, maximum_iterations=maximum_iterations)
    outputs = tuple(outputs) if isinstance(outputs, (list, tuple)) else (outputs,)
    if is_sequence:
        return type(loop_vars)(outputs) if not hasattr(loop_vars, "_fields") else \
            type(loop_vars)(*outputs)
    return outputs[0]


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in [lower, upper)."""
    eager = context.executing_eagerly() and builtins.all(
        not isinstance(v, Tensor) or v._value is not None for v in (lower, upper))
    if eager:
        val = init_val
        for i in range(int(convert_to_numpy(lower)), int(convert_to_numpy(upper))):
            val = body_fun(tf.constant(i, dtype="int32"), val)
        return val
    lower = tf.cast(convert(lower), "int32")
    upper = tf.cast(convert(upper), "int32")
    _, val = tf.while_loop(lambda i, v: i < upper, lambda i, v: (i + 1, body_fun(i, v)),
                           (lower, nest.map_structure(_as_loop_value, init_val)))
    return val


def _leading_length(leaves, length):
    sizes = set()
    for leaf in leaves:
        size = leaf.shape[0] if leaf.shape.rank else None
        size = getattr(size, "value", size)
        sizes.add(size)
    if length is not None:
        sizes.add(int(length))
    known = {s for s in sizes if s is not None}
    if len(known) > 1:
        raise ValueError(f"scan: `xs` (and `length`) disagree on the number of steps: "
                         f"{sorted(known)}.")
    return known.pop() if known else None


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the leading axis of `xs` (or `length` times with
    x None); returns the last carry and the stacked ys."""
    if xs is None and length is None:
        raise ValueError("scan needs `xs` or `length`.")
    x_leaves = [convert(v) for v in nest.flatten(xs)] if xs is not None else []
    xs_struct = nest.pack_sequence_as(xs, x_leaves) if xs is not None else None
    steps = _leading_length(x_leaves, length)
    init = nest.map_structure(_as_loop_value, init)
    if steps is None:
        return _scan_dynamic(f, init, xs_struct, x_leaves, reverse)
    carry = init
    ys = []
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for i in order:
        x = None if xs is None else nest.pack_sequence_as(xs, [leaf[i] for leaf in x_leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or builtins.all(y is None for y in ys):
        return carry, None
    stacked = nest.map_structure(lambda *items: tf.stack([convert(v) for v in items]), *ys)
    return carry, stacked


def _scan_dynamic(f, init, xs, x_leaves, reverse):
    """scan over a leading axis known only at run time (inside a graph): a while loop that
    grows the stacked outputs by concatenation."""
    steps = tf.shape(x_leaves[0])[0]
    first_x = nest.pack_sequence_as(xs, [leaf[0] for leaf in x_leaves])
    # trace f once to learn the output structure and dtypes
    _, y_example = f(init, first_x)
    y_leaves = [convert(v) for v in nest.flatten(y_example)]
    empty = [tf.zeros(tf.concat([[0], tf.shape(y)], axis=0), dtype=y.dtype) for y in y_leaves]
    carry_leaves = [convert(v) for v in nest.flatten(init)]

    def body(i, carry_flat, acc):
        index = steps - 1 - i if reverse else i
        x = nest.pack_sequence_as(xs, [tf.gather(leaf, index) for leaf in x_leaves])
        carry, y = f(nest.pack_sequence_as(init, list(carry_flat)), x)
        new_y = [convert(v)[None] for v in nest.flatten(y)]
        acc = [tf.concat([new, a], axis=0) if reverse else tf.concat([a, new], axis=0)
               for a, new in zip(acc, new_y)]
        return i + 1, [convert(v) for v in nest.flatten(carry)], acc

    _, carry_flat, acc = tf.while_loop(
        lambda i, c, a: i < steps, body, (tf.constant(0), carry_leaves, empty),
        shape_invariants=(tf.TensorShape([]), [c.shape for c in carry_leaves],
                          [tf.TensorShape([None] + y.shape.as_list()) for y in y_leaves]))
    carry = nest.pack_sequence_as(init, list(carry_flat))
    if y_example is None:
        return carry, None
    return carry, nest.pack_sequence_as(y_example, list(acc))


def map(f, xs):  # noqa: A001 - Keras' name
    """[f(x) for x in xs] along the leading axis, stacked."""
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def vectorized_map(function, elements):
    """function applied to each slice of `elements` along axis 0, stacked (a loop)."""
    return map(function, elements)


__all__ = export(globals(), ["convert_to_tensor", "convert_to_numpy", "is_tensor", "dtype",
                             "shape", "custom_gradient", "cond", "switch", "while_loop",
                             "fori_loop", "scan", "map", "vectorized_map"])
__getattr__ = not_implemented_getattr("keras.ops.core")
