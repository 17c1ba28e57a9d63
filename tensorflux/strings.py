"""tf.strings: string ops on string tensors (NumPy object arrays of `bytes`).

Every function is a registered op (none is differentiable), so they also run in graphs, in
Sessions and inside traced `Dataset.map` functions. `split` returns a `RaggedTensor`-like
`StringSplitResult` (`.values`, `.row_splits`, `to_list()`), which also carries the
SparseTensor fields (`.indices`, `.dense_shape`) that TF1's `tf.string_split` returned.
"""
import re

import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import broadcast_shape, not_differentiable, register_op
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.ops._helpers import apply, to_tensor

__all__ = ["split", "join", "regex_replace", "regex_full_match", "to_number", "length",
           "substr", "lower", "upper", "strip", "format", "reduce_join", "as_string",
           "bytes_split", "StringSplitResult", "string_split_v1", "startswith", "endswith"]


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, np.ndarray):
        return _as_bytes(value.reshape(()).item())
    return bytes(value)


def _objects(result):
    """A kernel result as an object array (np.frompyfunc returns bare scalars for 0-d)."""
    if isinstance(result, np.ndarray):
        return result if result.dtype == object else result.astype(object)
    out = np.empty((), dtype=object)
    out[()] = result
    return out


def _map(function, *arrays, otype=object):
    arrays = [np.asarray(a, dtype=object) if not isinstance(a, np.ndarray) or a.dtype.kind in
              "SU" else a for a in arrays]
    result = np.frompyfunc(function, len(arrays), 1)(*arrays)
    if otype is object:
        return _objects(result)
    return np.asarray(result, dtype=otype)


def _string_input(value, what="input"):
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        from tensorflux.ops.array_ops import stack
        value = stack([to_tensor(v, dtype_hint=dtypes.string) for v in value])
    tensor = to_tensor(value, dtype_hint=dtypes.string)
    if tensor.dtype != dtypes.string:
        raise TypeError(f"tf.strings: `{what}` must be a string tensor, got "
                        f"{tensor.dtype.name}.")
    return tensor


def _same_shape(inputs, attrs):
    return [inputs[0].shape]


def _string_out(input_dtypes, attrs):
    return [dtypes.string]


def _out_type(input_dtypes, attrs):
    return [dtypes.as_dtype(attrs["out_type"])]


# ---- split -------------------------------------------------------------------------------

def _split_one(text, sep, maxsplit, char_set, skip_empty):
    if char_set:
        pieces = re.split(b"[" + re.escape(sep) + b"]", text) if sep else [text]
    elif sep is None or sep == b"":
        pieces = text.split(None, maxsplit)
    else:
        pieces = text.split(sep, maxsplit)
    if skip_empty:
        pieces = [p for p in pieces if p]
    return pieces


def _split_kernel(xp, input, sep, maxsplit, char_set, skip_empty):  # noqa: A002
    strings = np.asarray(input, dtype=object).reshape(-1)
    rows = [_split_one(_as_bytes(s), sep, maxsplit, char_set, skip_empty) for s in strings]
    if len(rows) == 1:  # the common single string: skip the vectorized bookkeeping
        row = rows[0]
        values = np.empty(len(row), dtype=object)
        values[:] = row
        return (values, np.asarray([0, len(row)], dtype=np.int64),
                np.asarray([[0, i] for i in range(len(row))], dtype=np.int64).reshape(-1, 2),
                np.asarray([1, len(row)], dtype=np.int64))
    lengths = np.asarray([len(r) for r in rows], dtype=np.int64)
    row_splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.empty(int(row_splits[-1]), dtype=object)
    values[:] = [piece for row in rows for piece in row]
    row_ids = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    columns = np.arange(values.size, dtype=np.int64) - row_splits[:-1][row_ids] \
        if values.size else np.zeros(0, np.int64)
    indices = np.stack([row_ids, columns], axis=1) if values.size else \
        np.zeros((0, 2), np.int64)
    dense_shape = np.asarray([len(rows), int(lengths.max()) if rows and lengths.size else 0],
                             dtype=np.int64)
    return values, row_splits, indices, dense_shape


