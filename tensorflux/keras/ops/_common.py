"""Plumbing shared by the keras.ops modules.

* `keras_op`: the decorator every public op wears. Called with a KerasTensor anywhere in its
  arguments (a functional model being defined), the op becomes a node of the model: an
  `OpLayer` holding the function and the non-tensor arguments is called on the KerasTensors.
  Otherwise the function runs on tensors (eagerly or while a graph / tf.function is traced).
* Keras 3 dtype rules: `result_type` (the type-promotion lattice, with Python scalars as weak
  types), `convert` (convert_to_tensor: Python floats become floatx, ints int32, NumPy arrays
  keep their dtype) and `promote` (operands brought to one dtype before a binary op).
"""
import builtins
import functools

import numpy as np

import tensorflux as tf
from tensorflux.framework import dtypes as _dtypes
from tensorflux.framework.tensor import Tensor
from tensorflux.keras.engine.keras_tensor import KerasTensor

__all__ = ["keras_op", "OpLayer", "floatx", "epsilon", "standardize_dtype", "result_type",
           "convert", "promote", "to_float", "static_shape", "ndim_of",
           "normalize_axis", "canonical_axis", "export", "not_implemented_getattr"]


def floatx():
    from tensorflux.keras import backend
    return backend.floatx()


def epsilon():
    from tensorflux.keras import backend
    return backend.epsilon()


# ---- functional-model support --------------------------------------------------------------

def _contains_keras_tensor(value):
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, (list, tuple)):
        return builtins.any(_contains_keras_tensor(v) for v in value)
    if isinstance(value, dict):
        return builtins.any(_contains_keras_tensor(v) for v in value.values())
    return False


class _Slot:
    """Where the i-th KerasTensor argument goes in an OpLayer's argument template."""
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _template(value, found):
    if isinstance(value, KerasTensor):
        found.append(value)
        return _Slot(len(found) - 1)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*[_template(v, found) for v in value])
    if isinstance(value, (list, tuple)):
        return type(value)(_template(v, found) for v in value)
    if isinstance(value, dict):
        return {k: _template(v, found) for k, v in value.items()}
    return value


