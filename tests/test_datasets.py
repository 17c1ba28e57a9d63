"""Data set loaders: Keras' return format, the search order, and clear errors."""
import gzip
import os
import struct

import numpy as np
import pytest

from tensorflux.keras.datasets import _idx, fashion_mnist, mnist
from tensorflux.keras.datasets._idx import DatasetFileError, DatasetNotFoundError

def idx_bytes(array):
    """An uncompressed IDX file holding a uint8 array."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(">%dI" % array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def small_split(seed, count):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=(count,), dtype=np.uint8)
    return images, labels


def write_idx_set(directory, arrays, files=fashion_mnist.FILES):
    os.makedirs(directory, exist_ok=True)
    for key, array in arrays.items():
        with gzip.open(os.path.join(directory, files[key]), "wb") as handle:
            handle.write(idx_bytes(array))


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """An empty KERAS_HOME and system folders that do not exist."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [str(tmp_path / "system" / "fashion")])
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [str(tmp_path / "system" / "mnist")])
    return tmp_path


@pytest.fixture
def small_fashion(isolated):
    """A 7-image train / 3-image test Fashion-MNIST lookalike in the Keras cache."""
    (x_train, y_train), (x_test, y_test) = small_split(0, 7), small_split(1, 3)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    directory = isolated / "keras_home" / "datasets" / "fashion-mnist"
    write_idx_set(directory, arrays)
    return directory, arrays


@pytest.mark.skipif(not os.path.isdir(fashion_mnist.DEBIAN_DIR),
                    reason="%s missing: apt-get install -y dataset-fashion-mnist"
                    % fashion_mnist.DEBIAN_DIR)
def test_fashion_mnist_from_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache: the package is used
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8 and array.flags.writeable
    assert sorted(np.unique(y_train)) == list(range(10))
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[0] == 9 and y_test[0] == 9  # both first images are ankle boots
    assert x_train.max() == 255 and x_train.min() == 0


def test_keras_cache_comes_first(small_fashion, monkeypatch):
    directory, arrays = small_fashion
    # Even with the real package present, Keras' cache wins.
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [fashion_mnist.DEBIAN_DIR])
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_home_keras_dir_without_keras_home(small_fashion, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "keras_home").rename(home / ".keras")
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(home))
    (x_train, _), _ = fashion_mnist.load_data()
    assert x_train.shape == (7, 28, 28)


def test_system_dir_is_searched(isolated, monkeypatch):
    system_dir = isolated / "system" / "fashion"
    (x_train, y_train), (x_test, y_test) = small_split(2, 4), small_split(3, 2)
    write_idx_set(system_dir, {"x_train": x_train, "y_train": y_train,
                               "x_test": x_test, "y_test": y_test})
    (got_x, got_y), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(got_x, x_train)
    np.testing.assert_array_equal(got_y, y_train)


def test_missing_everywhere_names_every_place(isolated):
    partial = isolated / "keras_home" / "datasets" / "fashion-mnist"
    os.makedirs(partial)
    with gzip.open(partial / "train-labels-idx1-ubyte.gz", "wb") as handle:
        handle.write(idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert str(partial) in message and "missing train-images-idx3-ubyte.gz" in message
    assert str(isolated / "system" / "fashion") in message and "folder missing" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "does not download" in message


def _damage(path, transform):
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(transform(data))


def _rewrite_idx(path, transform):
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    with gzip.open(path, "wb") as handle:
        handle.write(transform(data))


@pytest.mark.parametrize("damage, match", [
    (lambda p: _damage(p, lambda d: d[: len(d) // 2]), r"truncated: the compressed data"),
    (lambda p: _damage(p, lambda d: b"not gzip at all"), r"not a gzip file"),
    (lambda p: _damage(p, lambda d: d[:10] + bytes(b ^ 0xFF for b in d[10:60]) + d[60:]),
     r"corrupt gzip data"),
    (lambda p: _rewrite_idx(p, lambda d: b"\x00\x00\x99\x03" + d[4:]), r"bad IDX magic number"),
    (lambda p: _rewrite_idx(p, lambda d: d[:-5]), r"declares shape \(7, 28, 28\) of uint8, "
                                                  r"i\.e\. 5488 data bytes, but the file "
                                                  r"holds 5483 \(truncated\)"),
    (lambda p: _rewrite_idx(p, lambda d: d + b"\x00"), r"holds 5489 \(trailing bytes\)"),
    (lambda p: _rewrite_idx(p, lambda d: d[:10]), r"truncated IDX header"),
])
def test_damaged_file_gives_clear_error(small_fashion, damage, match):
    directory, _ = small_fashion
    path = directory / fashion_mnist.FILES["x_train"]
    damage(path)
    with pytest.raises(DatasetFileError, match=match) as info:
        fashion_mnist.load_data()
    assert str(path) in str(info.value) and "delete it" in str(info.value)


def test_labels_and_images_must_agree(small_fashion):
    directory, _ = small_fashion
    write_idx_set(directory, {"y_test": np.zeros(4, np.uint8)})
    with pytest.raises(DatasetFileError, match=r"4 labels for the 3 images"):
        fashion_mnist.load_data()


def test_read_idx_other_dtypes(tmp_path):
    values = np.arange(-6, 6, dtype=">i4").reshape(3, 4)
    path = tmp_path / "ints-idx2.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\x00\x00\x0c\x02" + struct.pack(">II", 3, 4) + values.tobytes())
    array = _idx.read_idx(str(path))
    assert array.dtype == np.int32 and array.dtype.isnative
    np.testing.assert_array_equal(array, np.arange(-6, 6).reshape(3, 4))


def test_mnist_npz_in_keras_cache(isolated):
    (x_train, y_train), (x_test, y_test) = small_split(4, 5), small_split(5, 2)
    os.makedirs(isolated / "keras_home" / "datasets")
    np.savez(isolated / "keras_home" / "datasets" / "mnist.npz", x_train=x_train,
             y_train=y_train, x_test=x_test, y_test=y_test)
    (got_x, got_y), (got_xt, got_yt) = mnist.load_data()
    np.testing.assert_array_equal(got_x, x_train)
    np.testing.assert_array_equal(got_yt, y_test)
    assert got_x.dtype == np.uint8 and got_xt.shape == (2, 28, 28)


def test_mnist_idx_files_in_system_dir(isolated):
    (x_train, y_train), (x_test, y_test) = small_split(6, 3), small_split(7, 2)
    write_idx_set(isolated / "system" / "mnist", {"x_train": x_train, "y_train": y_train,
                                                  "x_test": x_test, "y_test": y_test},
                  files=mnist.FILES)
    (got_x, _), (_, got_yt) = mnist.load_data()
    np.testing.assert_array_equal(got_x, x_train)
    np.testing.assert_array_equal(got_yt, y_test)


def test_mnist_npz_with_objects_is_refused(isolated):
    os.makedirs(isolated / "keras_home" / "datasets")
    objects = np.array([{"not": "an array"}], dtype=object)
    np.savez(isolated / "keras_home" / "datasets" / "mnist.npz", x_train=objects,
             y_train=objects, x_test=objects, y_test=objects)
    with pytest.raises(DatasetFileError, match=r"mnist\.npz: cannot be read"):
        mnist.load_data()


def test_mnist_missing_everywhere(isolated):
    with pytest.raises(DatasetNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert str(isolated / "keras_home" / "datasets" / "mnist.npz") in message
    assert str(isolated / "system" / "mnist") in message
    assert "does not download" in message
