"""A tensorflux Graph as a TensorFlow `GraphDef` protobuf (for TensorBoard's Graphs tab).

One `NodeDef` per Operation: its name (with the name scopes, which TensorBoard folds into
boxes), its op type, its inputs ("op", "op:1", "^control") and its attrs. Attrs that have a
TensorFlow `AttrValue` form are converted (numbers, strings, dtypes, shapes, arrays, lists of
those); Python objects a kernel needs (a Variable, a random Generator, a callback) are replaced
by what they describe (a variable's dtype and shape) or left out. Every node also gets
`_output_shapes`, which TensorBoard draws on the edges, and the usual "T"/"dtype" type attrs.
"""
import numpy as np

from tensorflux.framework import dtypes as _dtypes
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.summary import _proto

__all__ = ["graph_def", "graph_def_bytes"]

# Constants larger than this keep their dtype and shape but not their values, so an event
# file does not grow by the size of every array that was captured into a graph.
MAX_CONSTANT_BYTES = 1 << 20


def _shape_of(shape):
    if isinstance(shape, TensorShape):
        return shape.as_tuple()
    return tuple(shape)


def _type_enum(dtype):
    dtype = _dtypes.as_dtype(dtype)
    if dtype == _dtypes.string:
        return _proto.proto("types_pb2").DT_STRING
    try:
        return _proto.data_type(dtype.as_numpy_dtype)
    except (TypeError, AttributeError):
        return _proto.proto("types_pb2").DT_INVALID


def _constant_tensor(array):
    array = np.asarray(array)
    if array.dtype.kind not in "OSU" and array.nbytes > MAX_CONSTANT_BYTES:
        tensor_pb2 = _proto.proto("tensor_pb2")
        return tensor_pb2.TensorProto(dtype=_proto.data_type(array.dtype),
                                      tensor_shape=_proto.shape_proto(array.shape))
    return _proto.tensor_proto(array)


def _attr_value(value):
    """The AttrValue of a Python attr, or None if it has no TensorFlow form."""
    attr_value_pb2 = _proto.proto("attr_value_pb2")
    AttrValue = attr_value_pb2.AttrValue
    if isinstance(value, (bool, np.bool_)):
        return AttrValue(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return AttrValue(i=int(value))
    if isinstance(value, (float, np.floating)):
        return AttrValue(f=float(value))
    if isinstance(value, str):
        return AttrValue(s=value.encode("utf-8"))
    if isinstance(value, bytes):
        return AttrValue(s=value)
    if isinstance(value, _dtypes.DType):
        return AttrValue(type=_type_enum(value))
    if isinstance(value, TensorShape):
        dims = value.as_tuple()
        return AttrValue(shape=_proto.shape_proto(None if dims is None else dims))
    if isinstance(value, np.ndarray):
        return AttrValue(tensor=_constant_tensor(value))
    if isinstance(value, (list, tuple)) and value:
        items = list(value)
        if all(isinstance(v, (bool, np.bool_)) for v in items):
            return AttrValue(list=AttrValue.ListValue(b=[bool(v) for v in items]))
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return AttrValue(list=AttrValue.ListValue(i=[int(v) for v in items]))
        if all(isinstance(v, (int, float, np.number)) for v in items):
            return AttrValue(list=AttrValue.ListValue(f=[float(v) for v in items]))
        if all(isinstance(v, (str, bytes)) for v in items):
            return AttrValue(list=AttrValue.ListValue(
                s=[v.encode("utf-8") if isinstance(v, str) else v for v in items]))
        if all(isinstance(v, _dtypes.DType) for v in items):
            return AttrValue(list=AttrValue.ListValue(type=[_type_enum(v) for v in items]))
        if all(isinstance(v, TensorShape) for v in items):
            return AttrValue(list=AttrValue.ListValue(
                shape=[_proto.shape_proto(v.as_tuple()) for v in items]))
        return None
    if isinstance(value, (list, tuple)):
        return AttrValue(list=AttrValue.ListValue())
    return None


def _input_name(tensor):
    return tensor.op.name if tensor.value_index == 0 else \
        f"{tensor.op.name}:{tensor.value_index}"


def _fill_node(node, op):
    node.name = op.name
    node.op = op.type
    node.input.extend(_input_name(t) for t in op.inputs)
    node.input.extend(f"^{c.name}" for c in op.control_inputs if hasattr(c, "name"))
    if isinstance(op.device, str) and op.device:
        node.device = op.device
    attrs = node.attr
    for key, value in op.attrs.items():
        if hasattr(value, "_graph_node") and hasattr(value, "dtype"):
            # a Variable: describe it the way TensorFlow's VariableV2 node does
            attrs["dtype"].CopyFrom(_attr_value(_dtypes.as_dtype(value.dtype)))
            attrs["shape"].CopyFrom(_attr_value(TensorShape(value.shape)))
            name = getattr(value, "_base_name", None)
            if name:
                attrs["shared_name"].CopyFrom(_attr_value(str(name)))
            continue
        if key == "value" and op.type == "Const":
            array = np.asarray(value)
            attrs["value"].CopyFrom(_attr_value(array))
            attrs["dtype"].CopyFrom(_attr_value(_dtypes.as_dtype(
                op.outputs[0].dtype if op.outputs else array.dtype)))
            continue
        converted = _attr_value(value)
        if converted is not None:
            attrs[key].CopyFrom(converted)
    if op.inputs and "T" not in attrs and "dtype" not in attrs:
        attrs["T"].CopyFrom(_attr_value(op.inputs[0].dtype))
    if op.outputs:
        shapes = [TensorShape(t.shape) if not isinstance(t.shape, TensorShape) else t.shape
                  for t in op.outputs]
        attrs["_output_shapes"].CopyFrom(_attr_value(shapes))


def graph_def(graph):
    """The `GraphDef` protobuf of a tensorflux Graph (or of a traced function's graph)."""
    graph_pb2 = _proto.proto("graph_pb2")
    versions_pb2 = _proto.proto("versions_pb2")
    result = graph_pb2.GraphDef(versions=versions_pb2.VersionDef(producer=1645))
    for op in list(graph._operations):
        _fill_node(result.node.add(), op)
    return result


def graph_def_bytes(graph):
    return graph_def(graph).SerializeToString()


def as_graph_def(graph_data):
    """A GraphDef from a Graph, a traced function (its first concrete function), a
    ConcreteFunction, a GraphDef message or serialized GraphDef bytes."""
    graph_pb2 = _proto.proto("graph_pb2")
    if isinstance(graph_data, graph_pb2.GraphDef):
        return graph_data
    if isinstance(graph_data, (bytes, bytearray)):
        return graph_pb2.GraphDef.FromString(bytes(graph_data))
    if hasattr(graph_data, "_operations"):
        return graph_def(graph_data)
    graph = getattr(graph_data, "graph", None)
    if graph is not None and hasattr(graph, "_operations"):
        return graph_def(graph)
    cache = getattr(graph_data, "_cache", None)
    if cache:
        return graph_def(next(iter(cache.values())).graph)
    raise TypeError(f"Expected a tf.Graph, a traced tf.function or a GraphDef, got "
                    f"{type(graph_data).__name__}. A tf.function has a graph only after its "
                    "first call (or get_concrete_function()).")