def _fill(value, tensors):
    if isinstance(value, _Slot):
        return tensors[value.index]
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*[_fill(v, tensors) for v in value])
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, tensors) for k, v in value.items()}
    return value


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, _dtypes.DType):
        return value.name
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, tuple):   # kept apart from lists: x[a, b] indexes by a tuple
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, slice):
        return {"__slice__": [_jsonable(value.start), _jsonable(value.stop),
                              _jsonable(value.step)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, _Slot):
        return {"__keras_tensor_argument__": value.index}
    raise TypeError(f"{value!r} is not JSON-serializable")


def _from_jsonable(value):
    if isinstance(value, dict):
        if set(value) == {"__keras_tensor_argument__"}:
            return _Slot(value["__keras_tensor_argument__"])
        if set(value) == {"__tuple__"}:
            return tuple(_from_jsonable(v) for v in value["__tuple__"])
        if set(value) == {"__slice__"}:
            return slice(*value["__slice__"])
        if set(value) == {"__ellipsis__"}:
            return Ellipsis
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value


def _op_layer_class():
    """OpLayer is created on first use (importing keras.layers at import time would cycle)."""
    global OpLayer
    if OpLayer is not None:
        return OpLayer
    from tensorflux.keras.layers.base_layer import Layer, unique_layer_name
    from tensorflux.keras.saving.object_registration import register_keras_serializable

    class _OpLayer(Layer):
        """A keras.ops function applied to KerasTensors inside a functional model.

        The layer receives the list of KerasTensor arguments as its single input and
        rebuilds the full call from `template` (the other arguments, kept as given)."""

        def __init__(self, function, template=None, name=None, **kwargs):
            if isinstance(function, str):
                function = _resolve_op(function)
            op_name = getattr(function, "__name__", "op")
            super().__init__(name=name or unique_layer_name(op_name), **kwargs)
            self.function = function
            self.template = ((), {}) if template is None else template

        def _convert_input(self, x):
            # ops keep the dtypes they are given (a plain Layer casts floats to its dtype)
            if isinstance(x, (Tensor, KerasTensor)) or x is None:
                return x
            if hasattr(x, "_as_tensor"):
                return x._as_tensor()
            return convert(x)

        def call(self, inputs):
            args, kwargs = _fill(self.template, list(inputs))
            return _unwrapped(self.function)(*args, **kwargs)

        def get_config(self):
            config = super().get_config()
            try:
                template = _jsonable(list(self.template))
            except TypeError:
                template = None
            config.update(function=self.function.__name__, template=template)
            return config

        @classmethod
        def from_config(cls, config):
            config = dict(config)
            template = config.pop("template", None)
            if template is None:
                raise ValueError(f"The keras.ops call {config.get('function')!r} had "
                                 "arguments that cannot be saved; it cannot be rebuilt.")
            args, kwargs = _from_jsonable(template)
            return cls(template=(tuple(args), kwargs), **config)

    _OpLayer.__name__ = _OpLayer.__qualname__ = "KerasOpLayer"
    register_keras_serializable(package="tensorflux", name="KerasOpLayer")(_OpLayer)
    OpLayer = _OpLayer
    return OpLayer


OpLayer = None


def _resolve_op(name):
    from tensorflux.keras import ops
    for module in (ops, ops.image):
        function = getattr(module, name, None)
        if callable(function):
            return function
    raise ValueError(f"keras.ops has no function {name!r}.")


def _unwrapped(function):
    return getattr(function, "__wrapped__", function)


def _symbolic_call(function, args, kwargs):
    found = []
    template = _template((tuple(args), dict(kwargs)), found)
    layer = _op_layer_class()(function, template=template)
    return layer(found)


def keras_op(function):
    """Makes `function` accept KerasTensors (see the module docstring)."""
    @functools.wraps(function)
    def op(*args, **kwargs):
        if _contains_keras_tensor(args) or _contains_keras_tensor(kwargs):
            return _symbolic_call(op, args, kwargs)
        return function(*args, **kwargs)
    op._keras_op = True
    return op


def export(module_globals, names):
    """`__all__` for a module: its keras_op functions plus the explicitly listed names."""
    public = [name for name, value in module_globals.items()
              if getattr(value, "_keras_op", False) and not name.startswith("_")
              and getattr(value, "__module__", None) == module_globals["__name__"]]
    return sorted(set(public) | set(names))


def not_implemented_getattr(prefix):
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"{prefix}.{name} is not implemented by tensorflux.")
    return __getattr__


# ---- dtypes ---------------------------------------------------------------------------------

_PYTHON_WEAK = {builtins.bool: "bool", builtins.int: "int", builtins.float: "float"}

