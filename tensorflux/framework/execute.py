"""The one place where an op call happens: `apply_op` runs a kernel now (eager) or adds a node.

Eager when eager execution is on, no graph is being built, and every input holds a value;
otherwise the op joins the graph of its symbolic inputs (or the default graph), so
symbolic-ness spreads from placeholders through the ops that consume them. Eager inputs of a
graph op become Const nodes; Variables become their variable node.
"""
import numpy as np

from tensorflux.framework import context, dtypes, errors
from tensorflux.framework.tensor import Tensor, dtype_of_array
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["apply_op", "convert_to_tensor", "constant_array"]

_state = context.state
_from_array = Tensor._from_array
_ndarray = np.ndarray


def apply_op(op_def, inputs, attrs=None, name=None):
    """Applies registered op `op_def` to Tensors `inputs`; returns a Tensor or a tuple of them."""
    if attrs is None:
        attrs = {}
    if _state.eager_enabled and not _state.graph_stack:
        arrays = []
        for t in inputs:
            value = t._value
            if value is None:
                break
            arrays.append(value)
        else:
            try:
                result = op_def.kernel(np, *arrays, **attrs)
            except errors.OpError:
                raise
            except Exception as error:
                raise _kernel_error(op_def.name, name, inputs, error) from error
            if op_def.num_outputs == 1:
                if type(result) is not _ndarray:
                    result = np.asarray(result)
                outputs = _from_array(result)
            else:
                outputs = tuple(_from_array(r if type(r) is _ndarray else np.asarray(r))
                                for r in result)
            if _state.tapes:
                from tensorflux.framework.tape import record_operation
                record_operation(op_def, inputs, attrs, outputs)
            return outputs
    return _graph_apply(op_def, inputs, attrs, name)


def eager_fast_path(op_def):
    """A direct runner for the common eager case of a one-output op without attrs.

    The op wrappers call it once they have checked that every input is an eager tensor of
    an allowed dtype, eager mode is on and no tape records: it skips conversion and dispatch
    (a measurable share of the cost of an op on a tiny tensor). Errors are reported as by
    `apply_op`.
    """
    kernel = op_def.kernel
    new = Tensor._from_array

    def run(*arrays, **attrs):
        try:
            result = kernel(np, *arrays, **attrs)
        except errors.OpError:
            raise
        except Exception as error:
            raise _kernel_error(op_def.name, None, [new(a) for a in arrays], error) from error
        if type(result) is not _ndarray:
            result = np.asarray(result)
        return new(result)
    return run


def direct_kernel(op_def):
    """The op's kernel as a function of arrays only (NumPy's own function when the kernel
    just wraps one), for the eager fast paths of the op wrappers."""
    direct = getattr(op_def.kernel, "direct", None)
    if direct is not None:
        return direct
    kernel = op_def.kernel

    def call(*arrays, **attrs):
        return kernel(np, *arrays, **attrs)
    return call


def eager_error(op_def, arrays, error):
    """The error an eager fast path raises when a kernel fails (as `apply_op` would)."""
    if isinstance(error, errors.OpError):
        return error
    return _kernel_error(op_def.name, None, [Tensor._from_array(np.asarray(a))
                                             for a in arrays], error)


def _kernel_error(op_type, name, inputs, error):
    described = ", ".join(f"{tuple(t.shape.as_tuple() or ())} {t.dtype.name}" for t in inputs)
    label = f"{op_type} ({name})" if name else op_type
    return errors.InvalidArgumentError(
        None, None, f"{label} failed on inputs [{described}]: {error}")


def _graph_apply(op_def, inputs, attrs, name):
    graph = None
    for t in inputs:
        if t._value is None:
            graph = t.op.graph
            break
    default = context.get_default_graph()
    if graph is None or (graph is not default and _is_inner(default, graph)):
        graph = default
    inputs = [_to_graph(t, graph) for t in inputs]
    op = graph.create_op(op_def, inputs, attrs, name)
    shapes = _infer_shapes(op_def, inputs, attrs, op.name)
    if op_def.dtype_fn is not None:
        out_dtypes = op_def.dtype_fn([t.dtype for t in inputs], attrs)
    else:
        out_dtypes = [inputs[0].dtype] * op_def.num_outputs
    op.outputs = tuple(Tensor(op, i, out_dtypes[i], shapes[i])
                       for i in range(op_def.num_outputs))
    return op.outputs[0] if op_def.num_outputs == 1 else op.outputs


def _is_inner(graph, maybe_outer):
    outer = graph.outer_graph
    while outer is not None:
        if outer is maybe_outer:
            return True
        outer = outer.outer_graph
    return False


def _infer_shapes(op_def, inputs, attrs, op_name):
    try:
        if op_def.shape_fn.__name__ == "probe_shape":
            shapes = op_def.shape_fn(inputs, attrs, op_def)
        else:
            shapes = op_def.shape_fn(inputs, attrs)
    except errors.OpError:
        raise
    except (ValueError, TypeError, IndexError) as error:
        described = ", ".join(f"{t.shape} {t.dtype.name}" for t in inputs)
        raise ValueError(f"Shapes are incompatible in op {op_name!r} ({op_def.name}) with "
                         f"inputs [{described}]: {error}") from None
    if shapes is None:
        shapes = [TensorShape(None)] * op_def.num_outputs
    return shapes