def _split_shape(inputs, attrs):
    rows = inputs[0].shape.num_elements() if inputs[0].shape.is_fully_defined() else None
    return [TensorShape([None]), TensorShape([None if rows is None else rows + 1]),
            TensorShape([None, 2]), TensorShape([2])]


register_op("StringSplit", _split_kernel, _split_shape,
            lambda d, attrs: [dtypes.string, dtypes.int64, dtypes.int64, dtypes.int64],
            num_outputs=4)


class StringSplitResult:
    """The result of `split` on a 1-D input: a ragged [rows, (tokens)] string tensor.

    `values` (all tokens), `row_splits` (row i is values[row_splits[i]:row_splits[i+1]]), and
    the equivalent SparseTensor fields `indices` and `dense_shape`.
    """

    def __init__(self, values, row_splits, indices, dense_shape):
        self.values = values
        self.row_splits = row_splits
        self.indices = indices
        self.dense_shape = dense_shape

    flat_values = property(lambda self: self.values)
    dtype = property(lambda self: dtypes.string)
    ragged_rank = 1

    @property
    def shape(self):
        rows = self.row_splits.shape[0]
        return TensorShape([None if rows is None else rows - 1, None])

    def _eager(self):
        if self.values._value is None:
            raise ValueError("This ragged result is symbolic (graph mode): run `.values` and "
                             "`.row_splits` in a Session to get its rows.")
        return self.values._value, self.row_splits._value

    def to_list(self):
        values, splits = self._eager()
        return [list(values[splits[i]:splits[i + 1]]) for i in range(len(splits) - 1)]

    def numpy(self):
        values, splits = self._eager()
        rows = np.empty(len(splits) - 1, dtype=object)
        rows[:] = [values[splits[i]:splits[i + 1]] for i in range(len(splits) - 1)]
        return rows

    def nrows(self):
        from tensorflux.ops.array_ops import shape as shape_op
        return shape_op(self.row_splits, out_type=dtypes.int64)[0] - 1

    def row_lengths(self):
        return self.row_splits[1:] - self.row_splits[:-1]

    def to_sparse(self):
        from tensorflux.sparse import SparseTensor
        return SparseTensor(self.indices, self.values, self.dense_shape)

    def to_tensor(self, default_value=b"", name=None):
        values, splits = self._eager()
        rows = len(splits) - 1
        width = int(np.max(np.diff(splits))) if rows else 0
        dense = np.empty((rows, width), dtype=object)
        dense[...] = _as_bytes(default_value)
        for i in range(rows):
            dense[i, :splits[i + 1] - splits[i]] = values[splits[i]:splits[i + 1]]
        return Tensor._from_array(dense)

    def __getitem__(self, key):
        if isinstance(key, int):
            values, splits = self._eager()
            return Tensor._from_array(values[splits[key]:splits[key + 1]])
        if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], int):
            return self[key[0]][key[1]]
        raise TypeError("StringSplitResult supports integer row indexing; use `.values` for "
                        "the flat tokens.")

    def __len__(self):
        return len(self._eager()[1]) - 1

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        if self.values._value is None:
            return f"<tf.RaggedTensor values={self.values!r} row_splits={self.row_splits!r}>"
        return f"<tf.RaggedTensor {self.to_list()!r}>"


def _sep_bytes(sep):
    if sep is None:
        return None
    if isinstance(sep, Tensor):
        value = sep._constant_value()
        if value is None:
            raise errors.UnimplementedError(None, None, "tf.strings.split: a `sep` known only "
                                            "at run time is not supported; pass a Python "
                                            "string.")
        sep = value
    return _as_bytes(sep)


