"""The protocol buffers of event files, from the `tensorboard` package (an optional extra).

Event files hold `Event` messages whose `Summary` values carry scalars, histograms, images,
text and audio, and whose `graph_def` holds a `GraphDef`. The message classes are the ones the
`tensorboard` package ships (`tensorboard.compat.proto`), so what we write is exactly what
TensorBoard parses; this module only imports them (on first use, with an error that names the
package to install) and converts NumPy arrays into `TensorProto`s. The conversion is done here
rather than with `tensorboard.util.tensor_util.make_tensor_proto` because that helper imports
TensorBoard's TensorFlow stub (and with it boto3), which costs about a second per process.
"""
import importlib

import numpy as np

__all__ = ["proto", "require", "tensor_proto", "plugin_metadata"]

_MODULES = ("event_pb2", "summary_pb2", "graph_pb2", "node_def_pb2", "attr_value_pb2",
            "tensor_pb2", "tensor_shape_pb2", "types_pb2", "versions_pb2", "config_pb2",
            "histogram_pb2")
_loaded = {}

INSTALL_HINT = ("TensorBoard event files need the `tensorboard` package (its protocol "
                "buffers): pip install tensorboard  (or: pip install 'tensorflux[tensorboard]')")


def require():
    """Imports the protobuf modules once; raises ImportError naming what to install."""
    if not _loaded:
        try:
            for name in _MODULES:
                _loaded[name] = importlib.import_module(f"tensorboard.compat.proto.{name}")
        except ImportError as error:
            _loaded.clear()
            raise ImportError(f"{INSTALL_HINT} ({error})") from error
    return _loaded


def proto(module):
    """`proto("summary_pb2")` -> that protobuf module of the tensorboard package."""
    return require()[module]


def available():
    try:
        require()
        return True
    except ImportError:
        return False


# NumPy dtype -> (DataType enum name, TensorProto field for single values)
_DTYPES = {
    np.dtype(np.float16): ("DT_HALF", "half_val"),
    np.dtype(np.float32): ("DT_FLOAT", "float_val"),
    np.dtype(np.float64): ("DT_DOUBLE", "double_val"),
    np.dtype(np.int8): ("DT_INT8", "int_val"),
    np.dtype(np.int16): ("DT_INT16", "int_val"),
    np.dtype(np.int32): ("DT_INT32", "int_val"),
    np.dtype(np.int64): ("DT_INT64", "int64_val"),
    np.dtype(np.uint8): ("DT_UINT8", "int_val"),
    np.dtype(np.uint16): ("DT_UINT16", "int_val"),
    np.dtype(np.uint32): ("DT_UINT32", "uint32_val"),
    np.dtype(np.uint64): ("DT_UINT64", "uint64_val"),
    np.dtype(np.bool_): ("DT_BOOL", "bool_val"),
    np.dtype(np.complex64): ("DT_COMPLEX64", "scomplex_val"),
    np.dtype(np.complex128): ("DT_COMPLEX128", "dcomplex_val"),
}


def data_type(numpy_dtype):
    """The `types_pb2.DataType` enum value of a NumPy dtype (object/str/bytes -> DT_STRING)."""
    types_pb2 = proto("types_pb2")
    dtype = np.dtype(numpy_dtype)
    if dtype.kind in "OSU":
        return types_pb2.DT_STRING
    entry = _DTYPES.get(dtype)
    return types_pb2.DataType.Value(entry[0]) if entry else types_pb2.DT_INVALID


def shape_proto(shape):
    """A `TensorShapeProto`; None (unknown rank) and None dimensions (-1) are allowed."""
    tensor_shape_pb2 = proto("tensor_shape_pb2")
    message = tensor_shape_pb2.TensorShapeProto()
    if shape is None:
        message.unknown_rank = True
        return message
    for size in shape:
        message.dim.add(size=-1 if size is None else int(size))
    return message


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, np.bytes_):
        return bytes(value)
    return str(value).encode("utf-8")


def tensor_proto(value, dtype=None):
    """A `TensorProto` holding `value` (array-like; strings become DT_STRING).

    Numbers are stored in `tensor_content` (raw little-endian bytes, as TensorFlow writes
    them); strings element by element in `string_val`.
    """
    tensor_pb2 = proto("tensor_pb2")
    array = np.asarray(value, dtype=dtype)
    message = tensor_pb2.TensorProto(dtype=data_type(array.dtype),
                                     tensor_shape=shape_proto(array.shape))
    if array.dtype.kind in "OSU":
        message.string_val.extend(_as_bytes(v) for v in array.reshape(-1).tolist())
    elif array.dtype.kind == "b":
        message.bool_val.extend(array.reshape(-1).tolist())
    else:
        if array.dtype not in _DTYPES:
            array = array.astype(np.float64 if array.dtype.kind == "f" else np.int64)
            message.dtype = data_type(array.dtype)
        message.tensor_content = np.ascontiguousarray(array).astype(
            array.dtype.newbyteorder("<"), copy=False).tobytes()
    return message


def plugin_metadata(plugin_name, content=b"", display_name=None, description=None,
                    data_class=None):
    """A `SummaryMetadata` naming the TensorBoard plugin that shows the value."""
    summary_pb2 = proto("summary_pb2")
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin_name,
                                                           content=content))
    if display_name:
        metadata.display_name = display_name
    if description:
        metadata.summary_description = description
    if data_class is not None:
        metadata.data_class = data_class
    return metadata


def standard_metadata(kind, display_name=None, description=None, **options):
    """SummaryMetadata of the scalars/histograms/images/text/audio plugins, built by the
    tensorboard package's own plugin helpers (so the plugin content is what it expects)."""
    module = importlib.import_module(f"tensorboard.plugins.{kind}.metadata")
    return module.create_summary_metadata(display_name=display_name or "",
                                          description=description or "", **options)