# Keras 3's type-promotion lattice (JAX's): each type lists the types just above it. "int"
# and "float" are the weak types of Python scalars.
_LATTICE = {
    "bool": ("int",),
    "int": ("uint8", "int8"),
    "uint8": ("uint16", "int16"),
    "uint16": ("uint32", "int32"),
    "uint32": ("uint64", "int64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64",),
    "float64": ("complex64",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _upper_bounds(node, memo={}):  # noqa: B006 - a cache
    if node not in memo:
        above = {node}
        for parent in _LATTICE[node]:
            above |= _upper_bounds(parent)
        memo[node] = frozenset(above)
    return memo[node]


def standardize_dtype(dtype):
    """A dtype's Keras name ("float32", "int64", ...); None gives floatx."""
    if dtype is None:
        return floatx()
    if dtype in _PYTHON_WEAK:
        return {"bool": "bool", "int": "int32", "float": floatx()}[_PYTHON_WEAK[dtype]]
    if isinstance(dtype, _dtypes.DType):
        return dtype.name
    if isinstance(dtype, str):
        if dtype == "float":
            return floatx()
        if dtype == "int":
            return "int32"
        if dtype in ("bfloat16",):
            return dtype
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and name in _LATTICE:
        return name
    return _dtypes.as_dtype(dtype).name


def _lattice_node(value):
    if value in _PYTHON_WEAK:
        return _PYTHON_WEAK[value]
    name = standardize_dtype(value)
    if name not in _LATTICE:
        raise TypeError(f"keras.ops does not support dtype {name!r} in type promotion.")
    return name


def result_type(*dtypes):
    """The dtype Keras 3 gives an operation on values of these dtypes. Python types (int,
    float, bool) are weak: `result_type("int8", int)` is int8, `result_type("int32",
    float)` is floatx."""
    if not dtypes:
        return floatx()
    nodes = [_lattice_node(d) for d in dtypes]
    common = None
    for node in nodes:
        bounds = _upper_bounds(node)
        common = bounds if common is None else common & bounds
    # the least upper bound: the common bound every other common bound lies above
    least = [n for n in common if builtins.all(o in _upper_bounds(n) for o in common)][0]
    if least == "uint64":
        return "uint32"   # as Keras 3 (its TF backend canonicalizes uint64 this way)
    if least == "int":
        return "int32"
    if least == "float":
        return floatx()
    return least


def _value_dtype(x):
    """x's dtype for promotion: Python scalars are weak."""
    if type(x) in _PYTHON_WEAK:
        return type(x)
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return standardize_dtype(dtype)
    return standardize_dtype(convert(x).dtype)


def _infer_dtype(x):
    """The dtype Keras' convert_to_tensor picks for a non-tensor value."""
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return standardize_dtype(x.dtype) if x.dtype.kind in "biufc" else None
    if type(x) in _PYTHON_WEAK:
        return standardize_dtype(type(x))
    if isinstance(x, (list, tuple)):
        leaves = []

        def walk(v):
            if isinstance(v, (list, tuple)):
                for item in v:
                    walk(item)
            else:
                leaves.append(v)
        walk(x)
        if not leaves:
            return floatx()
        kinds = []
        for leaf in leaves:
            if type(leaf) in _PYTHON_WEAK:
                kinds.append(type(leaf))
            elif hasattr(leaf, "dtype"):
                kinds.append(standardize_dtype(leaf.dtype))
            else:
                return None
        return result_type(*kinds)
    return None


def convert(x, dtype=None):
    """keras.ops.convert_to_tensor: a Tensor of `dtype` (or of the value's Keras dtype)."""
    if isinstance(x, KerasTensor):
        x._as_tensor()   # raises the explanatory error
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype.name != standardize_dtype(dtype):
            return tf.cast(x, standardize_dtype(dtype))
        return x
    if hasattr(x, "_as_tensor"):   # a Variable
        t = x._as_tensor()
        return convert(t, dtype)
    if dtype is None:
        dtype = _infer_dtype(x)
    if isinstance(x, (list, tuple)) and builtins.any(
            isinstance(leaf, Tensor) or hasattr(leaf, "_as_tensor") for leaf in _leaves(x)):
        target = standardize_dtype(dtype) if dtype is not None else None
        return tf.stack([convert(item, target) for item in x])
    if dtype is None:
        return tf.convert_to_tensor(x)
    name = standardize_dtype(dtype)
    return tf.convert_to_tensor(np.asarray(x, dtype=_dtypes.as_dtype(name).as_numpy_dtype))


def _leaves(x):
    for item in x:
        if isinstance(item, (list, tuple)):
            yield from _leaves(item)
        else:
            yield item


def promote(*values, dtype=None):
    """Converts the values to tensors of one dtype (Keras' result_type of their dtypes, or
    `dtype`)."""
    target = dtype or result_type(*[_value_dtype(v) for v in values])
    return [convert(v, target) for v in values]


def to_float(x):
    """x as a tensor, cast to floatx unless already floating (Keras' rule for exp, sqrt, ...)."""
    x = convert(x)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        x = tf.cast(x, floatx())
    return x


# ---- shapes and axes ------------------------------------------------------------------------

def static_shape(x):
    """A tuple with None for dimensions unknown while tracing (None for unknown rank)."""
    shape = x.shape
    if shape.rank is None:
        return None
    return tuple(shape.as_list())


def ndim_of(x):
    rank = x.shape.rank
    if rank is None:
        raise ValueError("keras.ops needs tensors of known rank here.")
    return rank


def canonical_axis(axis, ndim):
    axis = int(axis)
    if not -ndim <= axis < builtins.max(ndim, 1):
        raise ValueError(f"axis {axis} is out of bounds for a tensor of rank {ndim}.")
    return axis % ndim if ndim else 0


def normalize_axis(axis, ndim=None):
    """None, an int, or a tuple of ints (non-negative when `ndim` is given)."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        axis = axis.numpy()
    if isinstance(axis, (list, tuple, np.ndarray)):
        axes = tuple(int(a) for a in np.asarray(axis).reshape(-1))
        return axes if ndim is None else tuple(canonical_axis(a, ndim) for a in axes)
    return int(axis) if ndim is None else canonical_axis(axis, ndim)