def split(input, sep=None, maxsplit=-1, name=None):  # noqa: A002 - TF's argument name
    """Splits each string at `sep` (None: runs of whitespace) like Python's str.split.

    Returns a 1-D string tensor for a scalar input, a `StringSplitResult` (ragged) for a
    1-D input.

    Example:
        >>> tf.strings.split(["a b", "c"]).to_list()
        [[b'a', b'b'], [b'c']]
        >>> tf.strings.split("x/y", "/").numpy()
        array([b'x', b'y'], dtype=object)
    """
    tensor = _string_input(input)
    rank = tensor.shape.rank
    if rank is not None and rank > 1:
        raise errors.UnimplementedError(None, None, f"tf.strings.split of a rank-{rank} input "
                                        "is not supported by tensorflux; reshape it to 1-D.")
    values, row_splits, indices, dense_shape = apply(
        "StringSplit", [tensor], {"sep": _sep_bytes(sep), "maxsplit": int(maxsplit),
                                  "char_set": False, "skip_empty": False}, name)
    if rank == 0:
        return values
    return StringSplitResult(values, row_splits, indices, dense_shape)


def string_split_v1(source, sep=None, skip_empty=True, delimiter=None, result_type="SparseTensor",
                    name=None):
    """TF1 `tf.string_split`: splits at any character of `delimiter` (default space),
    dropping empty tokens when `skip_empty`; `.values`, `.indices`, `.dense_shape` as a
    SparseTensor's."""
    tensor = _string_input(source, "source")
    delimiter = delimiter if delimiter is not None else (sep if sep is not None else " ")
    parts = apply("StringSplit", [tensor], {"sep": _sep_bytes(delimiter), "maxsplit": -1,
                                            "char_set": True, "skip_empty": bool(skip_empty)},
                  name)
    return StringSplitResult(*parts)


def _bytes_split_kernel(xp, input):  # noqa: A002
    strings = np.asarray(input, dtype=object).reshape(-1)
    rows = [[bytes([b]) for b in _as_bytes(s)] for s in strings]
    lengths = np.asarray([len(r) for r in rows], dtype=np.int64)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.empty(int(splits[-1]), dtype=object)
    values[:] = [piece for row in rows for piece in row]
    return values, splits


register_op("StringBytesSplit", _bytes_split_kernel,
            lambda inputs, attrs: [TensorShape([None]), TensorShape([None])],
            lambda d, attrs: [dtypes.string, dtypes.int64], num_outputs=2)


def bytes_split(input, name=None):  # noqa: A002
    """Splits each string into its bytes."""
    tensor = _string_input(input)
    values, splits = apply("StringBytesSplit", [tensor], {}, name)
    if tensor.shape.rank == 0:
        return values
    return StringSplitResult(values, splits, None, None)


# ---- elementwise ---------------------------------------------------------------------------

def _join_kernel(xp, *arrays, separator):
    if len(arrays) == 1:
        return _objects(np.asarray(arrays[0], dtype=object).copy())
    return _map(lambda *items: separator.join(_as_bytes(i) for i in items), *arrays)


register_op("StringJoin", _join_kernel, broadcast_shape, _string_out)


def join(inputs, separator="", name=None):
    """Joins the strings of a list of (broadcastable) string tensors elementwise."""
    if isinstance(inputs, (str, bytes)) or isinstance(inputs, Tensor):
        inputs = [inputs]
    tensors = [_string_input(t, "inputs") for t in inputs]
    if not tensors:
        raise ValueError("tf.strings.join needs at least one input.")
    return apply("StringJoin", tensors, {"separator": _as_bytes(separator)}, name)


