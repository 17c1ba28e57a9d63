"""The native `.keras` file: a zip of `config.json` (architecture + compile configuration),
`metadata.json` and `model.weights.h5` (Keras 3 weights layout, optimizer state included, so
training resumes exactly). A path without extension gets the same three files in a directory
(tf.keras' SavedModel-folder habit)."""
import datetime
import io
import json
import os
import warnings
import zipfile
import zlib

from tensorflux.keras.saving import file_utils, h5_format
from tensorflux.keras.saving.file_utils import InvalidFileError

__all__ = ["save_archive", "load_archive", "save_directory", "load_directory",
           "compile_config_of", "compile_from_config", "build_optimizer", "weights_from_archive"]

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"


# ---- compile configuration -----------------------------------------------------------------------
def compile_config_of(model):
    """What `compile()` was given (optimizer, loss, metrics, ...) as plain data; None when the
    model is not compiled."""
    from tensorflux.keras.saving.serialization import serialize_keras_object
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    given = getattr(model, "compile_config", None) or {}
    try:
        return {"optimizer": serialize_keras_object(model.optimizer),
                "loss": serialize_keras_object(model.loss),
                "loss_weights": serialize_keras_object(given.get("loss_weights")),
                "metrics": serialize_keras_object(given.get("metrics")),
                "weighted_metrics": serialize_keras_object(given.get("weighted_metrics")),
                "run_eagerly": bool(getattr(model, "_run_eagerly", False)),
                "steps_per_execution": 1, "jit_compile": False}
    except (TypeError, ValueError) as error:
        warnings.warn(f"The compile configuration of model {model.name!r} cannot be saved "
                      f"({error}); the loaded model will not be compiled.", stacklevel=3)
        return None


def compile_from_config(model, config, source):
    """Compiles `model` as the saved configuration says (a warning if that fails)."""
    from tensorflux.keras.saving.serialization import deserialize_keras_object
    try:
        optimizer = config.get("optimizer") or "rmsprop"
        optimizer = deserialize_keras_object(optimizer) if isinstance(optimizer, dict) \
            else optimizer
        model.compile(optimizer=optimizer,
                      loss=deserialize_keras_object(config.get("loss")),
                      metrics=deserialize_keras_object(config.get("metrics")),
                      loss_weights=config.get("loss_weights"),
                      weighted_metrics=deserialize_keras_object(config.get("weighted_metrics")),
                      run_eagerly=bool(config.get("run_eagerly", False)))
    except (TypeError, ValueError) as error:
        warnings.warn(f"The model in {source!r} could not be compiled from its saved "
                      f"configuration ({error}); it is returned uncompiled. Call compile() "
                      "yourself.", stacklevel=4)
        return False
    return True


