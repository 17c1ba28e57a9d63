"""TF1 variable scopes: `variable_scope` prefixes names (of variables and ops) and controls
sharing; `get_variable` creates a variable or, under `reuse`, returns the existing one."""
import contextlib

import numpy as np

from tensorflux.framework import context, dtypes
from tensorflux.framework.graph import GraphKeys

__all__ = ["variable_scope", "get_variable", "get_variable_scope", "AUTO_REUSE",
           "VariableScope", "get_local_variable", "make_template"]


class _AutoReuse:
    def __repr__(self):
        return "AUTO_REUSE"


AUTO_REUSE = _AutoReuse()


class VariableScope:
    """The current scope: its name, reuse flag and default initializer/regularizer/dtype."""

    def __init__(self, reuse=False, name="", initializer=None, regularizer=None,
                 dtype=dtypes.float32, trainable=True):
        self.name = name
        self.reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtype
        self.trainable = trainable
        self.original_name_scope = name + "/" if name else ""

    def reuse_variables(self):
        self.reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def set_regularizer(self, regularizer):
        self.regularizer = regularizer

    def get_variable(self, name, *args, **kwargs):
        return get_variable(name, *args, **kwargs)


def _store(graph):
    """Per-graph state: the scope stack and the variables made by get_variable."""
    store = getattr(graph, "_variable_store", None)
    if store is None:
        store = {"stack": [VariableScope()], "variables": {}, "counts": {}}
        graph._variable_store = store
    return store


def get_variable_scope():
    return _store(context.get_default_graph())["stack"][-1]


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None,
                   custom_getter=None, reuse=None, dtype=None, use_resource=None,
                   constraint=None, auxiliary_name_scope=True):
    """Opens a variable scope (and a name scope of the same name for ops)."""
    from tensorflux.compat.v1 import _enter_graph_mode
    _enter_graph_mode()
    graph = context.get_default_graph()
    store = _store(graph)
    parent = store["stack"][-1]
    if isinstance(name_or_scope, VariableScope):
        scope_name = name_or_scope.name
        name_scope_name = name_or_scope.original_name_scope
    else:
        base = name_or_scope
        if base is None:
            if default_name is None:
                raise TypeError("If name_or_scope is None, default_name must be given.")
            prefix = (parent.name + "/" if parent.name else "") + default_name
            count = store["counts"].get(prefix, 0)
            store["counts"][prefix] = count + 1
            base = default_name if count == 0 else f"{default_name}_{count}"
        scope_name = (parent.name + "/" if parent.name else "") + base
        name_scope_name = base
    # a scope object passed back in brings its own settings (reuse_variables() included)
    base = name_or_scope if isinstance(name_or_scope, VariableScope) else parent
    if reuse is None or reuse is False:
        reuse_flag = parent.reuse or (base.reuse if base is not parent else False) or False
    else:
        reuse_flag = reuse
    scope = VariableScope(reuse=reuse_flag, name=scope_name,
                          initializer=initializer or base.initializer,
                          regularizer=regularizer or base.regularizer,
                          dtype=dtype or base.dtype)
    store["stack"].append(scope)
    try:
        if auxiliary_name_scope:
            with graph.name_scope(name_scope_name) as ns:
                scope.original_name_scope = ns
                yield scope
        else:
            yield scope
    finally:
        store["stack"].pop()


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Gets an existing variable `scope/name` (under reuse) or creates it.

    Raises:
        ValueError: creating a variable that exists without reuse, or reusing one that does
        not exist.
    """
    from tensorflux.compat.v1 import _enter_graph_mode
    from tensorflux.framework.variables import Variable
    _enter_graph_mode()
    graph = context.get_default_graph()
    store = _store(graph)
    scope = store["stack"][-1]
    full_name = (scope.name + "/" if scope.name else "") + name
    existing = store["variables"].get(full_name)
    if existing is not None:
        if scope.reuse is False:
            raise ValueError(f"Variable {full_name} already exists, disallowed. Did you mean "
                             "to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and not existing.shape.is_compatible_with(shape):
            raise ValueError(f"Trying to share variable {full_name}, but specified shape "
                             f"{list(shape)} and found shape {existing.shape}.")
        return existing
    if scope.reuse is True:
        raise ValueError(f"Variable {full_name} does not exist, or was not created with "
                         "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                         "VarScope?")
    dtype = dtypes.as_dtype(dtype or scope.dtype or dtypes.float32)
    initializer = initializer if initializer is not None else scope.initializer
    initial_value = _initial_value(initializer, shape, dtype, full_name)
    # Variables made here take the full scope name, outside the current name scope
    saved = graph._scope
    graph._scope = ""
    try:
        variable = Variable(initial_value, trainable=True if trainable is None else trainable,
                            name=full_name, dtype=dtype, collections=collections,
                            validate_shape=validate_shape, constraint=constraint)
    finally:
        graph._scope = saved
    store["variables"][full_name] = variable
    regularizer = regularizer or scope.regularizer
    if regularizer is not None:
        with graph.name_scope(full_name + "/Regularizer/"):
            penalty = regularizer(variable)
        if penalty is not None:
            graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, penalty)
    return variable


def _initial_value(initializer, shape, dtype, name):
    from tensorflux import ops as tfops
    if initializer is None:
        if shape is None:
            raise ValueError(f"The shape of variable {name} must be given (or an initializer "
                             "with a value).")
        if dtype.is_floating:
            from tensorflux.ops.initializers import glorot_uniform_initializer
            return lambda: glorot_uniform_initializer()(shape, dtype=dtype)
        return lambda: tfops.zeros(shape, dtype=dtype)
    if callable(initializer):
        if shape is None:
            raise ValueError(f"The shape of variable {name} must be given with an "
                             "initializer function.")
        return lambda: initializer(list(shape), dtype=dtype)
    value = np.asarray(initializer.numpy() if hasattr(initializer, "numpy") and
                       not hasattr(initializer, "op") else initializer) \
        if not hasattr(initializer, "op") or getattr(initializer, "_value", None) is not None \
        else initializer
    if shape is not None and hasattr(value, "shape") and tuple(value.shape) != tuple(shape):
        raise ValueError(f"If initializer is a constant, do not specify shape ({list(shape)}) "
                         f"for variable {name}.")
    return value


def get_local_variable(name, shape=None, dtype=None, initializer=None, **kwargs):
    kwargs["collections"] = [GraphKeys.LOCAL_VARIABLES]
    kwargs.setdefault("trainable", False)
    return get_variable(name, shape, dtype, initializer, **kwargs)


def make_template(name_, func_, create_scope_now_=False, unique_name_=None,
                  custom_getter_=None, **kwargs):
    calls = [0]

    def template(*args, **kw):
        reuse = calls[0] > 0
        calls[0] += 1
        with variable_scope(name_, reuse=reuse or None):
            return func_(*args, **kwargs, **kw)
    return template
