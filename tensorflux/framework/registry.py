"""The op registry: every op is defined once, by name, with its kernel, shape rule and gradient.

An `OpDef` is what every mode shares: eager execution calls `kernel` now, graph construction calls
`infer` to get static output shapes and dtypes, and the reverse pass calls `gradient`, which is
written with tensorflux ops so it works eagerly, symbolically and to any order.
"""
import numpy as np

from tensorflux.framework import dtypes
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["OpDef", "register_op", "register_gradient", "not_differentiable", "get_op",
           "same_shape", "broadcast_shape", "unknown_shape", "probe_shape"]

_OPS = {}


class OpDef:
    """One op: `kernel(xp, *arrays, **attrs)`, `shape_fn(op_inputs, attrs)`, `gradient(op, *grads)`.

    `shape_fn` returns one `TensorShape` per output; `dtype_fn(input_dtypes, attrs)` returns one
    DType per output (default: the first input's dtype). `stateful` ops (assignments, random
    numbers, printing) are never pruned from a `function` and never constant-folded.
    """

    __slots__ = ("name", "kernel", "shape_fn", "dtype_fn", "gradient", "num_outputs",
                 "stateful", "differentiable")

    def __init__(self, name, kernel, shape_fn, dtype_fn, num_outputs, stateful):
        self.name = name
        self.kernel = kernel
        self.shape_fn = shape_fn
        self.dtype_fn = dtype_fn
        self.num_outputs = num_outputs
        self.stateful = stateful
        self.gradient = None
        self.differentiable = None  # None: not declared yet; False: declared not differentiable

    def __repr__(self):
        return f"<OpDef {self.name}>"


def register_op(name, kernel, shape_fn=None, dtype_fn=None, num_outputs=1, stateful=False):
    """Registers op `name`. `shape_fn` defaults to `probe_shape` (run the kernel on zeros)."""
    if name in _OPS:
        raise ValueError(f"Op {name!r} is already registered.")
    opdef = OpDef(name, kernel, shape_fn or probe_shape, dtype_fn, num_outputs, stateful)
    _OPS[name] = opdef
    return opdef


def register_gradient(name):
    """Decorator: `@register_gradient("Tanh")` sets the gradient function of op "Tanh"."""
    def decorator(function):
        opdef = get_op(name)
        opdef.gradient = function
        opdef.differentiable = True
        return function
    return decorator


def not_differentiable(*names):
    """Declares that ops have no gradient (their inputs receive None)."""
    for name in names:
        get_op(name).differentiable = False


def get_op(name):
    try:
        return _OPS[name]
    except KeyError:
        raise LookupError(f"No op named {name!r} is registered.") from None


def registered_ops():
    return dict(_OPS)


# ---- shape rules -------------------------------------------------------------------------
# A shape rule gets the op's input Tensors (symbolic: static shape, dtype, and for constants
# their value) and its attrs; it returns one TensorShape per output.

def same_shape(inputs, attrs):
    return [inputs[0].shape]


def unknown_shape(inputs, attrs):
    return [TensorShape(None)]


def broadcast_shape(inputs, attrs):
    """NumPy/TF broadcasting of static shapes; None where a dimension is unknown."""
    shapes = [t.shape for t in inputs]
    if any(s.rank is None for s in shapes):
        return [TensorShape(None)]
    rank = max(s.rank for s in shapes)
    result = []
    for axis in range(-rank, 0):
        dims = [s[axis] for s in shapes if s.rank >= -axis]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"Incompatible shapes for broadcasting: "
                             f"{', '.join(str(s) for s in shapes)}.")
        if known:
            result.append(known.pop())
        elif any(d is None for d in dims):
            result.append(None)
        else:
            result.append(1)
    return [TensorShape(result)]


# Two probe sizes for unknown dimensions: an output dimension that differs between the two
# probes depends on an unknown input dimension and is reported unknown (None). Sizes are
# distinct primes so that strided or pooled dimensions also differ.
_PROBE_SIZES = (11, 13)


def probe_shape(inputs, attrs, opdef=None):
    """Static shapes by running the kernel on zeros shaped like the inputs.

    Exact for ops whose output shape depends only on input shapes and attrs (the rule every
    op using it must satisfy; ops whose shape depends on input *values* declare their own rule).
    Constant inputs are passed with their real values, so e.g. `reshape(x, [-1, 3136])` infers.
    """
    if any(t.shape.rank is None for t in inputs):
        return None
    has_unknown = any(d is None for t in inputs for d in t.shape.as_tuple())
    results = []
    for size in (_PROBE_SIZES if has_unknown else _PROBE_SIZES[:1]):
        arrays = []
        for t in inputs:
            constant = t._constant_value()
            if constant is not None:
                arrays.append(constant)
            else:
                shape = tuple(size if d is None else d for d in t.shape.as_tuple())
                arrays.append(np.zeros(shape, dtype=_probe_dtype(t.dtype)))
        with np.errstate(all="ignore"):
            out = opdef.kernel(np, *arrays, **attrs)
        if opdef.num_outputs == 1:
            out = (out,)
        results.append([np.shape(o) for o in out])
    if len(results) == 1:
        return [TensorShape(s) for s in results[0]]
    return [TensorShape([a if a == b else None for a, b in zip(s1, s2)])
            if len(s1) == len(s2) else TensorShape(None)
            for s1, s2 in zip(results[0], results[1])]


def _probe_dtype(dtype):
    return np.object_ if dtype == dtypes.string else dtype.as_numpy_dtype
