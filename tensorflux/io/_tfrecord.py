"""TFRecord files: a sequence of records, each framed as

    uint64 length (little endian) | uint32 masked CRC32C of those 8 bytes |
    data[length]                  | uint32 masked CRC32C of data

Readers verify both checksums and raise `tf.errors.DataLossError` on a mismatch or a truncated
record (the file names the problem and the byte offset).
"""
import gzip
import os
import struct
import zlib

from tensorflux.framework import errors
from tensorflux.io._crc32c import masked_crc32c

__all__ = ["TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "read_records",
           "tf_record_iterator"]

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


class TFRecordCompressionType:
    NONE = 0
    ZLIB = 1
    GZIP = 2


class TFRecordOptions:
    """Compression of a TFRecord file: "" / None, "GZIP" or "ZLIB"."""

    compression_type_map = {TFRecordCompressionType.NONE: "",
                            TFRecordCompressionType.ZLIB: "ZLIB",
                            TFRecordCompressionType.GZIP: "GZIP"}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        self.compression_type = _compression_name(compression_type)
        self.compression_level = compression_level

    @classmethod
    def get_compression_type_string(cls, options):
        if options is None:
            return ""
        if isinstance(options, TFRecordOptions):
            return options.compression_type
        return _compression_name(options)


def _compression_name(value):
    if value is None:
        return ""
    if isinstance(value, int):
        return TFRecordOptions.compression_type_map.get(value, "")
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, TFRecordOptions):
        return value.compression_type
    name = str(value).upper()
    if name in ("", "NONE"):
        return ""
    if name not in ("GZIP", "ZLIB"):
        raise ValueError(f"Unsupported TFRecord compression type {value!r}: use '', 'GZIP' "
                         "or 'ZLIB'.")
    return name


def frame(record):
    """One record with its TFRecord framing."""
    header = _LENGTH.pack(len(record))
    return b"".join((header, _CRC.pack(masked_crc32c(header)), record,
                     _CRC.pack(masked_crc32c(record))))


class TFRecordWriter:
    """Writes records (bytes) to a TFRecord file.

    Args:
        path: the file to create (overwritten).
        options: None, a `TFRecordOptions`, or a compression name ("GZIP", "ZLIB").

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "data.tfrecord")
        >>> with tf.io.TFRecordWriter(path) as writer:
        ...     writer.write(b"record")
        >>> list(tf.data.TFRecordDataset(path).as_numpy_iterator())
        [b'record']
    """

    def __init__(self, path, options=None):
        self._path = os.fspath(path)
        self._compression = TFRecordOptions.get_compression_type_string(options)
        if self._compression == "GZIP":
            self._file = gzip.open(self._path, "wb")
        else:
            self._file = open(self._path, "wb")
        self._zlib = zlib.compressobj() if self._compression == "ZLIB" else None
        self._closed = False

    def write(self, record):
        if self._closed:
            raise errors.FailedPreconditionError(None, None, f"TFRecordWriter for "
                                                 f"{self._path!r} is closed.")
        record = _as_bytes(record)
        data = frame(record)
        if self._zlib is not None:
            data = self._zlib.compress(data)
        self._file.write(data)

    def flush(self):
        if self._zlib is not None:
            self._file.write(self._zlib.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self):
        if not self._closed:
            if self._zlib is not None:
                self._file.write(self._zlib.flush())
            self._file.close()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _as_bytes(record):
    if isinstance(record, bytes):
        return record
    if isinstance(record, str):
        return record.encode("utf-8")
    if hasattr(record, "SerializeToString"):
        return record.SerializeToString()
    if hasattr(record, "numpy"):
        record = record.numpy()
    import numpy as np
    if isinstance(record, np.ndarray) and record.size == 1:
        return _as_bytes(record.reshape(()).item())
    raise TypeError(f"TFRecordWriter.write expects bytes, got {type(record).__name__}.")


def read_records(f, path="<stream>"):
    """Yields the records of an open binary file, verifying the checksums."""
    offset = 0
    while True:
        header = f.read(8)
        if not header:
            return
        if len(header) < 8:
            raise errors.DataLossError(None, None, f"Truncated record at offset {offset} in "
                                       f"{path}: the file ends inside a record header.")
        header_crc = f.read(4)
        if len(header_crc) < 4:
            raise errors.DataLossError(None, None, f"Truncated record at offset {offset} in "
                                       f"{path}.")
        if _CRC.unpack(header_crc)[0] != masked_crc32c(header):
            raise errors.DataLossError(None, None, f"Corrupted record at offset {offset} in "
                                       f"{path}: the length checksum does not match.")
        (length,) = _LENGTH.unpack(header)
        data = f.read(length)
        data_crc = f.read(4)
        if len(data) < length or len(data_crc) < 4:
            raise errors.DataLossError(None, None, f"Truncated record at offset {offset} in "
                                       f"{path}: expected {length} data bytes.")
        if _CRC.unpack(data_crc)[0] != masked_crc32c(data):
            raise errors.DataLossError(None, None, f"Corrupted record at offset {offset} in "
                                       f"{path}: the data checksum does not match.")
        offset += 16 + length
        yield data


def tf_record_iterator(path, options=None):
    """TF1 tf.io.tf_record_iterator / tf.python_io.tf_record_iterator: the records of a file."""
    compression = TFRecordOptions.get_compression_type_string(options)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory")
    if compression == "GZIP":
        f = gzip.open(path, "rb")
    elif compression == "ZLIB":
        import io
        with open(path, "rb") as raw:
            f = io.BytesIO(zlib.decompress(raw.read()))
    else:
        f = open(path, "rb")
    with f:
        yield from read_records(f, path)
