"""tf.train.Example protocol buffers and their parsing (tf.io.parse_single_example, ...).

When the `protobuf` package is installed, Examples are real protobuf messages: the schema
below is declared to the protobuf runtime (in a private descriptor pool, so it cannot clash
with TensorFlow's own registration). `protobuf` is not a dependency of tensorflux, and neither
`protobuf` nor `tensorboard` ships the Example schema, so without protobuf the small message
classes below stand in. They implement the protobuf wire format of the messages involved
(Example, Features with its map of Feature, and the three value lists), so the bytes are the
same either way and files interoperate with TensorFlow.

    Example   { Features features = 1; }
    Features  { map<string, Feature> feature = 1; }   (map entry: string key = 1; Feature value = 2)
    Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2;
                             Int64List int64_list = 3; } }
    BytesList { repeated bytes value = 1; }   FloatList { repeated float value = 1 [packed]; }
    Int64List { repeated int64 value = 1 [packed]; }
"""
import struct
import threading

import numpy as np

from tensorflux.framework import errors

__all__ = ["Example", "Features", "Feature", "BytesList", "FloatList", "Int64List",
           "decode_example", "USING_PROTOBUF"]

# ---- wire format ---------------------------------------------------------------------------

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


def _varint(value):
    value &= 0xFFFFFFFFFFFFFFFF  # negative int64: ten-byte two's complement, as protobuf
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire_type):
    return _varint((field << 3) | wire_type)


def _length_delimited(field, payload):
    return _key(field, _BYTES) + _varint(len(payload)) + payload


