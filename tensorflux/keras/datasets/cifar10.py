"""CIFAR-10: 60,000 32x32 colour images in 10 classes.

Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck.

Search order (see `_download`): Keras' cache (Keras 3's `cifar-10-batches-py-target/` folder
and `cifar-10-batches-py-target_archive`, then tf.keras 2's `cifar-10-batches-py/` folder
and `cifar-10-batches-py.tar.gz`), then `SYSTEM_DIRS` (the original
`cifar-10-python.tar.gz`, or its extracted `cifar-10-batches-py/` folder), then a download
from `ORIGIN` into Keras' cache. Archives are checked against Keras' sha256.
"""
import os

from tensorflux.keras.datasets import _cifar, _download

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"          # the folder inside the archive
BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
           "test_batch")
# No Debian package ships CIFAR-10 today; a folder here with the files above is used.
SYSTEM_DIRS = ["/usr/share/datasets/cifar-10"]


def _load(batches, where):
    train = [(name, batches[name]) for name in BATCHES[:5]]
    x_train, y_train = _cifar.assemble(train, "labels", 10, where, "uint8")
    x_test, y_test = _cifar.assemble([("test_batch", batches["test_batch"])], "labels", 10,
                                     where, "uint8")
    return (x_train, y_train), (x_test, y_test)


def _from_folder(directory):
    return _load(_cifar.read_folder(directory, BATCHES), directory)


def _from_archive(path):
    return _load(_cifar.read_archive(path, FOLDER, BATCHES), path)


def candidates():
    """The places searched, in order (`_download.Candidate`s)."""
    cache = _download.keras_cache_dir()
    places = [
        _download.Candidate(os.path.join(cache, FOLDER + "-target", FOLDER), _from_folder),
        _download.Candidate(os.path.join(cache, FOLDER + "-target_archive"), _from_archive,
                            FILE_HASH),
        _download.Candidate(os.path.join(cache, FOLDER), _from_folder),
        _download.Candidate(os.path.join(cache, FOLDER + ".tar.gz"), _from_archive,
                            FILE_HASH),
    ]
    for directory in SYSTEM_DIRS:
        places += [_download.Candidate(os.path.join(directory, ARCHIVE_NAME), _from_archive,
                                       FILE_HASH),
                   _download.Candidate(os.path.join(directory, FOLDER), _from_folder)]
    return places


def load_data():
    """Load CIFAR-10 in Keras' format.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (50000, 32, 32, 3)
        and (10000, 32, 32, 3) (channels last), uint8 labels of shape (50000, 1) and
        (10000, 1).

    Raises:
        DatasetNotFoundError: no copy anywhere and the download failed (the message lists
            the places searched, the URL and how to provide the file).
        DatasetFileError: the copies found were damaged (failed their checksum or could
            not be parsed) and the download failed.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train.shape
        ((50000, 32, 32, 3), (50000, 1))
    """
    cache = _download.keras_cache_dir()
    download = _download.Download(ORIGIN, os.path.join(cache, FOLDER + "-target_archive"),
                                  FILE_HASH, _from_archive)
    return _download.load_first("CIFAR-10", candidates(), download, [
        f"or put {ARCHIVE_NAME} (or its extracted {FOLDER}/ folder) in one of: "
        + ", ".join(SYSTEM_DIRS)])