def _rewrite_function(rewrite):
    """RE2 rewrite string (\\0 whole match, \\1..\\9 groups, \\\\ backslash) -> function."""
    parts, i, literal = [], 0, bytearray()
    while i < len(rewrite):
        char = rewrite[i:i + 1]
        if char == b"\\" and i + 1 < len(rewrite):
            following = rewrite[i + 1:i + 2]
            if following.isdigit():
                parts.append(bytes(literal))
                literal = bytearray()
                parts.append(int(following))
                i += 2
                continue
            if following == b"\\":
                literal += b"\\"
                i += 2
                continue
            raise errors.InvalidArgumentError(None, None, f"Invalid rewrite pattern "
                                              f"{rewrite!r}: only \\0-\\9 and \\\\ may follow "
                                              "a backslash.")
        literal += char
        i += 1
    parts.append(bytes(literal))

    def expand(match):
        return b"".join(p if isinstance(p, bytes) else (match.group(p) or b"") for p in parts)
    return expand


def _regex_replace_kernel(xp, input, pattern, rewrite, replace_global):  # noqa: A002
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise errors.InvalidArgumentError(None, None, f"Invalid pattern {pattern!r}: {error}")
    expand = _rewrite_function(rewrite)
    count = 0 if replace_global else 1
    return _map(lambda s: compiled.sub(expand, _as_bytes(s), count=count), input)


register_op("RegexReplace", _regex_replace_kernel, _same_shape, _string_out)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Replaces matches of the regular expression `pattern` with `rewrite` (\\1 = group 1)."""
    return apply("RegexReplace", [_string_input(input)],
                 {"pattern": _sep_bytes(pattern), "rewrite": _sep_bytes(rewrite),
                  "replace_global": bool(replace_global)}, name)


def _regex_full_match_kernel(xp, input, pattern):  # noqa: A002
    compiled = re.compile(pattern)
    return _map(lambda s: compiled.fullmatch(_as_bytes(s)) is not None, input, otype=bool)


register_op("RegexFullMatch", _regex_full_match_kernel, _same_shape,
            lambda d, attrs: [dtypes.bool])


def regex_full_match(input, pattern, name=None):  # noqa: A002
    return apply("RegexFullMatch", [_string_input(input)], {"pattern": _sep_bytes(pattern)},
                 name)


def _to_number_kernel(xp, input, out_type):  # noqa: A002
    integer = np.dtype(out_type).kind in "iu"

    def convert(s):
        text = _as_bytes(s).decode("utf-8", "replace").strip()
        try:
            if integer:
                value = int(text)
                info = np.iinfo(out_type)
                if not info.min <= value <= info.max:
                    raise ValueError
                return value
            return float(text)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"StringToNumberOp could not correctly convert string: "
                f"{_as_bytes(s).decode('utf-8', 'replace')}") from None
    return _map(convert, input, otype=out_type)


register_op("StringToNumber", _to_number_kernel, _same_shape, _out_type)


def to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Parses each string as a number of dtype `out_type` (float32 by default)."""
    out_type = dtypes.as_dtype(out_type)
    return apply("StringToNumber", [_string_input(string_tensor, "string_tensor")],
                 {"out_type": out_type.as_numpy_dtype}, name)


def _length_kernel(xp, input, unit):  # noqa: A002
    if unit == "UTF8_CHAR":
        return _map(lambda s: len(_as_bytes(s).decode("utf-8")), input, otype=np.int32)
    return _map(lambda s: len(_as_bytes(s)), input, otype=np.int32)


register_op("StringLength", _length_kernel, _same_shape, lambda d, attrs: [dtypes.int32])


def _check_unit(unit):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}.")
    return unit


def length(input, unit="BYTE", name=None):  # noqa: A002
    """The length of each string in bytes (or UTF-8 characters with unit='UTF8_CHAR')."""
    return apply("StringLength", [_string_input(input)], {"unit": _check_unit(unit)}, name)


def _substr_kernel(xp, input, pos, len, unit):  # noqa: A002
    def one(s, p, n):
        data = _as_bytes(s)
        text = data.decode("utf-8") if unit == "UTF8_CHAR" else data
        size = builtin_len(text)
        p, n = int(p), int(n)
        start = p + size if p < 0 else p
        if start < 0 or start > size:
            raise errors.InvalidArgumentError(None, None, f"pos {p} out of range for string "
                                              f"b'{data.decode('utf-8', 'replace')}' at index "
                                              "0")
        piece = text[start:start + max(n, 0)]
        return piece.encode("utf-8") if unit == "UTF8_CHAR" else piece
    return _map(one, input, pos, len)


