"""keras.datasets cifar10, cifar100, imdb, reuters, boston_housing: Keras' formats, the search
order (Keras' cache, system folder, download), checksums, the restricted unpickler, and the
errors. Every file here is a tiny test fixture written in the real files' formats (CIFAR's
pickled batches, Keras' npz and JSON files); none of them is, or stands for, a real data
set. Downloads go to a local HTTP server on 127.0.0.1."""
import functools
import hashlib
import http.server
import io
import json
import os
import pickle
import socket
import tarfile
import threading

import numpy as np
import pytest

from tensorflux.keras import datasets
from tensorflux.keras.datasets import (_restricted_pickle, boston_housing, cifar10, cifar100,
                                       imdb, reuters)
from tensorflux.keras.datasets._idx import DatasetFileError, DatasetNotFoundError


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def md5(path):
    with open(path, "rb") as handle:
        return hashlib.md5(handle.read()).hexdigest()


def closed_port_url():
    """An http:// URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return "http://127.0.0.1:%d/" % port


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """An empty Keras cache, empty system folders, and download URLs that refuse at once."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    offline = closed_port_url()
    for module, name in ((cifar10, "cifar-10"), (cifar100, "cifar-100"), (imdb, "imdb"),
                         (reuters, "reuters"), (boston_housing, "boston-housing")):
        monkeypatch.setattr(module, "SYSTEM_DIRS", [str(tmp_path / "system" / name)])
    monkeypatch.setattr(cifar10, "ORIGIN", offline + "cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar100, "ORIGIN", offline + "cifar-100-python.tar.gz")
    for module in (imdb, reuters, boston_housing):
        monkeypatch.setattr(module, "ORIGIN_FOLDER", offline)
    return tmp_path


def cache(tmp_path):
    path = tmp_path / "keras_home" / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- CIFAR fixtures: pickled dicts with bytes keys, as CIFAR's python files are ----------

def cifar_batch(seed, count, label_keys):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(count, 3072), dtype=np.uint8)
    batch = {b"batch_label": b"fixture batch", b"data": data,
             b"filenames": [b"img%d.png" % i for i in range(count)]}
    labels = {}
    for key, classes in label_keys.items():
        labels[key] = [int(v) for v in rng.integers(0, classes, size=count)]
        batch[key.encode()] = labels[key]
    return pickle.dumps(batch, protocol=2), data, labels


def write_cifar10(directory, sizes=(2, 3, 1, 2, 2, 4)):
    """Writes the six CIFAR-10 batch files; returns the expected arrays."""
    os.makedirs(directory, exist_ok=True)
    images, labels = [], []
    for seed, (name, count) in enumerate(zip(cifar10.BATCHES, sizes)):
        raw, data, label = cifar_batch(seed, count, {"labels": 10})
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(raw)
        images.append(data)
        labels.append(label["labels"])

    def to_images(rows):
        return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    x_train = to_images(np.concatenate(images[:5]))
    y_train = np.concatenate(labels[:5]).astype(np.uint8).reshape(-1, 1)
    return (x_train, y_train), (to_images(images[5]),
                                np.array(labels[5], np.uint8).reshape(-1, 1))


def tar_folder(folder, archive, arcname):
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(folder, arcname=arcname)


def assert_split_equal(got, expected):
    for got_array, expected_array in zip(got, expected):
        assert got_array.dtype == expected_array.dtype
        np.testing.assert_array_equal(got_array, expected_array)


def test_cifar10_from_keras3_folder_in_keras_format(isolated):
    folder = cache(isolated) / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    expected = write_cifar10(folder)
    (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_test.shape == (4, 32, 32, 3) and y_test.shape == (4, 1)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert_split_equal((x_train, y_train), expected[0])
    assert_split_equal((x_test, y_test), expected[1])
    # pixel (row 0, column 1) of image 0: red, green, blue are 1024 values apart in a row
    raw = pickle.loads(open(folder / "data_batch_1", "rb").read(), encoding="bytes")[b"data"]
    assert list(x_train[0, 0, 1]) == [raw[0, 1], raw[0, 1025], raw[0, 2049]]


def test_cifar10_keras2_archive_with_checksum(isolated, monkeypatch):
    staging = isolated / "staging" / "cifar-10-batches-py"
    expected = write_cifar10(staging)
    archive = cache(isolated) / "cifar-10-batches-py.tar.gz"
    tar_folder(staging, archive, "cifar-10-batches-py")
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256(archive))
    train, test = cifar10.load_data()
    assert_split_equal(train, expected[0])
    assert_split_equal(test, expected[1])


