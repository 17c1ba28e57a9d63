"""IDX files (the MNIST file format) and the search for local data set files.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the
array's values in C order, big-endian. The magic number is two zero bytes, a type code
and the number of dimensions. Keras ships them gzip-compressed (``*-idx3-ubyte.gz``).
"""
import gzip
import os
import zlib

import numpy as np

# IDX type code -> (big-endian dtype, name used in messages)
_IDX_TYPES = {
    0x08: (np.dtype(">u1"), "uint8"),
    0x09: (np.dtype(">i1"), "int8"),
    0x0B: (np.dtype(">i2"), "int16"),
    0x0C: (np.dtype(">i4"), "int32"),
    0x0D: (np.dtype(">f4"), "float32"),
    0x0E: (np.dtype(">f8"), "float64"),
}


class DatasetNotFoundError(FileNotFoundError):
    """No copy of a data set was found in any of the places searched."""


class DatasetFileError(ValueError):
    """A data set file exists but is not what it should be (corrupt, truncated, wrong shape)."""


def keras_cache_dir():
    """Keras' data set cache: ``$KERAS_HOME/datasets``, or ``~/.keras/datasets``."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(keras_home, "datasets")


def missing_files(directory, filenames):
    """The names in ``filenames`` that are not regular files in ``directory``."""
    return [name for name in filenames if not os.path.isfile(os.path.join(directory, name))]


def not_found_error(dataset, searched, remedies):
    """Build the error for a data set found nowhere.

    Args:
        dataset: the data set's name, e.g. "Fashion-MNIST".
        searched: (place, what was wrong there) pairs, in search order.
        remedies: sentences, each one way to provide the files.
    """
    lines = ["%s was not found. Places searched, in order:" % dataset]
    lines += ["  - %s (%s)" % (place, problem) for place, problem in searched]
    lines.append("tensorflux does not download data sets yet. To provide the files:")
    lines += ["  - " + remedy for remedy in remedies]
    return DatasetNotFoundError("\n".join(lines))


_REPLACE_FILE = ("The file is damaged or is not the expected file; delete it and copy a good "
                 "one in its place.")


def _bad_file(path, problem, fix=_REPLACE_FILE):
    return DatasetFileError("%s: %s. %s" % (path, problem, fix))


def read_idx(path):
    """Read one gzip-compressed IDX file into a native-endian, writable NumPy array.

    Raises:
        FileNotFoundError: the file does not exist.
        DatasetFileError: the file is not gzip, is truncated, has a bad magic number, or
            its length disagrees with the dimensions in its header.
    """
    with open(path, "rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raise _bad_file(path, "not a gzip file (IDX data set files are gzip-compressed)")
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                data = stream.read()
        except EOFError as exc:
            raise _bad_file(path, "truncated: the compressed data ends early (%s)" % exc) from exc
        except (OSError, zlib.error) as exc:
            raise _bad_file(path, "corrupt gzip data (%s)" % exc) from exc

    if len(data) < 4:
        raise _bad_file(path, "only %d bytes after decompression, too short for an IDX "
                              "header" % len(data))
    zero1, zero2, type_code, ndim = data[:4]
    if zero1 != 0 or zero2 != 0 or type_code not in _IDX_TYPES or ndim == 0:
        raise _bad_file(
            path,
            "bad IDX magic number 0x%s (expected 00 00, a type code among %s, and a "
            "number of dimensions > 0)"
            % (data[:4].hex(), ", ".join("%02x" % code for code in _IDX_TYPES)))
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise _bad_file(path, "truncated IDX header: %d dimensions declared, so %d header "
                              "bytes, but only %d bytes" % (ndim, header_size, len(data)))
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype, type_name = _IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header_size
    if found != expected:
        raise _bad_file(path, "the IDX header declares shape %s of %s, i.e. %d data bytes, "
                              "but the file holds %d (%s)"
                        % (shape, type_name, expected, found,
                           "truncated" if found < expected else "trailing bytes"))
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def load_image_classification(directory, filenames, num_classes=10, image_shape=(28, 28)):
    """Read and check the four IDX files of an MNIST-like data set.

    Args:
        directory: the folder holding the files.
        filenames: a mapping with keys "x_train", "y_train", "x_test", "y_test".
        num_classes: labels must lie in [0, num_classes).
        image_shape: the shape of one image.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays.
    """
    arrays = {key: read_idx(os.path.join(directory, filenames[key]))
              for key in ("x_train", "y_train", "x_test", "y_test")}
    for split in ("train", "test"):
        x_path = os.path.join(directory, filenames["x_" + split])
        y_path = os.path.join(directory, filenames["y_" + split])
        check_split(arrays["x_" + split], arrays["y_" + split], x_path, y_path,
                    num_classes, image_shape)
    return ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))


def check_split(images, labels, images_path, labels_path, num_classes=10,
                image_shape=(28, 28)):
    """Check that images and labels form one split of an MNIST-like data set."""
    if images.dtype != np.uint8 or images.shape[1:] != tuple(image_shape) or images.ndim != 3:
        raise _bad_file(images_path, "expected uint8 images of shape (N, %s), got %s of "
                                     "shape %s" % (", ".join(map(str, image_shape)),
                                                   images.dtype, images.shape))
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise _bad_file(labels_path, "expected uint8 labels of shape (N,), got %s of shape %s"
                        % (labels.dtype, labels.shape))
    if labels.shape[0] != images.shape[0]:
        raise _bad_file(labels_path, "%d labels for the %d images of %s"
                        % (labels.shape[0], images.shape[0], images_path),
                        fix="The images and labels files do not belong together; copy both from "
                            "the same source.")
    if labels.size and int(labels.max()) >= num_classes:
        raise _bad_file(labels_path, "label %d found, but classes are 0 to %d"
                        % (int(labels.max()), num_classes - 1))
