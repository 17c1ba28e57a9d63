"""tf.io.decode_csv: one "DecodeCSVColumn" op per requested column (a record is split once
and memoized, so several columns of one record cost one split)."""
import csv
import threading

import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import not_differentiable, register_op
from tensorflux.ops._helpers import apply, to_tensor

_cache = {}
_lock = threading.Lock()


def _split(record, delim, quote):
    key = (record, delim, quote)
    fields = _cache.get(key)
    if fields is None:
        text = record.decode("utf-8") if isinstance(record, bytes) else str(record)
        reader = csv.reader([text], delimiter=delim,
                            quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE)
        fields = next(reader, [""])
        with _lock:
            if len(_cache) > 1024:
                _cache.clear()
            _cache[key] = fields
    return fields


def _column_kernel(xp, records, column, count, kind, default, delim, quote, na_value):
    strings = np.asarray(records, dtype=object)
    out = np.empty(strings.shape, dtype=object if kind == "string" else kind)
    flat_out = out.reshape(-1)
    for i, record in enumerate(strings.reshape(-1)):
        fields = _split(record, delim, quote)
        if (count is not None and len(fields) != count) or column >= len(fields):
            raise errors.InvalidArgumentError(
                None, None, f"Expect {count} fields but have {len(fields)} in record "
                f"{record!r}")
        text = fields[column]
        if text == "" or text == na_value:
            if default is None:
                raise errors.InvalidArgumentError(
                    None, None, f"Field {column} is required but missing in record "
                    f"{record!r}!")
            flat_out[i] = default
            continue
        try:
            flat_out[i] = text.encode("utf-8") if kind == "string" else \
                np.asarray(text.strip()).astype(np.float64).astype(kind) \
                if kind.startswith("float") else int(text.strip())
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"Field {column} in record {record!r} is not a valid "
                f"{kind}: {text!r}") from None
    return out


register_op("DecodeCSVColumn", _column_kernel, lambda inputs, attrs: [inputs[0].shape],
            lambda d, attrs: [dtypes.string if attrs["kind"] == "string" else
                              dtypes.as_dtype(attrs["kind"])])
not_differentiable("DecodeCSVColumn")


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, name=None):
    records = to_tensor(records, dtype_hint=dtypes.string)
    columns = list(select_cols) if select_cols is not None else \
        list(range(len(record_defaults)))
    count = None if select_cols is not None else len(record_defaults)
    outputs = []
    for column, default in zip(columns, record_defaults):
        if hasattr(default, "numpy"):
            dtype = default.dtype
            values = np.asarray(default.numpy()).reshape(-1)
        elif isinstance(default, dtypes.DType):
            dtype, values = default, np.zeros(0)
        else:
            values = np.asarray(default, dtype=object).reshape(-1)
            sample = values[0] if values.size else default
            if isinstance(sample, (list, tuple)) or sample is None:
                raise ValueError("record_defaults entries must be a value, a one-value list, "
                                 "an empty list or a tf.DType.")
            dtype = dtypes.string if isinstance(sample, (str, bytes)) else \
                dtypes.int32 if isinstance(sample, int) else dtypes.float32
        kind = "string" if dtype == dtypes.string else dtype.name
        fill = None
        if values.size:
            fill = values[0]
            fill = (fill.encode("utf-8") if isinstance(fill, str) else fill) \
                if kind == "string" else np.asarray(fill).astype(kind)[()]
        outputs.append(apply("DecodeCSVColumn", [records], {
            "column": int(column), "count": count, "kind": kind, "default": fill,
            "delim": field_delim, "quote": bool(use_quote_delim), "na_value": na_value}, name))
    return outputs