def test_cifar10_archive_failing_its_checksum_is_not_used(isolated, monkeypatch):
    staging = isolated / "staging" / "cifar-10-batches-py"
    expected = write_cifar10(staging)
    archive = cache(isolated) / "cifar-10-batches-py-target_archive"
    tar_folder(staging, archive, "cifar-10-batches-py")
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256(archive))
    good_copy = archive.read_bytes()
    with open(archive, "r+b") as handle:   # truncate: the checksum no longer matches
        handle.truncate(os.path.getsize(archive) // 2)
    with pytest.warns(UserWarning, match="sha256 checksum mismatch"):
        with pytest.raises(DatasetFileError) as info:
            cifar10.load_data()
    message = str(info.value)
    assert "CIFAR-10 could not be loaded" in message
    assert "%s (rejected, not used: sha256 checksum mismatch" % archive in message
    assert "delete or replace the rejected files" in message
    # a good copy in the system folder is then used (with a warning about the bad one)
    system = isolated / "system" / "cifar-10"
    system.mkdir(parents=True)
    (system / "cifar-10-python.tar.gz").write_bytes(good_copy)
    with pytest.warns(UserWarning, match="is not used"):
        train, _ = cifar10.load_data()
    assert_split_equal(train, expected[0])


def test_cifar10_damaged_or_incomplete_folder(isolated):
    folder = cache(isolated) / "cifar-10-batches-py"
    write_cifar10(folder)
    os.remove(folder / "data_batch_3")
    with pytest.warns(UserWarning), pytest.raises(DatasetFileError, match="lacks data_batch_3"):
        cifar10.load_data()
    write_cifar10(folder)
    with open(folder / "test_batch", "wb") as handle:
        handle.write(b"\x80\x02}q\x00(U\x04data")    # a pickle cut short
    with pytest.warns(UserWarning), pytest.raises(DatasetFileError,
                                                  match="cannot be read as a CIFAR batch"):
        cifar10.load_data()


def test_restricted_unpickler_refuses_code(isolated):
    class Sneaky:
        def __reduce__(self):
            return (print, ("this must never run",))
    payload = pickle.dumps({b"data": Sneaky()}, protocol=2)
    refused = r"refused to load (__builtin__|builtins)\.print"
    with pytest.raises(pickle.UnpicklingError, match=refused):
        _restricted_pickle.loads(payload, encoding="bytes")
    folder = cache(isolated) / "cifar-10-batches-py"
    write_cifar10(folder)
    with open(folder / "data_batch_1", "wb") as handle:
        handle.write(payload)
    with pytest.warns(UserWarning), pytest.raises(DatasetFileError, match=refused):
        cifar10.load_data()
    # what the unpickler accepts: arrays (numeric and object), dicts, lists, bytes, str
    value = {"a": np.arange(3), "b": [1, "x", b"y"], "c": np.array([[1], [2, 3]], object)}
    loaded = _restricted_pickle.loads(pickle.dumps(value, protocol=2))
    np.testing.assert_array_equal(loaded["a"], np.arange(3))
    assert loaded["b"] == [1, "x", b"y"] and loaded["c"][1] == [2, 3]


def test_cifar100_fine_and_coarse_labels(isolated):
    folder = cache(isolated) / "cifar-100-python"
    folder.mkdir(parents=True)
    expected = {}
    for seed, (name, count) in enumerate((("train", 5), ("test", 3))):
        raw, data, labels = cifar_batch(seed, count, {"fine_labels": 100,
                                                      "coarse_labels": 20})
        (folder / name).write_bytes(raw)
        expected[name] = (data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels)
    for mode in ("fine", "coarse"):
        (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=mode)
        assert y_train.dtype == np.int64 and y_train.shape == (5, 1)   # as Keras returns
        np.testing.assert_array_equal(x_train, expected["train"][0])
        np.testing.assert_array_equal(y_test[:, 0], expected["test"][1][mode + "_labels"])
    with pytest.raises(ValueError, match="`label_mode` must be one of"):
        cifar100.load_data(label_mode="medium")


def test_cifar_not_found_names_every_place_and_the_url(isolated):
    with pytest.raises(DatasetNotFoundError) as info:
        cifar10.load_data()
    message = str(info.value)
    keras_cache = str(cache(isolated))
    for place in ("cifar-10-batches-py-target", "cifar-10-batches-py-target_archive",
                  "cifar-10-batches-py.tar.gz"):
        assert os.path.join(keras_cache, place) in message
    assert str(isolated / "system" / "cifar-10" / "cifar-10-python.tar.gz") in message
    assert cifar10.ORIGIN + " (download failed:" in message
    assert "on a machine with internet access, download " + cifar10.ORIGIN in message
    assert cifar10.FILE_HASH in message
    assert isinstance(info.value, FileNotFoundError)


# ---- imdb and reuters: npz files of object arrays ------------------------------------------

TRAIN = [[1, 5, 2], [7, 3, 3, 9, 4], [2], [6, 1, 8, 8]]
TEST = [[4, 4], [9, 1, 2, 3, 5, 6], [3, 8, 1]]


def object_array(lists):
    array = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        array[i] = item
    return array


def write_npz(path, **arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return sha256(path)


@pytest.fixture
def small_imdb(isolated, monkeypatch):
    labels = (np.array([1, 0, 1, 0]), np.array([0, 1, 1]))
    path = cache(isolated) / "imdb.npz"
    monkeypatch.setattr(imdb, "NPZ_HASH", write_npz(
        path, x_train=object_array(TRAIN), y_train=labels[0], x_test=object_array(TEST),
        y_test=labels[1]))
    return labels


def keras_reference(sequences, labels, rng, start_char=1, index_from=3, oov_char=2,
                    top=9 + 3):
    """Keras' processing spelt out. With num_words=None, Keras takes the largest index as
    num_words and keeps indices < num_words: the largest index itself becomes oov_char."""
    order = np.arange(len(sequences))
    rng.shuffle(order)
    shifted = [[start_char] + [w + index_from for w in sequences[i]] for i in order]
    return [[w if w < top else oov_char for w in s] for s in shifted], labels[order]


def test_imdb_default_processing(small_imdb):
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    rng = np.random.RandomState(113)
    expected_train, expected_y_train = keras_reference(TRAIN, small_imdb[0], rng)
    expected_test, expected_y_test = keras_reference(TEST, small_imdb[1], rng)
    assert x_train.dtype == object and x_train.shape == (4,)
    assert list(x_train) == expected_train and list(x_test) == expected_test
    np.testing.assert_array_equal(y_train, expected_y_train)
    np.testing.assert_array_equal(y_test, expected_y_test)


def test_imdb_vocabulary_and_length_options(small_imdb):
    (x_train, _), (x_test, _) = imdb.load_data(num_words=8, skip_top=4, seed=0)
    for sequence in list(x_train) + list(x_test):
        assert all(w == 2 or 4 <= w < 8 for w in sequence[1:]) and sequence[0] == 2
    (x_train, _), _ = imdb.load_data(num_words=8, skip_top=4, oov_char=None, seed=0)
    assert all(all(4 <= w < 8 for w in s) for s in x_train)
    (x_train, y_train), (x_test, _) = imdb.load_data(maxlen=5)    # keeps len(s) < 5
    assert sorted(len(s) for s in x_train) == [2, 4] and len(y_train) == 2
    assert sorted(len(s) for s in x_test) == [3, 4]
    (x_train, _), _ = imdb.load_data(start_char=None, index_from=0, num_words=10, seed=1)
    assert sorted(map(tuple, x_train)) == sorted(map(tuple, TRAIN))
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.load_data(maxlen=2)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        imdb.load_data(num_wordz=10)


def test_imdb_word_index_with_md5(isolated, monkeypatch):
    path = cache(isolated) / "imdb_word_index.json"
    path.write_text(json.dumps({"the": 1, "and": 2}))
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", md5(path))
    assert imdb.get_word_index() == {"the": 1, "and": 2}
    path.write_text(json.dumps({"the": 1, "and": 3}))
    with pytest.warns(UserWarning), pytest.raises(DatasetFileError,
                                                  match="md5 checksum mismatch"):
        imdb.get_word_index()


def test_imdb_npz_with_code_in_its_pickle_is_refused(isolated, monkeypatch):
    class Sneaky:
        def __reduce__(self):
            return (print, ("this must never run",))
    path = cache(isolated) / "imdb.npz"
    monkeypatch.setattr(imdb, "NPZ_HASH", write_npz(
        path, x_train=object_array([Sneaky()]), y_train=np.array([1]),
        x_test=object_array([[1]]), y_test=np.array([0])))
    with pytest.warns(UserWarning), pytest.raises(
            DatasetFileError, match=r"refused to load (__builtin__|builtins)\.print"):
        imdb.load_data()


def test_reuters_split_and_labels(isolated, monkeypatch):
    sequences = TRAIN + TEST
    labels = np.array([3, 4, 3, 19, 1, 45, 0])
    path = cache(isolated) / "reuters.npz"
    monkeypatch.setattr(reuters, "NPZ_HASH", write_npz(path, x=object_array(sequences),
                                                       y=labels))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.3)
    expected, expected_labels = keras_reference(sequences, labels, np.random.RandomState(113))
    assert len(x_train) == int(7 * 0.7) == 4
    assert list(x_train) + list(x_test) == expected
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), expected_labels)
    assert len(reuters.get_label_names()) == 46 and reuters.get_label_names()[3] == "earn"
    with pytest.raises(ValueError, match=r"test_split must be in \[0, 1\)"):
        reuters.load_data(test_split=1.0)


