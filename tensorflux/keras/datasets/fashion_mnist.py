"""Fashion-MNIST: 70,000 28x28 grayscale images of clothing in 10 classes.

Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot.
"""
import os

from tensorflux.keras.datasets import _idx

# Keras' file names, in Keras' cache and in Debian's package alike.
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}

# Where Debian's package dataset-fashion-mnist installs the four files.
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
# Searched after Keras' cache.
SYSTEM_DIRS = [DEBIAN_DIR]


def search_dirs():
    """The folders searched, in order: Keras' cache, then ``SYSTEM_DIRS``."""
    return [os.path.join(_idx.keras_cache_dir(), "fashion-mnist")] + list(SYSTEM_DIRS)


def find_data_dir():
    """The first searched folder that holds all four files, or None."""
    for directory in search_dirs():
        if not _idx.missing_files(directory, FILES.values()):
            return directory
    return None


def load_data():
    """Load Fashion-MNIST from local files.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (60000, 28, 28)
        and (10000, 28, 28), uint8 labels of shape (60000,) and (10000,).

    Raises:
        DatasetNotFoundError: no folder holds the four files (the message lists where
            it looked and how to provide them).
        DatasetFileError: a file is corrupt or truncated.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape
        (60000, 28, 28)
    """
    searched = []
    for directory in search_dirs():
        missing = _idx.missing_files(directory, FILES.values())
        if not missing:
            return _idx.load_image_classification(directory, FILES)
        problem = ("folder missing" if not os.path.isdir(directory)
                   else "missing " + ", ".join(missing))
        searched.append((directory, problem))
    cache = os.path.join(_idx.keras_cache_dir(), "fashion-mnist")
    raise _idx.not_found_error("Fashion-MNIST", searched, [
        "on Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist "
        "(it installs the files in %s)" % DEBIAN_DIR,
        "or copy the four files %s into %s" % (", ".join(FILES.values()), cache),
    ])
