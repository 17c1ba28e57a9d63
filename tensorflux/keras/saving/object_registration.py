"""The registry of custom classes and functions that configs refer to by name.

`@register_keras_serializable(package="MyPackage")` records a class under "MyPackage>Name";
`custom_objects={...}` arguments and `custom_object_scope(...)` add names for one load.
"""
import inspect
import threading

__all__ = ["register_keras_serializable", "get_custom_objects", "get_registered_name",
           "get_registered_object", "custom_object_scope", "CustomObjectScope"]

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}


class _ScopeStack(threading.local):
    def __init__(self):
        self.stack = []


_scopes = _ScopeStack()


def register_keras_serializable(package="Custom", name=None):
    """Decorator that registers a class or function for saving and loading by name.

    Args:
        package: a prefix that keeps names of different packages apart.
        name: the name to register under (the class or function name by default).

    Returns:
        The decorator; it returns the object unchanged.

    Raises:
        ValueError: `package` contains ">", the object is a class without `get_config`, or
            the name is already taken by another object.

    Example:
        >>> @tf.keras.saving.register_keras_serializable(package="Doc")
        ... def double(x):
        ...     return 2 * x
        >>> tf.keras.saving.get_registered_name(double)
        'Doc>double'
    """
    if ">" in str(package):
        raise ValueError(f"The package name must not contain '>', got package={package!r}.")

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register class {obj.__name__!r}: it has no get_config() "
                             "method, so it cannot be saved and recreated.")
        existing = _GLOBAL_CUSTOM_OBJECTS.get(registered)
        if existing is not None and existing is not obj and \
                getattr(existing, "__qualname__", None) != getattr(obj, "__qualname__", None):
            raise ValueError(f"{registered!r} is already registered to {existing!r}.")
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_custom_objects():
    """The global dict of registered objects (name -> class or function); editable."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj):
    """The name `obj` was registered under, or its own `__name__`."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", None))


def registered_name_or_none(obj):
    return _GLOBAL_CUSTOM_NAMES.get(obj)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object known under `name`: scope, global registry, then the given dicts."""
    for table in reversed(_scopes.stack):
        if name in table:
            return table[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def scoped_objects():
    """The custom objects of the enclosing `custom_object_scope`s (innermost wins)."""
    merged = {}
    for table in _scopes.stack:
        merged.update(table)
    return merged


class CustomObjectScope:
    """`with CustomObjectScope({"MyLayer": MyLayer}):` makes names resolvable while loading."""

    def __init__(self, *custom_objects):
        self.custom_objects = {}
        for table in custom_objects:
            self.custom_objects.update(table or {})

    def __enter__(self):
        _scopes.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()


def custom_object_scope(*custom_objects):
    return CustomObjectScope(*custom_objects)
