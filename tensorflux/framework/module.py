"""tf.Module: a container that finds the Variables (and sub-modules) in its attributes."""
from tensorflux.framework import context
from tensorflux.framework.graph import name_scope as _name_scope

__all__ = ["Module"]


class Module:
    """Base class for objects that own variables: `trainable_variables`, `variables`,
    `submodules`, found by walking attributes (lists, tuples and dicts included)."""

    def __init__(self, name=None):
        self._module_name = name or _snake(type(self).__name__)

    @property
    def name(self):
        return self._module_name

    @property
    def name_scope(self):
        return _name_scope(self._module_name)

    def _walk(self, predicate, recurse_modules=True):
        seen = set()
        found = []

        def visit(value, depth):
            if id(value) in seen:
                return
            seen.add(id(value))
            if predicate(value):
                found.append(value)
            if isinstance(value, Module) and (depth == 0 or recurse_modules):
                for key in sorted(vars(value)):
                    if key.startswith("_tf_function_"):
                        continue
                    visit(vars(value)[key], depth + 1)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item, depth)
            elif isinstance(value, dict):
                for key in sorted(value, key=str):
                    visit(value[key], depth)

        for key in sorted(vars(self)):
            if key.startswith("_tf_function_"):
                continue
            visit(vars(self)[key], 1)
        return found

    @property
    def variables(self):
        from tensorflux.framework.variables import Variable
        return tuple(self._walk(lambda v: isinstance(v, Variable)))

    @property
    def trainable_variables(self):
        from tensorflux.framework.variables import Variable
        return tuple(self._walk(lambda v: isinstance(v, Variable) and v.trainable))

    @property
    def non_trainable_variables(self):
        from tensorflux.framework.variables import Variable
        return tuple(self._walk(lambda v: isinstance(v, Variable) and not v.trainable))

    @property
    def submodules(self):
        return tuple(self._walk(lambda v: isinstance(v, Module) and v is not self))

    @classmethod
    def with_name_scope(cls, method):
        return method


def _snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


del context
