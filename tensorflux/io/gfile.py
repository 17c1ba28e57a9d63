"""tf.io.gfile: file-system helpers over local files (TF's names and errors)."""
import glob as _glob
import os
import shutil

from tensorflux.framework import errors

__all__ = ["GFile", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "remove",
           "rename", "rmtree", "copy", "stat", "walk", "join", "FastGFile"]


def _path(name):
    if isinstance(name, bytes):
        return name.decode("utf-8")
    if hasattr(name, "numpy"):
        value = name.numpy()
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return os.fspath(name)


class GFile:
    """A file object like Python's `open` (TF's `tf.io.gfile.GFile(name, mode)`).

    Text modes ("r", "w", "a") read and write str; binary modes ("rb", "wb", "ab") bytes.
    """

    def __init__(self, name, mode="r"):
        self.name = _path(name)
        self.mode = mode
        if "r" in mode and not os.path.exists(self.name):
            raise errors.NotFoundError(None, None, f"{self.name}; No such file or directory")
        if "w" in mode or "a" in mode:
            directory = os.path.dirname(self.name)
            if directory and not os.path.isdir(directory):
                raise errors.NotFoundError(None, None, f"{self.name}; No such file or "
                                           "directory (create the folder with "
                                           "tf.io.gfile.makedirs first)")
        self._file = open(self.name, mode if "b" in mode else mode, **(
            {} if "b" in mode else {"encoding": "utf-8", "newline": ""}))

    def read(self, n=-1):
        return self._file.read(n)

    def readline(self):
        return self._file.readline()

    def readlines(self):
        return self._file.readlines()

    def write(self, data):
        if "b" in self.mode and isinstance(data, str):
            data = data.encode("utf-8")
        elif "b" not in self.mode and isinstance(data, bytes):
            data = data.decode("utf-8")
        self._file.write(data)

    def seek(self, offset=None, whence=0, position=None):
        self._file.seek(position if offset is None else offset, whence)

    def tell(self):
        return self._file.tell()

    def size(self):
        return os.path.getsize(self.name)

    def flush(self):
        self._file.flush()

    def close(self):
        self._file.close()

    def __iter__(self):
        return iter(self._file)

    def __next__(self):
        return next(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


FastGFile = GFile
Open = GFile


def exists(path):
    return os.path.exists(_path(path))


def glob(pattern):
    patterns = [pattern] if isinstance(pattern, (str, bytes, os.PathLike)) else pattern
    return sorted({m for p in patterns for m in _glob.glob(_path(p))})


def isdir(path):
    return os.path.isdir(_path(path))


def listdir(path):
    path = _path(path)
    if not os.path.isdir(path):
        raise errors.NotFoundError(None, None, f"Could not find directory {path}")
    return sorted(os.listdir(path))


def makedirs(path):
    os.makedirs(_path(path), exist_ok=True)


def mkdir(path):
    path = _path(path)
    if os.path.exists(path):
        raise errors.AlreadyExistsError(None, None, f"{path}; File exists")
    os.mkdir(path)


def remove(path):
    path = _path(path)
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory")
    os.remove(path)


def rename(src, dst, overwrite=False):
    src, dst = _path(src), _path(dst)
    if os.path.exists(dst) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"{dst}; File exists (pass "
                                        "overwrite=True to replace it)")
    os.replace(src, dst)


def copy(src, dst, overwrite=False):
    src, dst = _path(src), _path(dst)
    if os.path.exists(dst) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"{dst}; File exists (pass "
                                        "overwrite=True to replace it)")
    shutil.copyfile(src, dst)


def rmtree(path):
    path = _path(path)
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory")
    shutil.rmtree(path)


class _Stat:
    def __init__(self, path):
        info = os.stat(path)
        self.length = info.st_size
        self.mtime_nsec = info.st_mtime_ns
        self.is_directory = os.path.isdir(path)


def stat(path):
    path = _path(path)
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory")
    return _Stat(path)


def walk(top, topdown=True, onerror=None):
    for root, dirs, files in os.walk(_path(top), topdown=topdown, onerror=onerror):
        yield root, sorted(dirs), sorted(files)


def join(path, *paths):
    return os.path.join(_path(path), *[_path(p) for p in paths])


# TF1 capitalized names (tf.gfile.Exists, ...)
Exists, Glob, IsDirectory, ListDirectory, MakeDirs, MkDir, Remove, Rename, Copy, \
    DeleteRecursively, Stat, Walk = (exists, glob, isdir, listdir, makedirs, mkdir, remove,
                                     rename, copy, rmtree, stat, walk)
