"""Safe file writing (temporary file + rename) and the errors of unreadable files."""
import contextlib
import errno
import os
import shutil
import sys
import tempfile

__all__ = ["InvalidFileError", "atomic_file", "atomic_directory", "check_exists", "h5py",
           "confirm_overwrite"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class InvalidFileError(OSError, ValueError):
    """A file exists but cannot be read as the expected format (truncated, corrupt, or of
    another kind). It is both an OSError and a ValueError."""


def h5py():
    """The h5py module, or an ImportError that says how to install it."""
    try:
        import h5py as module
    except ImportError:
        raise ImportError("Reading and writing HDF5 files (.weights.h5, .h5, and the weights "
                          "inside .keras files) needs the h5py package: `pip install h5py` "
                          "(or `pip install tensorflux[h5]`).") from None
    return module


def check_exists(filepath):
    if not os.path.exists(filepath):
        raise FileNotFoundError(errno.ENOENT, f"No file or directory found at {filepath!r}",
                                filepath)


def is_hdf5(filepath):
    try:
        with open(filepath, "rb") as handle:
            return handle.read(8) == HDF5_SIGNATURE
    except OSError:
        return False


def confirm_overwrite(filepath, overwrite):
    """True when `filepath` may be written (asks on a terminal when overwrite=False)."""
    if overwrite or not os.path.exists(filepath):
        return True
    if sys.stdin is not None and sys.stdin.isatty():
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip()
        return answer.lower().startswith("y")
    raise FileExistsError(errno.EEXIST, f"{filepath!r} already exists and overwrite=False; "
                          "pass overwrite=True to replace it", filepath)


def _file_mode(filepath):
    if os.path.exists(filepath):
        return os.stat(filepath).st_mode & 0o777
    return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_file(filepath):
    """Yields a temporary path next to `filepath`; renamed over it only if the body succeeds,
    so a failed or interrupted write leaves any previous file intact."""
    filepath = os.path.abspath(filepath)
    directory = os.path.dirname(filepath)
    os.makedirs(directory, exist_ok=True)
    if os.path.isdir(filepath):
        raise IsADirectoryError(errno.EISDIR, f"Cannot write the file {filepath!r}: a "
                                "directory of that name exists", filepath)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(filepath)}.",
                                         suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, _file_mode(filepath))
        os.replace(temporary, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


@contextlib.contextmanager
def atomic_directory(dirpath):
    """Yields a temporary directory next to `dirpath`; on success it replaces `dirpath`."""
    dirpath = os.path.abspath(dirpath.rstrip("/\\") or dirpath)
    parent = os.path.dirname(dirpath)
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(prefix=f".{os.path.basename(dirpath)}.", suffix=".tmp",
                                 dir=parent)
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())
        if os.path.isdir(dirpath):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(dirpath)}.", suffix=".old",
                                   dir=parent)
            os.rmdir(old)
            os.rename(dirpath, old)
            try:
                os.rename(temporary, dirpath)
            except BaseException:
                os.rename(old, dirpath)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            if os.path.exists(dirpath):
                os.remove(dirpath)
            os.rename(temporary, dirpath)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
