"""The on-disk cache of `Dataset.cache(filename)`: one .npz file, written after the first full
iteration (temp file + rename) and read back by every later iteration, also in later runs.

Layout, per component c (no pickle, so strings are stored as bytes + lengths):
  s{c}          the stacked elements when they all have one shape and a numeric dtype;
  r{c}_shape / r{c}_data   per-element shapes and the concatenated values otherwise;
  o{c}_shape / o{c}_len / o{c}_bytes   strings: per-element shapes, string lengths, bytes.
"""
import os
import tempfile

import numpy as np

__all__ = ["path_for", "write", "read"]


def path_for(filename):
    return f"{filename}.tensorflux-cache.npz"


def write(path, items):
    arrays = {"count": np.asarray(len(items), dtype=np.int64)}
    components = len(items[0]) if items else 0
    arrays["components"] = np.asarray(components, dtype=np.int64)
    for c in range(components):
        column = [flat[c] for flat in items]
        if column[0].dtype == object:
            strings = [s for a in column for s in a.reshape(-1)]
            arrays[f"o{c}_shape"] = _shapes(column)
            arrays[f"o{c}_len"] = np.asarray([len(s) for s in strings], dtype=np.int64)
            arrays[f"o{c}_bytes"] = np.frombuffer(b"".join(strings), dtype=np.uint8)
        elif all(a.shape == column[0].shape for a in column):
            arrays[f"s{c}"] = np.stack(column)
        else:
            arrays[f"r{c}_shape"] = _shapes(column)
            arrays[f"r{c}_data"] = np.concatenate([a.reshape(-1) for a in column])
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=directory, suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def _shapes(column):
    rank = column[0].ndim
    return np.asarray([a.shape for a in column], dtype=np.int64).reshape(len(column), rank)


def read(path):
    with np.load(path, allow_pickle=False) as data:
        count = int(data["count"])
        components = int(data["components"])
        columns = []
        for c in range(components):
            if f"s{c}" in data:
                stacked = data[f"s{c}"]
                columns.append([stacked[i] for i in range(count)])
            elif f"r{c}_shape" in data:
                shapes, values = data[f"r{c}_shape"], data[f"r{c}_data"]
                column, offset = [], 0
                for shape in shapes:
                    size = int(np.prod(shape))
                    column.append(values[offset:offset + size].reshape(shape))
                    offset += size
                columns.append(column)
            else:
                shapes, lengths = data[f"o{c}_shape"], data[f"o{c}_len"]
                blob = data[f"o{c}_bytes"].tobytes()
                column, offset, position = [], 0, 0
                for shape in shapes:
                    size = int(np.prod(shape))
                    out = np.empty(size, dtype=object)
                    for k in range(size):
                        length = int(lengths[position])
                        out[k] = blob[offset:offset + length]
                        offset += length
                        position += 1
                    column.append(out.reshape(shape))
                columns.append(column)
    for i in range(count):
        yield [column[i] for column in columns]