builtin_len = len
register_op("Substr", _substr_kernel, broadcast_shape, _string_out)


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002
    """Substrings of `len` bytes (or characters) starting at `pos` (negative: from the end)."""
    tensor = _string_input(input)
    return apply("Substr", [tensor, to_tensor(pos, dtype_hint=dtypes.int32),
                            to_tensor(len, dtype_hint=dtypes.int32)],
                 {"unit": _check_unit(unit)}, name)


def _case_kernel(xp, input, upper, encoding):  # noqa: A002
    if encoding:
        return _map(lambda s: (_as_bytes(s).decode(encoding).upper() if upper else
                               _as_bytes(s).decode(encoding).lower()).encode(encoding), input)
    # without an encoding only ASCII letters change, as in TensorFlow
    return _map(lambda s: _as_bytes(s).upper() if upper else _as_bytes(s).lower(), input)


register_op("StringCase", _case_kernel, _same_shape, _string_out)


def lower(input, encoding="", name=None):  # noqa: A002
    """Lower-cases ASCII letters (all letters with encoding='utf-8')."""
    return apply("StringCase", [_string_input(input)],
                 {"upper": False, "encoding": encoding.lower().replace("utf8", "utf-8")}, name)


def upper(input, encoding="", name=None):  # noqa: A002
    return apply("StringCase", [_string_input(input)],
                 {"upper": True, "encoding": encoding.lower().replace("utf8", "utf-8")}, name)


def _strip_kernel(xp, input):  # noqa: A002
    return _map(lambda s: _as_bytes(s).strip(), input)


register_op("StringStrip", _strip_kernel, _same_shape, _string_out)


def strip(input, name=None):  # noqa: A002
    """Removes leading and trailing whitespace."""
    return apply("StringStrip", [_string_input(input)], {}, name)


def _affix_kernel(xp, input, affix, start):  # noqa: A002
    return _map(lambda s: _as_bytes(s).startswith(affix) if start else
                _as_bytes(s).endswith(affix), input, otype=bool)


register_op("StringAffix", _affix_kernel, _same_shape, lambda d, attrs: [dtypes.bool])


def startswith(input, prefix, name=None):  # noqa: A002
    return apply("StringAffix", [_string_input(input)],
                 {"affix": _sep_bytes(prefix), "start": True}, name)


def endswith(input, suffix, name=None):  # noqa: A002
    return apply("StringAffix", [_string_input(input)],
                 {"affix": _sep_bytes(suffix), "start": False}, name)


# ---- formatting, reductions ------------------------------------------------------------------

def _format_value(array, summarize):
    array = np.asarray(array)

    def item(v):
        if isinstance(v, bytes):
            return '"' + v.decode("utf-8", "replace") + '"'
        if isinstance(v, (bool, np.bool_)):
            return "True" if v else "False"
        if isinstance(v, (float, np.floating)):
            return np.format_float_positional(v, trim="-")
        return str(v)

    def render(a):
        if a.ndim == 0:
            return item(a[()])
        n = a.shape[0]
        if summarize is not None and summarize >= 0 and n > 2 * summarize:
            head = [render(a[i]) for i in range(summarize)]
            tail = [render(a[i]) for i in range(n - summarize, n)]
            parts = head + ["..."] + tail
        else:
            parts = [render(a[i]) for i in range(n)]
        return "[" + (" " if a.ndim == 1 else "\n").join(parts) + "]"
    return render(array)


def _format_kernel(xp, *arrays, template, placeholder, summarize):
    pieces = template.split(placeholder)
    out = pieces[0]
    for value, piece in zip(arrays, pieces[1:]):
        out += _format_value(value, summarize) + piece
    return _objects(out.encode("utf-8"))