def build_optimizer(model):
    """Creates the optimizer's slots for the model's weights (so saved state can be loaded)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(optimizer, "built", True):
        return
    variables = model.trainable_variables
    if variables:
        optimizer.build(variables)


# ---- writing -------------------------------------------------------------------------------------
def _parts(model, include_optimizer):
    from tensorflux import keras
    from tensorflux.keras.saving.serialization import serialize_keras_object
    config = serialize_keras_object(model)
    compile_config = compile_config_of(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    try:
        config_text = json.dumps(config)
    except TypeError as error:
        raise TypeError(f"The configuration of model {model.name!r} is not JSON-serializable: "
                        f"{error}. A custom layer's get_config() must return plain data.") \
            from None
    metadata = json.dumps({"keras_version": keras.__version__, "framework": "tensorflux",
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    return config_text, metadata, include_optimizer and compile_config is not None


def _write_weights_file(model, target, include_optimizer):
    h5py = file_utils.h5py()
    with h5py.File(target, "w") as h5file:
        h5_format.write_weights(model, h5file, include_optimizer=include_optimizer)


def save_archive(model, filepath, include_optimizer=True):
    config_text, metadata, with_optimizer = _parts(model, include_optimizer)
    buffer = io.BytesIO()
    _write_weights_file(model, buffer, with_optimizer)
    with file_utils.atomic_file(filepath) as temporary:
        with zipfile.ZipFile(temporary, "w") as archive:
            archive.writestr(METADATA, metadata)
            archive.writestr(CONFIG, config_text)
            archive.writestr(WEIGHTS, buffer.getvalue())


def save_directory(model, dirpath, include_optimizer=True):
    config_text, metadata, with_optimizer = _parts(model, include_optimizer)
    with file_utils.atomic_directory(dirpath) as temporary:
        with open(os.path.join(temporary, METADATA), "w") as handle:
            handle.write(metadata)
        with open(os.path.join(temporary, CONFIG), "w") as handle:
            handle.write(config_text)
        _write_weights_file(model, os.path.join(temporary, WEIGHTS), with_optimizer)


# ---- reading -------------------------------------------------------------------------------------
def _read_archive(filepath):
    """(config text, weights bytes or None) of a .keras zip."""
    try:
        with zipfile.ZipFile(filepath) as archive:
            names = archive.namelist()
            if CONFIG not in names:
                raise InvalidFileError(f"{filepath!r} is a zip file but not a .keras model: it "
                                       f"has no {CONFIG} (entries: {names[:10]}).")
            config_text = archive.read(CONFIG)
            weights = archive.read(WEIGHTS) if WEIGHTS in names else None
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise InvalidFileError(f"Cannot read {filepath!r} as a .keras file (a zip archive): "
                               f"{error}. The file is truncated or corrupt.") from None
    return config_text, weights


def weights_from_archive(filepath):
    """{owner path: [arrays]} of the weights inside a .keras file."""
    _, weights = _read_archive(filepath)
    if weights is None:
        raise InvalidFileError(f"{filepath!r} holds no {WEIGHTS}.")
    return read_weights_bytes(weights, filepath)


def read_weights_bytes(data, source):
    h5py = file_utils.h5py()
    try:
        with h5py.File(io.BytesIO(data), "r") as h5file:
            return h5_format.read_weights(h5file)
    except OSError as error:
        raise InvalidFileError(f"The weights inside {source!r} are not a valid HDF5 file "
                               f"({error}); the file is truncated or corrupt.") from None


def load_archive(filepath, custom_objects=None, compile=True, safe_mode=True):
    config_text, weights = _read_archive(filepath)
    return _assemble(config_text, weights, filepath, custom_objects, compile, safe_mode)


def load_directory(dirpath, custom_objects=None, compile=True, safe_mode=True):
    config_path = os.path.join(dirpath, CONFIG)
    if not os.path.exists(config_path):
        if os.path.exists(os.path.join(dirpath, "saved_model.pb")):
            raise ValueError(f"{dirpath!r} is a TensorFlow SavedModel (saved_model.pb), which "
                             "tensorflux cannot load: it stores TensorFlow graphs, not a Keras "
                             "config. Save the model as .keras or .h5 (model.save('m.keras')), "
                             "or load its weights into a model built in Python.")
        raise InvalidFileError(f"The directory {dirpath!r} holds no saved model (no "
                               f"{CONFIG}).")
    with open(config_path, "rb") as handle:
        config_text = handle.read()
    weights_path = os.path.join(dirpath, WEIGHTS)
    weights = None
    if os.path.exists(weights_path):
        with open(weights_path, "rb") as handle:
            weights = handle.read()
    return _assemble(config_text, weights, dirpath, custom_objects, compile, safe_mode)


def _assemble(config_text, weights, source, custom_objects, compile, safe_mode):
    from tensorflux.keras.saving.serialization import deserialize_keras_object, loading_scope
    try:
        config = json.loads(config_text)
    except ValueError as error:
        raise InvalidFileError(f"The model configuration in {source!r} is not valid JSON "
                               f"({error}); the file is corrupt.") from None
    found = read_weights_bytes(weights, source) if weights is not None else None
    with loading_scope(custom_objects, safe_mode):
        model = deserialize_keras_object(config, custom_objects)
        compile_config = config.get("compile_config")
        if compile and compile_config:
            if compile_from_config(model, compile_config, source):
                build_optimizer(model)
    if found is not None:
        h5_format.load_weights_into(model, found, source)
    return model
