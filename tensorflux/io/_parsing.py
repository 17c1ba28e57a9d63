"""tf.io.parse_single_example / parse_example with FixedLenFeature, VarLenFeature and
FixedLenSequenceFeature.

Each requested feature is one op over the serialized records ("ParseExampleDense": one dense
output; "ParseExampleVarLen": indices, values and dense shape of a SparseTensor), so parsing
works in graphs and in traced `Dataset.map` functions. A record is decoded once even when
several features read it (see `_example.decode_example`).
"""
import collections

import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import not_differentiable, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.io._example import decode_example
from tensorflux.ops._helpers import apply, to_tensor

__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "parse_example",
           "parse_single_example"]

_KIND_OF = {dtypes.float32: "float", dtypes.int64: "int64", dtypes.string: "bytes"}
_TYPE_NAME = {"float": "float", "int64": "int64", "bytes": "string"}


class FixedLenFeature(collections.namedtuple("FixedLenFeature",
                                             ["shape", "dtype", "default_value"])):
    """A feature with a fixed number of values, parsed to a dense tensor of `shape`."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A variable number of items of `shape` each, parsed to [num_items] + shape."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values, parsed to a SparseTensor."""


def _check_dtype(dtype, key):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _KIND_OF:
        raise ValueError(f"Feature {key!r}: dtype must be tf.float32, tf.int64 or tf.string, "
                         f"got {dtype.name}.")
    return dtype


def _values_of(record, key, kind, required):
    """The values of feature `key` in one serialized record, or None if absent."""
    if isinstance(record, np.ndarray):
        record = record.reshape(()).item()
    if isinstance(record, str):
        record = record.encode("utf-8")
    decoded = decode_example(record)
    found = decoded.get(key)
    if found is None or found[0] is None:
        return None
    if found[0] != kind:
        raise errors.InvalidArgumentError(
            None, None, f"Name: <unknown>, Key: {key}, Index: 0. Data types don't match. "
            f"Expected type: {_TYPE_NAME[kind]}, Actual type: {_TYPE_NAME[found[0]]}")
    return found[1]


def _dense_kernel(xp, serialized, key, kind, np_dtype, shape, default, sequence,
                  allow_missing):
    records = np.asarray(serialized, dtype=object)
    item_size = int(np.prod(shape)) if shape else 1
    results = []
    for record in records.reshape(-1):
        values = _values_of(record, key, kind, True)
        if values is None:
            if sequence:
                if not allow_missing:
                    raise errors.InvalidArgumentError(
                        None, None, f"Name: <unknown>, Feature list '{key}' is required but "
                        "could not be found. Did you mean to include it in "
                        "feature_list_dense_missing_assumed_empty or feature_list_dense_"
                        "defaults? (Set allow_missing=True.)")
                values = np.zeros((0,) + tuple(shape), dtype=np_dtype)
            elif default is None:
                raise errors.InvalidArgumentError(
                    None, None, f"Feature: {key} (data type: {_TYPE_NAME[kind]}) is "
                    "required but could not be found. Give a default_value in its "
                    "FixedLenFeature, or write the feature into every record.")
            else:
                values = np.broadcast_to(default, shape).astype(np_dtype)
                results.append(values)
                continue
        if sequence:
            if values.size % item_size:
                raise errors.InvalidArgumentError(
                    None, None, f"Key: {key}. Number of values {values.size} is not a multiple "
                    f"of the item size {item_size} of shape {list(shape)}.")
            results.append(values.astype(np_dtype).reshape((-1,) + tuple(shape)))
        else:
            if values.size != item_size:
                raise errors.InvalidArgumentError(
                    None, None, f"Key: {key}.  Can't parse serialized Example: the feature has "
                    f"{values.size} values but its FixedLenFeature shape {list(shape)} needs "
                    f"{item_size}.")
            results.append(values.astype(np_dtype).reshape(shape))
    if sequence:
        longest = max((r.shape[0] for r in results), default=0)
        fill = default if default is not None else (b"" if kind == "bytes" else 0)
        padded = np.empty((len(results), longest) + tuple(shape), dtype=np_dtype)
        padded[...] = fill
        for i, r in enumerate(results):
            padded[i, :r.shape[0]] = r
        return padded.reshape(records.shape + padded.shape[1:])
    out = np.empty((len(results),) + tuple(shape), dtype=np_dtype)
    for i, r in enumerate(results):
        out[i] = r
    return out.reshape(records.shape + tuple(shape))