register_op("StringFormat", _format_kernel, lambda inputs, attrs: [TensorShape([])],
            _string_out)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    """Formats `template`, replacing each `placeholder` with a tensor's value."""
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    if template.count(placeholder) != builtin_len(inputs):
        raise ValueError(f"num placeholders in template and num inputs must match: "
                         f"{template.count(placeholder)} vs. {builtin_len(inputs)}")
    tensors = [to_tensor(t) for t in inputs]
    return apply("StringFormat", tensors, {"template": template, "placeholder": placeholder,
                                           "summarize": summarize}, name)


def _reduce_join_kernel(xp, inputs, axis, keepdims, separator):
    array = np.asarray(inputs, dtype=object)
    axes = tuple(range(array.ndim)) if axis is None else \
        tuple(a % array.ndim for a in (axis if isinstance(axis, tuple) else (axis,)))
    moved = np.moveaxis(array, axes, tuple(range(array.ndim - builtin_len(axes), array.ndim)))
    kept_shape = moved.shape[:array.ndim - builtin_len(axes)]
    rows = moved.reshape(kept_shape + (-1,))
    out = np.empty(kept_shape, dtype=object)
    flat_rows = rows.reshape(-1, rows.shape[-1])
    flat_out = out.reshape(-1)
    for i, row in enumerate(flat_rows):
        flat_out[i] = separator.join(_as_bytes(s) for s in row)
    if keepdims:
        out = np.expand_dims(out, tuple(sorted(axes)))
    return _objects(out)


def _reduce_join_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is None:
        return [TensorShape(None)]
    axis = attrs["axis"]
    axes = set(range(shape.rank)) if axis is None else \
        {a % shape.rank for a in (axis if isinstance(axis, tuple) else (axis,))}
    dims = [1 if i in axes else d for i, d in enumerate(shape.as_tuple())
            if attrs["keepdims"] or i not in axes]
    return [TensorShape(dims)]


register_op("ReduceJoin", _reduce_join_kernel, _reduce_join_shape, _string_out)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings along `axis` (all axes when None)."""
    from tensorflux.ops._helpers import static_axis
    return apply("ReduceJoin", [_string_input(inputs, "inputs")],
                 {"axis": static_axis(axis), "keepdims": bool(keepdims),
                  "separator": _as_bytes(separator)}, name)


def _as_string_kernel(xp, input, precision, scientific, shortest, width, fill):  # noqa: A002
    array = np.asarray(input)
    if array.dtype == object:
        return _objects(array.copy())
    kind = array.dtype.kind
    pad = fill if fill else " "

    def one(v):
        if kind == "b":
            text = "true" if v else "false"
        elif kind in "iu":
            text = str(int(v))
        else:
            if shortest:
                text = repr(float(v)) if not scientific else f"{float(v):g}"
            elif scientific:
                text = f"{float(v):.{6 if precision < 0 else precision}e}"
            else:
                text = f"{float(v):.{6 if precision < 0 else precision}f}"
        if width > builtin_len(text):
            text = (pad if pad == "0" else " ") * (width - builtin_len(text)) + text
        return text.encode("utf-8")
    return _map(one, array)


register_op("AsString", _as_string_kernel, _same_shape, _string_out)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
              name=None):  # noqa: A002
    """Each number as a string (floats with 6 decimals by default, like TensorFlow)."""
    return apply("AsString", [to_tensor(input)],
                 {"precision": int(precision), "scientific": bool(scientific),
                  "shortest": bool(shortest), "width": int(width), "fill": fill}, name)


not_differentiable("StringSplit", "StringBytesSplit", "StringJoin", "RegexReplace",
                   "RegexFullMatch", "StringToNumber", "StringLength", "Substr", "StringCase",
                   "StringStrip", "StringAffix", "StringFormat", "ReduceJoin", "AsString")

string_to_number = to_number
