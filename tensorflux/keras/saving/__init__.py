"""keras.saving: weights files, whole-model files, and the registry of custom objects.

| call | file |
|---|---|
| `save_weights(model, "w.weights.h5")` | Keras 3 weights layout (HDF5), optimizer state included |
| `save_weights(model, "w.h5")` | tf.keras 2 legacy weights layout (HDF5) |
| `save_model(model, "m.keras")` | zip: config.json + metadata.json + model.weights.h5 |
| `save_model(model, "m.h5")` | tf.keras 2 legacy full-model HDF5 file |
| `save_model(model, "m")` | a directory with the same files as a .keras zip |

Every write goes to a temporary file in the same directory and is renamed into place, so an
interrupted save never leaves a half-written file behind. Loading never unpickles or evaluates
anything from a file.
"""
import os
import zipfile

from tensorflux.keras.saving import file_utils, h5_format, keras_format
from tensorflux.keras.saving.file_utils import InvalidFileError
from tensorflux.keras.saving.object_registration import (CustomObjectScope,
                                                         custom_object_scope,
                                                         get_custom_objects,
                                                         get_registered_name,
                                                         get_registered_object,
                                                         register_keras_serializable)
from tensorflux.keras.saving.serialization import (deserialize_keras_object,
                                                   serialize_keras_object)

__all__ = ["save_weights", "load_weights", "save_model", "load_model",
           "register_keras_serializable", "get_custom_objects", "get_registered_name",
           "get_registered_object", "custom_object_scope", "CustomObjectScope",
           "serialize_keras_object", "deserialize_keras_object", "InvalidFileError"]


def _path(filepath):
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(f"Expected a file path (str or os.PathLike), got {filepath!r}.") from None


