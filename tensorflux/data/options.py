"""tf.data.Options: a record of pipeline settings.

tensorflux's pipeline runs the same way whatever the options (maps are traced, prefetch uses
one thread, results are always deterministic), so options are stored and merged, and read back
by `dataset.options()`, but change nothing.
"""
import enum

__all__ = ["Options", "AutoShardPolicy", "ExternalStatePolicy", "AutotuneAlgorithm"]


class AutoShardPolicy(enum.IntEnum):
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.IntEnum):
    WARN = 0
    IGNORE = 1
    FAIL = 2


class AutotuneAlgorithm(enum.IntEnum):
    DEFAULT = 0
    HILL_CLIMB = 1
    GRADIENT_DESCENT = 2
    MAX_PARALLELISM = 3
    STAGE_BASED = 4


class _Group:
    """A named group of options; any attribute may be set, unset ones read as None."""

    _GROUPS = ()

    def __init__(self):
        object.__setattr__(self, "_values", {})
        for name, cls in self._GROUPS:
            self._values[name] = cls()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._values.get(name)

    def __setattr__(self, name, value):
        self._values[name] = value

    def __eq__(self, other):
        return type(self) is type(other) and self._values == other._values

    def _merge(self, other):
        merged = type(self)()
        for name, value in self._values.items():
            merged._values[name] = value
        for name, value in other._values.items():
            if isinstance(value, _Group) and isinstance(merged._values.get(name), _Group):
                merged._values[name] = merged._values[name]._merge(value)
            elif value is not None:
                merged._values[name] = value
        return merged

    def __repr__(self):
        return f"{type(self).__name__}({self._values!r})"


class ThreadingOptions(_Group):
    pass


class OptimizationOptions(_Group):
    pass


class DistributeOptions(_Group):
    pass


class AutotuneOptions(_Group):
    pass


class Options(_Group):
    """Pipeline settings (`dataset.with_options(options)`); see the module docstring."""

    _GROUPS = (("threading", ThreadingOptions),
               ("experimental_threading", ThreadingOptions),
               ("experimental_optimization", OptimizationOptions),
               ("experimental_distribute", DistributeOptions),
               ("autotune", AutotuneOptions))

    def merge(self, options):
        return self._merge(options)
