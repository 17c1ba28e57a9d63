"""tensorflux.keras: the Keras API (Keras 3 / tf.keras behaviour)."""
import importlib as _importlib

from tensorflux.keras import (activations, initializers, regularizers, constraints, backend,
                              datasets, layers, models, callbacks, utils)
from tensorflux.keras.layers import Input, Layer
from tensorflux.keras.models import Model, Sequential

__version__ = "3.15.1"

_LAZY = {"losses": "tensorflux.keras.losses", "metrics": "tensorflux.keras.metrics",
         "optimizers": "tensorflux.keras.optimizers", "saving": "tensorflux.keras.saving",
         "applications": "tensorflux.keras.applications",
         "preprocessing": "tensorflux.keras.preprocessing", "mixed_precision":
         "tensorflux.keras.mixed_precision", "ops": "tensorflux.keras.ops",
         "random": "tensorflux.keras.random", "config": "tensorflux.keras.config",
         "wrappers": "tensorflux.keras.wrappers",
         "dtype_policies": "tensorflux.keras.dtype_policies"}

# Keras 3 namespaces tensorflux does not provide, with what to use instead.
_UNSUPPORTED = {
    "export": "keras.export (ExportArchive: TF SavedModel export) is not implemented by "
              "tensorflux; save the model with model.save('model.keras') or "
              "model.save_weights(...) instead.",
}


def __getattr__(name):
    module_name = _LAZY.get(name)
    if module_name is not None:
        module = _importlib.import_module(module_name)
        globals()[name] = module
        return module
    if name in _UNSUPPORTED:
        raise AttributeError(_UNSUPPORTED[name])
    raise AttributeError(f"keras.{name} is not implemented by tensorflux.")