def _varlen_kernel(xp, serialized, key, kind, np_dtype):
    records = np.asarray(serialized, dtype=object)
    batched = records.ndim > 0
    indices, values, longest = [], [], 0
    for row, record in enumerate(records.reshape(-1)):
        found = _values_of(record, key, kind, False)
        if found is None:
            continue
        longest = max(longest, found.size)
        for i in range(found.size):
            indices.append((row, i) if batched else (i,))
        values.append(found.astype(np_dtype))
    rank = 2 if batched else 1
    index_array = np.asarray(indices, dtype=np.int64).reshape(-1, rank)
    value_array = np.concatenate(values) if values else np.zeros(0, dtype=np_dtype)
    if kind == "bytes":
        value_array = value_array.astype(object)
    shape = np.asarray([records.size, longest] if batched else [longest], dtype=np.int64)
    return index_array, value_array, shape


def _dense_shape(inputs, attrs):
    shape = inputs[0].shape
    extra = ([None] if attrs["sequence"] else []) + list(attrs["shape"])
    if shape.rank is None:
        return [TensorShape(None)]
    return [TensorShape(list(shape.as_tuple()) + extra)]


def _varlen_shape(inputs, attrs):
    rank = 2 if inputs[0].shape.rank != 0 else 1
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rank])]


register_op("ParseExampleDense", _dense_kernel, _dense_shape,
            lambda d, attrs: [dtypes.as_dtype(attrs["np_dtype"]) if attrs["kind"] != "bytes"
                              else dtypes.string])
register_op("ParseExampleVarLen", _varlen_kernel, _varlen_shape,
            lambda d, attrs: [dtypes.int64, dtypes.string if attrs["kind"] == "bytes" else
                              dtypes.as_dtype(attrs["np_dtype"]), dtypes.int64],
            num_outputs=3)
not_differentiable("ParseExampleDense", "ParseExampleVarLen")


def _parse(serialized, features):
    from tensorflux.sparse import SparseTensor
    if not isinstance(features, dict) or not features:
        raise ValueError("`features` must be a non-empty dict of feature name -> "
                         "FixedLenFeature / VarLenFeature / FixedLenSequenceFeature.")
    serialized = to_tensor(serialized, dtype_hint=dtypes.string)
    if serialized.dtype != dtypes.string:
        raise TypeError(f"`serialized` must be a string tensor, got {serialized.dtype.name}.")
    result = {}
    for key, feature in features.items():
        if isinstance(feature, VarLenFeature):
            dtype = _check_dtype(feature.dtype, key)
            np_dtype = object if dtype == dtypes.string else dtype.as_numpy_dtype
            indices, values, shape = apply("ParseExampleVarLen", [serialized],
                                           {"key": key, "kind": _KIND_OF[dtype],
                                            "np_dtype": np_dtype})
            result[key] = SparseTensor(indices, values, shape)
        elif isinstance(feature, (FixedLenFeature, FixedLenSequenceFeature)):
            dtype = _check_dtype(feature.dtype, key)
            np_dtype = object if dtype == dtypes.string else dtype.as_numpy_dtype
            shape = tuple(int(d) for d in TensorShape(feature.shape).as_tuple())
            default = feature.default_value
            if default is not None:
                default = np.asarray(default, dtype=np_dtype) if dtype != dtypes.string \
                    else np.asarray(default, dtype=object)
                if dtype == dtypes.string:
                    default = np.vectorize(lambda v: v.encode() if isinstance(v, str) else v,
                                           otypes=[object])(default)
            sequence = isinstance(feature, FixedLenSequenceFeature)
            result[key] = apply("ParseExampleDense", [serialized], {
                "key": key, "kind": _KIND_OF[dtype], "np_dtype": np_dtype, "shape": shape,
                "default": default, "sequence": sequence,
                "allow_missing": bool(getattr(feature, "allow_missing", False))})
        else:
            raise ValueError(f"Unsupported feature type {type(feature).__name__} for key "
                             f"{key!r}: use FixedLenFeature, VarLenFeature or "
                             "FixedLenSequenceFeature.")
    return result


def parse_single_example(serialized, features, name=None, example_names=None):
    """Parses one serialized tf.train.Example (a scalar string) into a dict of tensors.

    Args:
        serialized: a scalar string tensor.
        features: dict of name -> FixedLenFeature (dense, `shape`), VarLenFeature
            (SparseTensor) or FixedLenSequenceFeature ([n] + shape).

    Raises:
        tf.errors.InvalidArgumentError: a missing required feature, a dtype or size mismatch.
    """
    serialized = to_tensor(serialized, dtype_hint=dtypes.string)
    if serialized.shape.rank not in (None, 0):
        raise ValueError(f"parse_single_example expects a scalar string, got shape "
                         f"{serialized.shape}; use tf.io.parse_example for a batch.")
    return _parse(serialized, features)


def parse_example(serialized, features, name=None, example_names=None):
    """Parses a batch (1-D string tensor) of serialized Examples; outputs have a batch axis."""
    serialized = to_tensor(serialized, dtype_hint=dtypes.string)
    if serialized.shape.rank not in (None, 1):
        raise ValueError(f"parse_example expects a 1-D string tensor, got shape "
                         f"{serialized.shape}.")
    return _parse(serialized, features)