# ---- boston_housing, system folder, download ------------------------------------------------

def boston_fixture(path):
    rng = np.random.default_rng(0)
    x, y = rng.random((10, 13)), rng.random(10) * 50
    return write_npz(path, x=x, y=y), x, y


def test_boston_housing_from_system_folder(isolated, monkeypatch):
    system = isolated / "system" / "boston-housing"
    system.mkdir(parents=True)
    file_hash, x, y = boston_fixture(system / "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "NPZ_HASH", file_hash)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.2, seed=5)
    order = np.arange(10)
    np.random.RandomState(5).shuffle(order)
    np.testing.assert_array_equal(x_train, x[order[:8]])
    np.testing.assert_array_equal(y_test, y[order[8:]])
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13)
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=-0.1)


class _Server:
    """A local HTTP server on 127.0.0.1 serving one folder (quietly)."""

    def __init__(self, folder):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.requests = []
        self.httpd.requests = self.requests
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        self.server.requests.append(self.path)


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    running = _Server(folder)
    yield folder, running
    running.close()


def test_download_cache_and_reuse(isolated, server, monkeypatch):
    folder, running = server
    file_hash, x, _ = boston_fixture(folder / "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "ORIGIN_FOLDER", running.url)
    monkeypatch.setattr(boston_housing, "NPZ_HASH", file_hash)
    (x_train, _), (x_test, _) = boston_housing.load_data()
    assert running.requests == ["/boston_housing.npz"]
    cached = cache(isolated) / "boston_housing.npz"
    assert sha256(cached) == file_hash
    assert sorted(map(tuple, np.concatenate([x_train, x_test]))) == sorted(map(tuple, x))
    assert [p for p in os.listdir(cache(isolated)) if p.startswith(".download")] == []
    boston_housing.load_data()                     # from the cache: no second request
    assert running.requests == ["/boston_housing.npz"]


def test_download_failing_its_checksum_is_not_kept(isolated, server, monkeypatch):
    folder, running = server
    boston_fixture(folder / "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "ORIGIN_FOLDER", running.url)
    monkeypatch.setattr(boston_housing, "NPZ_HASH", "0" * 64)
    with pytest.raises(DatasetFileError) as info:
        boston_housing.load_data()
    assert "the download from %sboston_housing.npz failed its checksum: sha256 checksum " \
           "mismatch (expected %s" % (running.url, "0" * 64) in str(info.value)
    assert os.listdir(cache(isolated)) == []      # neither the file nor a temporary one


def test_download_http_error_and_offline_message(isolated, server, monkeypatch):
    _, running = server
    monkeypatch.setattr(reuters, "ORIGIN_FOLDER", running.url)   # serves nothing: 404
    with pytest.raises(DatasetNotFoundError, match="download failed: .*404"):
        reuters.load_data()
    with pytest.raises(DatasetNotFoundError) as info:      # the fixture's refusing URL
        boston_housing.load_data()
    message = str(info.value)
    assert message.startswith("Boston housing (boston_housing.npz) was not found. Places "
                              "searched, in order:")
    assert str(cache(isolated) / "boston_housing.npz") + " (not found)" in message
    assert str(isolated / "system" / "boston-housing" / "boston_housing.npz") in message
    assert boston_housing.ORIGIN_FOLDER + "boston_housing.npz (download failed:" in message
    assert "on a machine with internet access, download" in message
    assert boston_housing.NPZ_HASH in message


def test_datasets_namespace():
    import tensorflux as tf
    for name in ("cifar10", "cifar100", "imdb", "reuters", "boston_housing", "mnist",
                 "fashion_mnist"):
        assert callable(getattr(tf.keras.datasets, name).load_data)
    assert callable(tf.keras.datasets.imdb.get_word_index)
