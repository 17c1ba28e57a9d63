"""MNIST: 70,000 28x28 grayscale images of handwritten digits 0-9."""
import os
import zipfile

import numpy as np

from tensorflux.keras.datasets import _idx

# Keras' cache holds MNIST as one NumPy archive with these four arrays.
NPZ_NAME = "mnist.npz"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
# The same data as the four IDX files of the original distribution.
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}

# Searched after Keras' cache, for mnist.npz or the four IDX files.
SYSTEM_DIRS = ["/usr/share/datasets/mnist"]


def search_places():
    """What is tried, in order: ``(kind, path)`` with kind "npz" or "idx" (a folder)."""
    places = [("npz", os.path.join(_idx.keras_cache_dir(), NPZ_NAME))]
    for directory in SYSTEM_DIRS:
        places += [("npz", os.path.join(directory, NPZ_NAME)), ("idx", directory)]
    return places


def _load_npz(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            arrays = {key: archive[key] for key in NPZ_KEYS if key in names}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _idx.DatasetFileError(
            "%s: cannot be read as a NumPy .npz archive of plain arrays (%s). The file is "
            "damaged or is not Keras' mnist.npz; delete it and copy a good one in its place."
            % (path, exc)) from exc
    missing = [key for key in NPZ_KEYS if key not in arrays]
    if missing:
        raise _idx.DatasetFileError(
            "%s: arrays %s are missing (found %s). The file is not Keras' mnist.npz; "
            "delete it and copy a good one in its place."
            % (path, ", ".join(missing), ", ".join(names) or "none"))
    for split in ("train", "test"):
        _idx.check_split(arrays["x_" + split], arrays["y_" + split],
                         "%s[x_%s]" % (path, split), "%s[y_%s]" % (path, split))
    return ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))


def load_data():
    """Load MNIST from local files.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (60000, 28, 28)
        and (10000, 28, 28), uint8 labels of shape (60000,) and (10000,).

    Raises:
        DatasetNotFoundError: no copy was found (the message lists where it looked and
            how to provide the files).
        DatasetFileError: a file is corrupt or truncated.
    """
    searched = []
    for kind, path in search_places():
        if kind == "npz":
            if os.path.isfile(path):
                return _load_npz(path)
            searched.append((path, "no such file"))
            continue
        missing = _idx.missing_files(path, FILES.values())
        if not missing:
            return _idx.load_image_classification(path, FILES)
        searched.append((path, "folder missing" if not os.path.isdir(path)
                         else "missing " + ", ".join(missing)))
    raise _idx.not_found_error("MNIST", searched, [
        "copy Keras' %s (arrays %s) into %s"
        % (NPZ_NAME, ", ".join(NPZ_KEYS), _idx.keras_cache_dir()),
        "or put the four files %s in one of: %s"
        % (", ".join(FILES.values()), ", ".join(SYSTEM_DIRS) or "(no folder configured)"),
    ])
