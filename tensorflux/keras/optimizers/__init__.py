"""tf.keras.optimizers: the Keras 3 optimizers, learning-rate schedules and their
(de)serialization.

Keras 2 spellings keep working: lowercase aliases (`keras.optimizers.sgd`, `adam`, `rmsprop`,
...), `lr=` (deprecated), and the `legacy` / `experimental` namespaces, which here name the
same classes.
"""
from tensorflux.keras.optimizers import schedules
from tensorflux.keras.optimizers.base import Optimizer
from tensorflux.keras.optimizers.sgd_optimizer import SGD
from tensorflux.keras.optimizers.adam_optimizers import Adam, AdamW, Adamax, Nadam
from tensorflux.keras.optimizers.rmsprop_optimizer import RMSprop
from tensorflux.keras.optimizers.adagrad_optimizers import Adagrad, Adadelta
from tensorflux.keras.optimizers.ftrl_optimizer import Ftrl
from tensorflux.keras.optimizers.lion_optimizer import Lion

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad",
           "Adadelta", "Ftrl", "Lion", "schedules", "get", "serialize", "deserialize",
           "legacy", "experimental"]

# Keras 2 lowercase aliases (`keras.optimizers.sgd(lr=0.01)`)
sgd, adam, adamw, adamax, nadam, rmsprop, adagrad, adadelta, ftrl, lion = (
    SGD, Adam, AdamW, Adamax, Nadam, RMSprop, Adagrad, Adadelta, Ftrl, Lion)

_BUILTIN = {cls.__name__.lower(): cls for cls in (Optimizer, SGD, Adam, AdamW, Adamax, Nadam,
                                                  RMSprop, Adagrad, Adadelta, Ftrl, Lion)}


def serialize(optimizer):
    """An optimizer as `{"module", "class_name", "config", "registered_name"}` (Keras 3).

    Example:
        >>> tf.keras.optimizers.serialize(tf.keras.optimizers.SGD(name="sgd"))["class_name"]
        'SGD'
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"Could not serialize {optimizer!r}: expected a keras Optimizer.")
    cls = type(optimizer)
    builtin = _BUILTIN.get(cls.__name__.lower()) is cls
    return {"module": "keras.optimizers" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": optimizer.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None):
    """The optimizer described by `config` (from `serialize`, or Keras 2's
    `{"class_name", "config"}`); built-in class names are case-insensitive."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer config: {config!r}. Expected a dict "
                         "with 'class_name' and 'config'.")
    name = config["class_name"]
    custom_objects = custom_objects or {}
    cls = custom_objects.get(name) or custom_objects.get(config.get("registered_name") or "")
    if cls is None:
        cls = _BUILTIN.get(name.lower()) or _registered(name, config.get("registered_name"))
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {name!r}. Known "
                         f"optimizers: {sorted(c.__name__ for c in _BUILTIN.values())}; pass "
                         "custom classes in `custom_objects`.")
    return cls.from_config(dict(config.get("config", {})), custom_objects=custom_objects) \
        if _accepts_custom_objects(cls) else cls.from_config(dict(config.get("config", {})))


def get(identifier):
    """An optimizer from a name ("adam"), a config dict, a class or an instance.

    Example:
        >>> tf.keras.optimizers.get("rmsprop").__class__.__name__
        'RMSprop'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, Optimizer) or hasattr(identifier, "apply_gradients"):
        return identifier
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


def _registered(name, registered_name):
    """A class registered with `keras.saving.register_keras_serializable`, if that exists."""
    try:
        from tensorflux.keras import saving
        lookup = getattr(saving, "get_registered_object", None)
    except ImportError:
        return None
    if lookup is None:
        return None
    for key in (registered_name, name):
        if key:
            try:
                found = lookup(key)
            except Exception:
                found = None
            if found is not None:
                return found
    return None


def _accepts_custom_objects(cls):
    import inspect
    try:
        return "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        return False


class _Namespace:
    """`keras.optimizers.legacy` / `.experimental` (TF 2.9-2.15): the same optimizers."""

    def __init__(self, name):
        self.__name__ = f"{__name__}.{name}"

    Optimizer = Optimizer
    SGD, Adam, AdamW, Adamax, Nadam = SGD, Adam, AdamW, Adamax, Nadam
    RMSprop, Adagrad, Adadelta, Ftrl, Lion = RMSprop, Adagrad, Adadelta, Ftrl, Lion


legacy = _Namespace("legacy")
experimental = _Namespace("experimental")
