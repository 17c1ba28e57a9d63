"""Reading the pickles inside Keras' data set files without running arbitrary code.

Two of Keras' data set formats are pickles: CIFAR's "python version" batches (a pickled dict
of a NumPy array and lists) and the ragged sequences of imdb.npz / reuters.npz (NumPy object
arrays, which `.npy` stores as a pickle). Unpickling calls whatever function the stream
names, so a tampered file could run any code. `RestrictedUnpickler` therefore resolves only
the handful of callables that rebuild NumPy arrays and dtypes (and `_codecs.encode`, which
Python 3 uses to pickle `bytes` at protocol 2); containers, numbers and strings need no
lookup at all. Any other name in the stream stops the load with `UnpicklingError`.
"""
import io
import pickle
import zipfile
import zlib

import numpy as np

__all__ = ["RestrictedUnpickler", "loads", "load_npz"]


def _numpy_callables():
    try:   # NumPy 2 moved numpy.core to numpy._core (old pickles still name numpy.core)
        from numpy._core import multiarray, numeric
    except ImportError:  # NumPy 1.x
        from numpy.core import multiarray, numeric
    allowed = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): __import__("_codecs").encode,
    }
    for package in ("numpy.core", "numpy._core"):
        allowed[(package + ".multiarray", "_reconstruct")] = multiarray._reconstruct
        allowed[(package + ".multiarray", "scalar")] = multiarray.scalar
        frombuffer = getattr(numeric, "_frombuffer", None)
        if frombuffer is not None:
            allowed[(package + ".numeric", "_frombuffer")] = frombuffer
    return allowed


_ALLOWED = _numpy_callables()


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that builds only plain data: dicts, lists, tuples, str, bytes, numbers,
    and NumPy arrays/dtypes/scalars. Any other global raises pickle.UnpicklingError."""

    def find_class(self, module, name):
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(
                f"refused to load {module}.{name}: data set files may only hold NumPy "
                "arrays, lists, dicts, strings and numbers, so this file is not the "
                "expected one (or has been tampered with)")
        return found


def loads(data, encoding="ASCII"):
    """Unpickles `data` (bytes) with RestrictedUnpickler."""
    return RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()


def load_npz(path):
    """{name: array} of a `.npz` archive whose object arrays are loaded with
    RestrictedUnpickler (plain arrays are read without any unpickling).

    Raises:
        ValueError: the file is not a readable .npz archive, or an object array holds
            something other than plain data (the message says which).
    """
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                arrays[member[:-4]] = _read_npy(archive.read(member), member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise ValueError(f"not a readable .npz archive ({error})") from error
    return arrays


def _read_npy(data, member):
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    except ValueError as error:
        raise ValueError(f"{member}: bad .npy header ({error})") from error
    if not dtype.hasobject:
        stream.seek(0)
        try:
            return np.lib.format.read_array(stream, allow_pickle=False)
        except ValueError as error:
            raise ValueError(f"{member}: {error}") from error
    try:
        array = RestrictedUnpickler(stream, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            AttributeError) as error:
        raise ValueError(f"{member}: cannot unpickle the object array ({error})") from error
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(f"{member}: the header declares an array of shape {tuple(shape)} "
                         f"but the data holds {type(array).__name__} "
                         f"{getattr(array, 'shape', '')}")
    return array
