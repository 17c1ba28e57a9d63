"""Boston housing prices: 506 districts, 13 features each, the median home value (k$).

File: Keras' `boston_housing.npz` (arrays `x` (506, 13) and `y` (506,), plain float arrays
read without unpickling). Search order: Keras' cache, then `SYSTEM_DIRS`, then a download
from Keras' URL with Keras' checksum.
"""
import os
import zipfile
import zlib

import numpy as np

from tensorflux.keras.datasets import _download, _sequences
from tensorflux.keras.datasets._idx import DatasetFileError

NPZ_NAME = "boston_housing.npz"
NPZ_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"
ORIGIN_FOLDER = _sequences.ORIGIN_FOLDER
SYSTEM_DIRS = ["/usr/share/datasets/boston-housing"]


def _read(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            arrays = {key: archive[key] for key in ("x", "y") if key in names}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DatasetFileError(f"{path}: not a readable .npz archive of plain arrays "
                               f"({error})") from error
    if sorted(arrays) != ["x", "y"]:
        raise DatasetFileError(f"{path}: arrays x and y are expected, found "
                               f"{', '.join(names) or 'none'}")
    x, y = arrays["x"], arrays["y"]
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y) or x.dtype.kind != "f" \
            or y.dtype.kind != "f":
        raise DatasetFileError(f"{path}: expected float arrays x (N, features) and y (N,), "
                               f"found x {x.dtype} {x.shape} and y {y.dtype} {y.shape}")
    return x, y


def load_data(path=NPZ_NAME, test_split=0.2, seed=113):
    """Load the Boston housing data set in Keras' format.

    Args:
        path: the file name in Keras' cache (default "boston_housing.npz").
        test_split: the fraction of districts (after a shuffle) put in the test split.
        seed: the seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 arrays of shape (404, 13),
        (404,), (102, 13) and (102,) with the default test_split.

    Raises:
        ValueError: test_split is not in [0, 1).
        DatasetNotFoundError / DatasetFileError: the file is nowhere to be found, or only
            damaged copies (the message lists the places, the URL and what to do).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split}.")
    cache_file = _sequences.cache_path(path)
    places = [_download.Candidate(cache_file, _read, NPZ_HASH)]
    places += [_download.Candidate(os.path.join(d, NPZ_NAME), _read, NPZ_HASH)
               for d in SYSTEM_DIRS]
    download = _download.Download(ORIGIN_FOLDER + NPZ_NAME, cache_file, NPZ_HASH, _read)
    x, y = _download.load_first("Boston housing (boston_housing.npz)", places, download, [
        f"or put {NPZ_NAME} in one of: {', '.join(SYSTEM_DIRS)}"])
    x, y = _sequences.shuffled(np.random.RandomState(seed), x, y)
    count = int(len(x) * (1 - test_split))
    return (np.array(x[:count]), np.array(y[:count])), (np.array(x[count:]),
                                                          np.array(y[count:]))
