"""CIFAR-100: 60,000 32x32 colour images in 100 fine classes grouped in 20 coarse ones.

Search order as for cifar10: Keras' cache (`cifar-100-python-target/` and
`cifar-100-python-target_archive` of Keras 3, `cifar-100-python/` and
`cifar-100-python.tar.gz` of tf.keras 2), then `SYSTEM_DIRS`, then a download from `ORIGIN`.
"""
import os

from tensorflux.keras.datasets import _cifar, _download

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
ARCHIVE_NAME = "cifar-100-python.tar.gz"
FOLDER = "cifar-100-python"
FILES = ("train", "test")
SYSTEM_DIRS = ["/usr/share/datasets/cifar-100"]
_CLASSES = {"fine": 100, "coarse": 20}


def _reader(label_mode, source):
    def read(path):
        files = source(path)
        key, count = label_mode + "_labels", _CLASSES[label_mode]
        # Keras leaves CIFAR-100's labels as int64 (CIFAR-10's are uint8).
        train = _cifar.assemble([("train", files["train"])], key, count, path, "int64")
        test = _cifar.assemble([("test", files["test"])], key, count, path, "int64")
        return train, test
    return read


def _folder(directory):
    return _cifar.read_folder(directory, FILES)


def _archive(path):
    return _cifar.read_archive(path, FOLDER, FILES)


def load_data(label_mode="fine"):
    """Load CIFAR-100 in Keras' format.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 super-classes).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (50000, 32, 32, 3)
        and (10000, 32, 32, 3), int64 labels of shape (50000, 1) and (10000, 1).

    Raises:
        ValueError: label_mode is neither "fine" nor "coarse".
        DatasetNotFoundError / DatasetFileError: as for cifar10.load_data.
    """
    if label_mode not in _CLASSES:
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: '
                         f"label_mode={label_mode}.")
    cache = _download.keras_cache_dir()
    from_folder, from_archive = _reader(label_mode, _folder), _reader(label_mode, _archive)
    places = [
        _download.Candidate(os.path.join(cache, FOLDER + "-target", FOLDER), from_folder),
        _download.Candidate(os.path.join(cache, FOLDER + "-target_archive"), from_archive,
                            FILE_HASH),
        _download.Candidate(os.path.join(cache, FOLDER), from_folder),
        _download.Candidate(os.path.join(cache, FOLDER + ".tar.gz"), from_archive, FILE_HASH),
    ]
    for directory in SYSTEM_DIRS:
        places += [_download.Candidate(os.path.join(directory, ARCHIVE_NAME), from_archive,
                                       FILE_HASH),
                   _download.Candidate(os.path.join(directory, FOLDER), from_folder)]
    download = _download.Download(ORIGIN, os.path.join(cache, FOLDER + "-target_archive"),
                                  FILE_HASH, from_archive)
    return _download.load_first("CIFAR-100", places, download, [
        f"or put {ARCHIVE_NAME} (or its extracted {FOLDER}/ folder) in one of: "
        + ", ".join(SYSTEM_DIRS)])