def _to_graph(t, graph):
    """An input of an op in `graph`: symbolic tensors pass; eager values become Const nodes."""
    if t._value is None:
        if t.op.graph is not graph and not _is_inner(graph, t.op.graph):
            raise ValueError(f"Tensor {t.name!r} must be from the same graph as the op that "
                             "uses it. Build all ops of one model inside one graph "
                             "(after tf.reset_default_graph(), recreate the tensors).")
        if t.op.graph is not graph:
            return graph.capture(t)
        return t
    variable = getattr(t, "_variable", None)
    if variable is not None:
        return variable._graph_node(graph)
    return constant_array(t._value, graph)


def constant_array(array, graph, name="Const"):
    from tensorflux.framework.registry import get_op
    op = graph.create_op(get_op("Const"), [], {"value": array}, name)
    op.outputs = (Tensor(op, 0, dtype_of_array(array), TensorShape(np.shape(array))),)
    return op.outputs[0]


# ---- conversion -----------------------------------------------------------------------

def _python_to_array(value, dtype):
    """TF's conversion of Python/NumPy values: ints -> int32, floats -> float32 by default."""
    if dtype is not None:
        np_dtype = dtype.as_numpy_dtype
        if dtype == dtypes.string:
            return _string_array(value)
        array = np.asarray(value)
        if array.dtype.kind in "SUO" and dtype != dtypes.string:
            raise TypeError(f"Cannot convert {value!r} to a tensor of dtype {dtype.name}.")
        if array.dtype.kind == "f" and dtype.is_integer and isinstance(value, (float, list, tuple)):
            if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
                raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype "
                                f"{dtype.name}: the values are not integers.")
        if array.dtype.kind == "c" and not dtype.is_complex:
            raise TypeError(f"Cannot convert complex values to dtype {dtype.name}.")
        return np.asarray(array, dtype=np_dtype)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SU":
            return _string_array(value)
        return value
    if isinstance(value, np.generic):
        return np.asarray(value)
    if isinstance(value, bool):
        return np.asarray(value)
    if isinstance(value, int):
        return np.asarray(value, dtype=np.int32 if -2**31 <= value < 2**31 else np.int64)
    if isinstance(value, float):
        return np.asarray(value, dtype=np.float32)
    if isinstance(value, (str, bytes)):
        return _string_array(value)
    array = np.asarray(value)
    kind = array.dtype.kind
    if kind == "f":
        if _contains_numpy_float64(value):
            return array
        return array.astype(np.float32)
    if kind == "i":
        if _contains_numpy_int(value):
            return array
        if array.size and (array.max() >= 2**31 or array.min() < -2**31):
            return array.astype(np.int64)
        return array.astype(np.int32)
    if kind in "SU":
        # from the Python values: a fixed-width 'S' array drops trailing NUL bytes
        return _string_array(value)
    if kind == "O":
        raise TypeError(f"Cannot convert {value!r} to a tensor: the nested lists are ragged or "
                        "hold objects. Use equal-length lists of numbers.")
    return array


def _contains_numpy_float64(value):
    if isinstance(value, (list, tuple)):
        return any(_contains_numpy_float64(v) for v in value)
    return isinstance(value, np.ndarray) and value.dtype == np.float64 or \
        isinstance(value, np.float64)


def _contains_numpy_int(value):
    if isinstance(value, (list, tuple)):
        return any(_contains_numpy_int(v) for v in value)
    return isinstance(value, (np.ndarray, np.integer)) and np.asarray(value).dtype.kind == "i"


def _string_array(value):
    array = np.asarray(value, dtype=object)
    flat = array.reshape(-1)
    for i, item in enumerate(flat):
        if isinstance(item, str):
            flat[i] = item.encode("utf-8")
        elif isinstance(item, np.bytes_):
            flat[i] = bytes(item)
        elif isinstance(item, np.str_):
            flat[i] = str(item).encode("utf-8")
    return array


def convert_to_tensor(value, dtype=None, name=None, dtype_hint=None, preferred_dtype=None):
    """Converts a Tensor, Variable, NumPy array or Python value into a Tensor.

    Raises:
        ValueError: a tensor of another dtype than the requested one.
        TypeError: a value that cannot be represented in the requested dtype.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    convert = getattr(value, "_as_tensor", None)
    if convert is not None:
        result = convert()
        if dtype is not None and result.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for "
                             f"{type(value).__name__} with dtype {result.dtype.name}.")
        return result
    hint = dtype_hint or preferred_dtype
    if dtype is None and hint is not None:
        try:
            array = _python_to_array(value, dtypes.as_dtype(hint))
        except (TypeError, ValueError, OverflowError):
            array = _python_to_array(value, None)
    else:
        array = _python_to_array(value, dtype)
    if _state.eager_enabled and not _state.graph_stack:
        return _from_array(array)
    return constant_array(array, context.get_default_graph(), name or "Const")