def _read_varint(data, position):
    result = shift = 0
    while True:
        if position >= len(data):
            raise ValueError("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(data):
    """(field number, wire type, value) of a serialized message; bytes fields as memoryview."""
    position, end = 0, len(data)
    while position < end:
        key, position = _read_varint(data, position)
        field, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, position = _read_varint(data, position)
        elif wire_type == _BYTES:
            length, position = _read_varint(data, position)
            if position + length > end:
                raise ValueError("truncated length-delimited field")
            value = data[position:position + length]
            position += length
        elif wire_type == _FIXED32:
            value = data[position:position + 4]
            position += 4
        elif wire_type == _FIXED64:
            value = data[position:position + 8]
            position += 8
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
        if position > end:
            raise ValueError("truncated field")
        yield field, wire_type, value


def _packed_varints(payload):
    """All varints of a packed field at once (NumPy), as int64 (two's complement)."""
    raw = np.frombuffer(payload, dtype=np.uint8)
    if raw.size == 0:
        return np.zeros(0, dtype=np.int64)
    last = (raw & 0x80) == 0
    if not last[-1]:
        raise ValueError("truncated packed varint")
    ends = np.flatnonzero(last)
    starts = np.concatenate([[0], ends[:-1] + 1])
    group = np.repeat(np.arange(starts.size), ends - starts + 1)
    position = np.arange(raw.size) - starts[group]
    groups = (raw & 0x7F).astype(np.uint64) << (7 * position).astype(np.uint64)
    return np.add.reduceat(groups, starts).view(np.int64)


# ---- the stand-in message classes ----------------------------------------------------------

class _Message:
    _fields_ = ()

    def __eq__(self, other):
        return type(self) is type(other) and self.SerializeToString() == \
            other.SerializeToString()

    def __ne__(self, other):
        return not self == other

    @classmethod
    def FromString(cls, data):  # noqa: N802 - protobuf's name
        message = cls()
        message.ParseFromString(data)
        return message

    def ParseFromString(self, data):  # noqa: N802
        self.Clear()
        self.MergeFromString(bytes(data))
        return len(data)

    def Clear(self):  # noqa: N802
        self.__init__()

    def CopyFrom(self, other):  # noqa: N802
        self.ParseFromString(other.SerializeToString())

    def ByteSize(self):  # noqa: N802
        return len(self.SerializeToString())

    def __repr__(self):
        return f"{type(self).__name__}({self._text()})"


class _ValueList(_Message):
    def __init__(self, value=()):
        self.value = list(value)

    def _text(self):
        return f"value={self.value!r}"


class BytesList(_ValueList):
    def __init__(self, value=()):
        super().__init__(v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in value)

    def SerializeToString(self, deterministic=None):  # noqa: N802
        return b"".join(_length_delimited(1, bytes(v)) for v in self.value)

    def MergeFromString(self, data):  # noqa: N802
        for field, wire_type, value in _fields(data):
            if field == 1 and wire_type == _BYTES:
                self.value.append(bytes(value))


class FloatList(_ValueList):
    def __init__(self, value=()):
        super().__init__(float(v) for v in np.asarray(list(value), dtype=np.float32))

    def SerializeToString(self, deterministic=None):  # noqa: N802
        if not self.value:
            return b""
        return _length_delimited(1, np.asarray(self.value, dtype="<f4").tobytes())

    def MergeFromString(self, data):  # noqa: N802
        for field, wire_type, value in _fields(data):
            if field == 1 and wire_type == _BYTES:
                self.value.extend(np.frombuffer(value, dtype="<f4").tolist())
            elif field == 1 and wire_type == _FIXED32:
                self.value.append(struct.unpack("<f", value)[0])


class Int64List(_ValueList):
    def __init__(self, value=()):
        super().__init__(int(v) for v in value)

    def SerializeToString(self, deterministic=None):  # noqa: N802
        if not self.value:
            return b""
        return _length_delimited(1, b"".join(_varint(v) for v in self.value))

    def MergeFromString(self, data):  # noqa: N802
        for field, wire_type, value in _fields(data):
            if field == 1 and wire_type == _BYTES:
                self.value.extend(_packed_varints(value).tolist())
            elif field == 1 and wire_type == _VARINT:
                self.value.append(value - (1 << 64) if value >= 1 << 63 else value)


class Feature(_Message):
    _KINDS = (("bytes_list", BytesList, 1), ("float_list", FloatList, 2),
              ("int64_list", Int64List, 3))

    def __init__(self, bytes_list=None, float_list=None, int64_list=None):
        given = [(name, v) for name, v in (("bytes_list", bytes_list),
                                            ("float_list", float_list),
                                            ("int64_list", int64_list)) if v is not None]
        if len(given) > 1:
            raise ValueError("A Feature holds one of bytes_list, float_list or int64_list.")
        self._kind = given[0][0] if given else None
        self.bytes_list = bytes_list if bytes_list is not None else BytesList()
        self.float_list = float_list if float_list is not None else FloatList()
        self.int64_list = int64_list if int64_list is not None else Int64List()

    def WhichOneof(self, name):  # noqa: N802
        return self._kind

    def HasField(self, name):  # noqa: N802
        return self._kind == name

    def SerializeToString(self, deterministic=None):  # noqa: N802
        for name, _, number in self._KINDS:
            if self._kind == name:
                return _length_delimited(number, getattr(self, name).SerializeToString())
        return b""

    def MergeFromString(self, data):  # noqa: N802
        for field, wire_type, value in _fields(data):
            for name, cls, number in self._KINDS:
                if field == number and wire_type == _BYTES:
                    setattr(self, name, cls.FromString(value))
                    self._kind = name

    def _text(self):
        return f"{self._kind}={getattr(self, self._kind)!r}" if self._kind else ""


class Features(_Message):
    def __init__(self, feature=None):
        self.feature = dict(feature or {})

    def SerializeToString(self, deterministic=None):  # noqa: N802
        parts = []
        for name in sorted(self.feature):
            entry = _length_delimited(1, name.encode("utf-8")) + _length_delimited(
                2, self.feature[name].SerializeToString())
            parts.append(_length_delimited(1, entry))
        return b"".join(parts)

    def MergeFromString(self, data):  # noqa: N802
        for field, wire_type, value in _fields(data):
            if field != 1 or wire_type != _BYTES:
                continue
            name, feature = "", Feature()
            for entry_field, entry_type, entry_value in _fields(value):
                if entry_field == 1 and entry_type == _BYTES:
                    name = bytes(entry_value).decode("utf-8")
                elif entry_field == 2 and entry_type == _BYTES:
                    feature = Feature.FromString(entry_value)
            self.feature[name] = feature

    def _text(self):
        return f"feature={self.feature!r}"


class Example(_Message):
    def __init__(self, features=None):
        self.features = features if features is not None else Features()

    def SerializeToString(self, deterministic=None):  # noqa: N802
        return _length_delimited(1, self.features.SerializeToString())

    def MergeFromString(self, data):  # noqa: N802
        for field, wire_type, value in _fields(data):
            if field == 1 and wire_type == _BYTES:
                self.features.MergeFromString(value)

    def _text(self):
        return f"features={self.features!r}"


def _protobuf_classes():
    """The six message classes built by the protobuf runtime, or None without protobuf."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        return None
    T = descriptor_pb2.FieldDescriptorProto
    schema = descriptor_pb2.FileDescriptorProto(name="tensorflux/example.proto",
                                                package="tensorflow", syntax="proto3")

    def message(name, fields, nested=(), oneof=None):
        proto = schema.message_type.add(name=name)
        if oneof:
            proto.oneof_decl.add(name=oneof)
        for item in nested:
            proto.nested_type.add().CopyFrom(item)
        for number, (field_name, kind, type_name, label) in enumerate(fields, start=1):
            field = proto.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = type_name
            if oneof:
                field.oneof_index = 0

    repeated, optional = T.LABEL_REPEATED, T.LABEL_OPTIONAL
    message("BytesList", [("value", T.TYPE_BYTES, None, repeated)])
    message("FloatList", [("value", T.TYPE_FLOAT, None, repeated)])
    message("Int64List", [("value", T.TYPE_INT64, None, repeated)])
    message("Feature", [("bytes_list", T.TYPE_MESSAGE, ".tensorflow.BytesList", optional),
                        ("float_list", T.TYPE_MESSAGE, ".tensorflow.FloatList", optional),
                        ("int64_list", T.TYPE_MESSAGE, ".tensorflow.Int64List", optional)],
            oneof="kind")
    entry = descriptor_pb2.DescriptorProto(name="FeatureEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=T.TYPE_STRING, label=optional)
    entry.field.add(name="value", number=2, type=T.TYPE_MESSAGE, label=optional,
                    type_name=".tensorflow.Feature")
    message("Features", [("feature", T.TYPE_MESSAGE, ".tensorflow.Features.FeatureEntry",
                          repeated)], nested=[entry])
    message("Example", [("features", T.TYPE_MESSAGE, ".tensorflow.Features", optional)])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(schema)
    names = ("Example", "Features", "Feature", "BytesList", "FloatList", "Int64List")
    descriptors = [pool.FindMessageTypeByName(f"tensorflow.{n}") for n in names]
    if hasattr(message_factory, "GetMessageClass"):
        return [message_factory.GetMessageClass(d) for d in descriptors]
    factory = message_factory.MessageFactory(pool)
    return [factory.GetPrototype(d) for d in descriptors]


USING_PROTOBUF = False
_classes = _protobuf_classes()
if _classes is not None:
    Example, Features, Feature, BytesList, FloatList, Int64List = _classes
    USING_PROTOBUF = True


# ---- decoding for the parse ops --------------------------------------------------------------

_cache = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 256


def _decode_with_protobuf(data):
    example = Example.FromString(data)
    result = {}
    for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        if kind == "float_list":
            result[name] = ("float", np.asarray(feature.float_list.value, dtype=np.float32))
        elif kind == "int64_list":
            result[name] = ("int64", np.asarray(feature.int64_list.value, dtype=np.int64))
        elif kind == "bytes_list":
            values = np.empty(len(feature.bytes_list.value), dtype=object)
            values[:] = list(feature.bytes_list.value)
            result[name] = ("bytes", values)
        else:
            result[name] = (None, None)
    return result


def _decode_wire(data):
    """{feature name: (kind, values)} straight from the wire format (no message objects)."""
    result = {}
    for field, wire_type, features in _fields(data):
        if field != 1 or wire_type != _BYTES:
            continue
        for entry_field, entry_type, entry in _fields(features):
            if entry_field != 1 or entry_type != _BYTES:
                continue
            name, kind, values = "", None, None
            for item_field, item_type, item in _fields(entry):
                if item_field == 1 and item_type == _BYTES:
                    name = bytes(item).decode("utf-8")
                elif item_field == 2 and item_type == _BYTES:
                    kind, values = _decode_feature(item)
            result[name] = (kind, values)
    return result


def _decode_feature(data):
    kind, values = None, None
    for field, wire_type, payload in _fields(data):
        if wire_type != _BYTES:
            continue
        if field == 1:
            items = [bytes(v) for f, t, v in _fields(payload) if f == 1 and t == _BYTES]
            kind, values = "bytes", np.empty(len(items), dtype=object)
            values[:] = items
        elif field == 2:
            kind, parts = "float", []
            for f, t, v in _fields(payload):
                if f == 1 and t == _BYTES:
                    parts.append(np.frombuffer(v, dtype="<f4"))
                elif f == 1 and t == _FIXED32:
                    parts.append(np.frombuffer(v, dtype="<f4"))
            values = np.concatenate(parts).astype(np.float32) if parts else \
                np.zeros(0, np.float32)
        elif field == 3:
            kind, parts = "int64", []
            for f, t, v in _fields(payload):
                if f == 1 and t == _BYTES:
                    parts.append(_packed_varints(v))
                elif f == 1 and t == _VARINT:
                    parts.append(np.asarray([v], dtype=np.uint64).view(np.int64))
            values = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return kind, values


def decode_example(data):
    """Decoded features of one serialized Example (memoized: the parse ops of several features
    of the same record decode it once)."""
    if not isinstance(data, bytes):
        data = bytes(data)
    cached = _cache.get(data)
    if cached is not None:
        return cached
    try:
        decoded = _decode_with_protobuf(data) if USING_PROTOBUF else _decode_wire(data)
    except Exception as error:  # noqa: BLE001 - any malformed input
        raise errors.InvalidArgumentError(None, None, f"Could not parse example input, value: "
                                          f"{data[:40]!r}... ({error})") from None
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[data] = decoded
    return decoded
