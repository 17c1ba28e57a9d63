"""CIFAR's "python version" files, shared by cifar10 and cifar100.

The archive (`cifar-10-python.tar.gz`, `cifar-100-python.tar.gz`) holds one folder of
pickled batches. Each batch is a dict with `data`, a (N, 3072) uint8 array (per image the
1024 red, then green, then blue values of the 32x32 pixels, row by row), and a list of N
integer labels under `labels` (CIFAR-10) or `fine_labels` / `coarse_labels` (CIFAR-100).
The files are read from the extracted folder or straight out of the archive (nothing is
extracted to disk), and unpickled with the restricted unpickler of `_restricted_pickle`.
"""
import os
import pickle
import tarfile
import zlib

import numpy as np

from tensorflux.keras.datasets._idx import DatasetFileError
from tensorflux.keras.datasets._restricted_pickle import loads

_PIXELS = 3 * 32 * 32


def read_folder(directory, names):
    """{name: bytes} of the batch files in `directory`."""
    missing = [name for name in names if not os.path.isfile(os.path.join(directory, name))]
    if missing:
        raise DatasetFileError(f"{directory}: the folder lacks {', '.join(missing)}")
    contents = {}
    for name in names:
        with open(os.path.join(directory, name), "rb") as handle:
            contents[name] = handle.read()
    return contents


def read_archive(path, folder, names):
    """{name: bytes} of `folder/name` members of a (gzip-compressed) tar archive."""
    wanted = {f"{folder}/{name}": name for name in names}
    contents = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                name = wanted.get(member.name.lstrip("./"))
                if name is not None and member.isfile():
                    contents[name] = archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DatasetFileError(f"{path}: not a readable tar.gz archive ({error})") from error
    missing = [f"{folder}/{name}" for name in names if name not in contents]
    if missing:
        raise DatasetFileError(f"{path}: the archive lacks {', '.join(missing)}")
    return contents


def parse_batch(data, label_key, num_classes, where):
    """(images (N, 3, 32, 32) uint8, labels (N,) int64) of one pickled batch."""
    try:
        batch = loads(data, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            AttributeError, KeyError) as error:
        raise DatasetFileError(f"{where}: cannot be read as a CIFAR batch ({error})") \
            from error
    if not isinstance(batch, dict):
        raise DatasetFileError(f"{where}: expected a pickled dict, found "
                               f"{type(batch).__name__}")
    batch = {key.decode("utf-8", "replace") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    images, labels = batch.get("data"), batch.get(label_key)
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 2 \
            or images.shape[1] != _PIXELS:
        raise DatasetFileError(f"{where}: 'data' should be a uint8 array of shape (N, "
                               f"{_PIXELS}), found {_describe(images)}")
    if labels is None:
        raise DatasetFileError(f"{where}: no '{label_key}' entry (found "
                               f"{', '.join(sorted(map(str, batch)))})")
    try:
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError) as error:
        raise DatasetFileError(f"{where}: '{label_key}' are not integers ({error})") \
            from error
    if len(labels) != len(images):
        raise DatasetFileError(f"{where}: {len(labels)} labels for {len(images)} images")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DatasetFileError(f"{where}: labels must be in [0, {num_classes - 1}], found "
                               f"{labels.min()} to {labels.max()}")
    return images.reshape(-1, 3, 32, 32), labels


def assemble(batches, label_key, num_classes, where, label_dtype):
    """Concatenates parsed batches: x (N, 32, 32, 3) (channels_last, Keras' default) and
    y (N, 1) of `label_dtype`."""
    parts = [parse_batch(data, label_key, num_classes, f"{where}[{name}]")
             for name, data in batches]
    images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    labels = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
    from tensorflux.keras import backend
    if backend.image_data_format() == "channels_last":
        images = np.ascontiguousarray(images.transpose(0, 2, 3, 1))
    else:
        images = np.array(images, copy=True)
    return images, labels.reshape(-1, 1).astype(label_dtype)


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"{value.dtype} of shape {value.shape}"
    return type(value).__name__