def save_weights(model, filepath, overwrite=True, **kwargs):
    """Saves the model's weights (and its optimizer's state) to an HDF5 file.

    Args:
        model: a built keras Model (or Layer).
        filepath: ends in `.weights.h5` (Keras 3 layout) or `.h5`/`.hdf5` (tf.keras 2 layout).
        overwrite: False refuses to replace an existing file (asks on a terminal).

    Raises:
        ValueError: another file extension.
        ImportError: h5py is not installed.

    Example:
        >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
        >>> model.save_weights(path)
        >>> model.load_weights(path)
    """
    filepath = _path(filepath)
    save_format = kwargs.pop("save_format", None)
    kwargs.pop("options", None)
    if kwargs.pop("max_shard_size", None) is not None:
        raise NotImplementedError("Sharded weights files (max_shard_size) are not supported "
                                  "by tensorflux; save one .weights.h5 file.")
    if kwargs:
        raise TypeError(f"save_weights() got unexpected keyword arguments {sorted(kwargs)}.")
    if save_format not in (None, "h5", "keras"):
        raise ValueError(f"save_format={save_format!r} is not supported: tensorflux writes "
                         "HDF5 weights files (.weights.h5 or .h5).")
    if filepath.endswith(".weights.h5"):
        legacy = False
    elif filepath.endswith((".h5", ".hdf5")):
        legacy = True
    else:
        raise ValueError("The filename must end in `.weights.h5` (Keras 3 weights file) or "
                         f"`.h5` (legacy tf.keras weights file). Received: filepath={filepath}")
    if not file_utils.confirm_overwrite(filepath, overwrite):
        return
    h5py = file_utils.h5py()
    with file_utils.atomic_file(filepath) as temporary:
        with h5py.File(temporary, "w") as h5file:
            if legacy:
                h5_format.write_legacy_weights(model, h5file)
            else:
                h5_format.write_weights(model, h5file)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Loads weights saved by `save_weights` (or by Keras / tf.keras) into `model`.

    The file is read and checked completely before any weight changes.

    Args:
        model: a built model with the architecture the weights were saved from.
        filepath: a `.weights.h5` or legacy `.h5` file, or a `.keras` file.
        skip_mismatch: skip (with a warning) layers whose weights do not fit.
        by_name: legacy `.h5` only: match layers by name instead of by order.

    Raises:
        FileNotFoundError: no such file.
        InvalidFileError: (an OSError and ValueError) the file is truncated or corrupt.
        ValueError: the weights do not fit the model (naming the layer and the shapes).
    """
    filepath = _path(filepath)
    kwargs.pop("options", None)
    if kwargs:
        raise TypeError(f"load_weights() got unexpected keyword arguments {sorted(kwargs)}.")
    if not os.path.exists(filepath) and os.path.exists(filepath + ".index"):
        raise ValueError(f"{filepath!r} is a TensorFlow checkpoint (found {filepath}.index); "
                         "tensorflux reads HDF5 weights files (.weights.h5 / .h5) and .keras "
                         "files. Save the weights with a .weights.h5 name.")
    file_utils.check_exists(filepath)
    if os.path.isdir(filepath):
        inner = os.path.join(filepath, keras_format.WEIGHTS)
        if not os.path.exists(inner):
            raise InvalidFileError(f"The directory {filepath!r} holds no weights file "
                                   f"({keras_format.WEIGHTS}).")
        filepath = inner
    if not file_utils.is_hdf5(filepath):
        if filepath.endswith(".keras") or zipfile.is_zipfile(filepath):
            _no_by_name(by_name, filepath)
            found = keras_format.weights_from_archive(filepath)
            h5_format.load_weights_into(model, found, filepath, skip_mismatch)
            return
        raise InvalidFileError(f"Cannot read {filepath!r}: it is not an HDF5 file (no HDF5 "
                               "signature); it is truncated, corrupt, or in another format.")
    with _open_h5(filepath) as h5file:
        try:
            if h5_format.is_legacy_layout(h5file):
                saved = h5_format.read_legacy_weights(h5file)
                legacy = True
            else:
                _no_by_name(by_name, filepath)
                found = h5_format.read_weights(h5file)
                legacy = False
        except (KeyError, OSError, RuntimeError) as error:
            raise InvalidFileError(f"Cannot read the weights in {filepath!r}: {error}. The "
                                   "file is truncated or corrupt.") from None
    if legacy:
        h5_format.load_legacy_weights_into(model, saved, filepath, by_name, skip_mismatch)
    else:
        h5_format.load_weights_into(model, found, filepath, skip_mismatch)


def _no_by_name(by_name, filepath):
    if by_name:
        raise ValueError(f"`by_name` only works with legacy `.h5` weights files; {filepath!r} "
                         "has the Keras 3 layout, which matches layers by position in the "
                         "model.")


def _open_h5(filepath):
    h5py = file_utils.h5py()
    try:
        return h5py.File(filepath, "r")
    except OSError as error:
        raise InvalidFileError(f"Cannot open {filepath!r} as an HDF5 file: {error}. The file "
                               "is truncated or corrupt.") from None


def save_model(model, filepath, overwrite=True, include_optimizer=True, **kwargs):
    """Saves architecture, weights, compile configuration and optimizer state.

    Args:
        model: the model (functional, Sequential, or a subclass with get_config).
        filepath: `name.keras` (native zip), `name.h5` (legacy tf.keras file) or a path
            without extension (a directory holding the native files).
        overwrite: False refuses to replace an existing file (asks on a terminal).
        include_optimizer: also save the optimizer's state.

    Raises:
        ValueError: another file extension.
    """
    filepath = _path(filepath)
    save_format = kwargs.pop("save_format", None)
    for ignored in ("signatures", "options", "save_traces", "zipped"):
        kwargs.pop(ignored, None)
    if kwargs:
        raise TypeError(f"save_model() got unexpected keyword arguments {sorted(kwargs)}.")
    extension = os.path.splitext(filepath.rstrip("/\\"))[1]
    if save_format == "h5" or extension in (".h5", ".hdf5"):
        kind = "h5"
    elif save_format == "tf" or (extension == "" and save_format is None):
        kind = "directory"
    elif extension == ".keras":
        kind = "keras"
    else:
        raise ValueError("Invalid filepath extension for saving. Use `.keras` (native format, "
                         "recommended), `.h5` (legacy tf.keras format), or a path without "
                         f"extension (a directory). Received: filepath={filepath}")
    if not file_utils.confirm_overwrite(filepath, overwrite):
        return
    if kind == "keras":
        keras_format.save_archive(model, filepath, include_optimizer)
    elif kind == "directory":
        keras_format.save_directory(model, filepath, include_optimizer)
    else:
        h5py = file_utils.h5py()
        with file_utils.atomic_file(filepath) as temporary:
            with h5py.File(temporary, "w") as h5file:
                h5_format.write_model_file(model, h5file, include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by `save_model` / `model.save` (.keras, .h5, or a directory).

    Args:
        filepath: the saved file or directory.
        custom_objects: dict name -> class or function for custom layers, losses, ...
        compile: compile the model as it was saved (and restore the optimizer state).
        safe_mode: refuse objects that need code from outside the file (`Lambda` layers).

    Raises:
        FileNotFoundError: no such file.
        InvalidFileError: (an OSError and ValueError) the file is truncated or corrupt.
        ValueError: unknown classes, a Lambda layer in safe mode, weights that do not fit.
    """
    filepath = _path(filepath)
    file_utils.check_exists(filepath)
    if os.path.isdir(filepath):
        return keras_format.load_directory(filepath, custom_objects, compile, safe_mode)
    if file_utils.is_hdf5(filepath):
        with _open_h5(filepath) as h5file:
            try:
                return h5_format.read_model_file(h5file, filepath, custom_objects, compile,
                                                 safe_mode)
            except (KeyError, RuntimeError) as error:
                raise InvalidFileError(f"Cannot read the model in {filepath!r}: {error}. The "
                                       "file is truncated or corrupt.") from None
    if filepath.endswith(".keras") or zipfile.is_zipfile(filepath):
        return keras_format.load_archive(filepath, custom_objects, compile, safe_mode)
    raise InvalidFileError(f"Cannot load a model from {filepath!r}: it is neither a .keras "
                           "zip, an HDF5 file nor a saved-model directory (or it is corrupt).")
