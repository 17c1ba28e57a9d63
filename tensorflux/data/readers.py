"""File-based datasets: list_files, TextLineDataset, TFRecordDataset, FixedLengthRecordDataset."""
import glob as _glob
import gzip
import io as _pyio
import os
import zlib

import numpy as np

from tensorflux.data import _structure as structure
from tensorflux.data.dataset import DatasetV2, InterleaveDataset, TensorSliceDataset, \
    UNKNOWN
from tensorflux.data._structure import TensorSpec
from tensorflux.framework import dtypes, errors
from tensorflux.framework.tensor import Tensor

__all__ = ["list_files", "TextLineDataset", "TFRecordDataset", "FixedLengthRecordDataset"]


def _string_list(value, what):
    """file names given as str, bytes, list, ndarray, tensor or a dataset of strings."""
    if isinstance(value, DatasetV2):
        return value
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        value = value.numpy()
    if isinstance(value, (str, bytes, os.PathLike)):
        value = [value]
    names = []
    for item in np.asarray(value, dtype=object).reshape(-1):
        if isinstance(item, bytes):
            item = item.decode("utf-8")
        names.append(os.fspath(item))
    if not names:
        raise errors.InvalidArgumentError(None, None, f"`{what}` must not be empty.")
    return names


def list_files(file_pattern, shuffle=None, seed=None):
    patterns = _string_list(file_pattern, "file_pattern")
    if isinstance(patterns, DatasetV2):
        raise TypeError("list_files expects a pattern string or a list of patterns.")
    names = set()
    for pattern in patterns:
        # TF's globbing is not recursive: `**` matches one path component, like `*`
        matched = _glob.glob(pattern)
        if not matched:
            raise errors.InvalidArgumentError(
                None, None, f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
                f"Summarized data: b'No files matched pattern: {pattern}'")
        names.update(matched)
    ordered = np.asarray(sorted(n.encode("utf-8") for n in names), dtype=object)
    dataset = TensorSliceDataset(ordered)
    if shuffle is None or shuffle:
        dataset = dataset.shuffle(len(ordered), seed=seed)
    return dataset


def _open(path, compression):
    compression = (structure.string_or_none(compression) or "").upper()
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory")
    if compression == "GZIP":
        return gzip.open(path, "rb")
    if compression == "ZLIB":
        with open(path, "rb") as f:
            return _pyio.BytesIO(zlib.decompress(f.read()))
    if compression not in ("", "NONE"):
        raise errors.InvalidArgumentError(None, None, f"Unsupported compression_type "
                                          f"{compression!r}: use '', 'GZIP' or 'ZLIB'.")
    return open(path, "rb")


class _FileRecordsDataset(DatasetV2):
    """Records of one or more files (each file read in turn, or interleaved)."""

    def __init__(self, filenames, compression_type=None, num_parallel_reads=None):
        self._filenames = _string_list(filenames, "filenames")
        self._compression = compression_type
        self._parallel = None if num_parallel_reads is None else int(num_parallel_reads)
        super().__init__(TensorSpec([], dtypes.string))

    def _files(self):
        if isinstance(self._filenames, DatasetV2):
            for (name,) in self._filenames._iter_flat():
                value = name.reshape(()).item()
                yield value.decode("utf-8") if isinstance(value, bytes) else str(value)
        else:
            yield from self._filenames

    def _records_of(self, path):
        raise NotImplementedError

    def _iter_flat(self):
        if self._parallel and self._parallel > 1:
            names = np.asarray([n.encode("utf-8") for n in self._files()], dtype=object)
            per_file = InterleaveDataset(
                TensorSliceDataset(names),
                lambda name: _SingleFile(self, structure.string_or_none(name)),
                cycle_length=self._parallel, block_length=1)
            yield from per_file._iter_flat()
            return
        for path in self._files():
            for record in self._records_of(path):
                yield [_scalar_string(record)]

    def _cardinality(self):
        return UNKNOWN


class _SingleFile(DatasetV2):
    def __init__(self, owner, path):
        self._owner, self._path = owner, path
        super().__init__(TensorSpec([], dtypes.string))

    def _iter_flat(self):
        for record in self._owner._records_of(self._path):
            yield [_scalar_string(record)]


def _scalar_string(data):
    array = np.empty((), dtype=object)
    array[()] = data
    return array


class TextLineDataset(_FileRecordsDataset):
    """The lines of text files, without their line endings ('\\n' or '\\r\\n').

    Args:
        filenames: a file name, a list of them, or a dataset of file names.
        compression_type: "" (none), "GZIP" or "ZLIB".
        buffer_size: ignored (files are read with Python's buffering).
        num_parallel_reads: interleave this many files (default: one after another).
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _records_of(self, path):
        with _open(path, self._compression) as f:
            for line in f:
                if line.endswith(b"\n"):
                    line = line[:-1]
                    if line.endswith(b"\r"):
                        line = line[:-1]
                yield line


class TFRecordDataset(_FileRecordsDataset):
    """The records of TFRecord files (length-prefixed, CRC32C-checked).

    Args:
        filenames: a file name, a list of them, or a dataset of file names.
        compression_type: "" (none), "GZIP" or "ZLIB".
        buffer_size: ignored.
        num_parallel_reads: interleave this many files (default: one after another).

    Raises (while iterating):
        tf.errors.DataLossError: a truncated record or a checksum mismatch.
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _records_of(self, path):
        from tensorflux.io import _tfrecord
        with _open(path, self._compression) as f:
            yield from _tfrecord.read_records(f, path)


class FixedLengthRecordDataset(_FileRecordsDataset):
    """Fixed-size records of binary files (after `header_bytes`, before `footer_bytes`)."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type, num_parallel_reads)
        self._record = int(record_bytes)
        self._header = int(header_bytes or 0)
        self._footer = int(footer_bytes or 0)

    def _records_of(self, path):
        with _open(path, self._compression) as f:
            data = f.read()
        body = data[self._header:len(data) - self._footer]
        for start in range(0, len(body) - self._record + 1, self._record):
            yield body[start:start + self._record]
