"""The user functions of a pipeline (map, filter, ...): traced once, run as a compiled plan.

As in tf.data, a function is traced on the element signature (its `TensorSpec`s) into a graph
when the transformation is created; each element then costs one call of the compiled plan (no
per-op Python dispatch). A function that cannot be traced (Python control flow on tensor values,
`.numpy()` calls, ...) runs eagerly instead, once per element, on eager tensors.

A traced function made only of elementwise ops on same-shaped inputs and scalar constants (the
common `tf.cast(x, tf.float32) / 255.0`) is marked `vectorizable`: the pipeline may then run it
once on a whole batch of elements instead of once per element (same results).
"""
import contextlib
import logging

import numpy as np

from tensorflux.compiler.plan import Plan
from tensorflux.data import _structure as structure
from tensorflux.framework import context, errors, nest
from tensorflux.framework.function import FuncGraph, TensorSpec
from tensorflux.framework.tensor import Tensor, dtype_of_array

_log = logging.getLogger("tensorflux.data")

# Ops that act elementwise (with NumPy broadcasting); see `_vectorizable`.
_ELEMENTWISE = frozenset("""
Abs Acos Acosh AddV2 Add Asin Asinh Atan Atan2 Atanh Cast Ceil ClipByValue Cos Cosh DivNoNan
Elu Equal Erf Exp Expm1 Floor FloorDiv FloorMod Greater GreaterEqual Identity IsFinite IsInf IsNan
LeakyRelu Less LessEqual Log Log1p LogicalAnd LogicalNot LogicalOr Maximum Minimum Mul Neg
NotEqual Pow RealDiv Reciprocal Relu Relu6 Rint Rsqrt Select Selu Sigmoid Sign Sin Sinh Softplus
Softsign Sqrt Square SquaredDifference StopGradient Sub Tan Tanh TruncateDiv Xlogy
""".split())


@contextlib.contextmanager
def eager_scope():
    """Runs ops eagerly, even inside TF1 graph mode (the pipeline works on values)."""
    state = context.state
    saved = state.eager_enabled, state.graph_stack
    state.eager_enabled, state.graph_stack = True, []
    try:
        yield
    finally:
        state.eager_enabled, state.graph_stack = saved


def _call(function, element, unpack):
    if unpack and type(element) is tuple:
        return function(*element)
    return function(element)


def _normalize_output(value):
    """A list returned by a dataset function is a tuple (tf.data's rule)."""
    if isinstance(value, list):
        return tuple(_normalize_output(v) for v in value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_normalize_output(v) for v in value)
    if isinstance(value, dict):
        return {k: _normalize_output(v) for k, v in value.items()}
    return value


class StructuredFunction:
    """`function` applied to elements of `input_spec`; call it with flat arrays.

    `output_spec` is the nested TensorSpec structure of the results (None until known for a
    function that runs eagerly: then it is taken from the first result).
    """

    def __init__(self, function, input_spec, name="map", unpack=True, trace=True):
        self.function = function
        self.input_spec = input_spec
        self.name = name
        self.unpack = unpack
        self.traced = False
        self.vectorizable = False
        self.output_spec = None
        self.output_structure = None
        self._trace_error = None
        if trace:
            try:
                self._trace()
            except Exception as error:  # noqa: BLE001 - any failure: run eagerly instead
                self._trace_error = error
                _log.debug("tf.data %s function %r runs eagerly (tracing failed: %s)",
                           name, getattr(function, "__name__", function), error)

    # ---- tracing ------------------------------------------------------------------------
    def _trace(self):
        from tensorflux.ops import array_ops
        graph = FuncGraph(f"{self.name}_fn")
        graph.elementwise_equality = True  # TF2: `x == y` is tf.equal inside these functions
        specs = structure.flatten(self.input_spec)
        if any(not isinstance(s, TensorSpec) for s in specs):
            raise TypeError("elements holding datasets are passed eagerly")
        with graph.as_default():
            placeholders = [array_ops.placeholder(s.dtype, s.shape, name=f"arg{i}")
                            for i, s in enumerate(specs)]
            element = structure.pack(self.input_spec, placeholders)
            outputs = _normalize_output(_call(self.function, element, self.unpack))
            flat = structure.flatten(outputs)
            slots, fetches, out_specs = [], [], []
            for item in flat:
                if hasattr(item, "_graph_node") or (hasattr(item, "_as_tensor")
                                                    and not isinstance(item, Tensor)):
                    item = item._as_tensor()
                if isinstance(item, Tensor) and item._value is None:
                    if item.op.graph is not graph:
                        raise ValueError("the function uses a symbolic tensor of another "
                                         "graph")
                    slots.append(("fetch", len(fetches)))
                    fetches.append(item)
                    out_specs.append(TensorSpec(item.shape, item.dtype))
                else:
                    array = self._constant(item)
                    slots.append(("value", array))
                    out_specs.append(TensorSpec(array.shape, dtype_of_array(array)))
        if graph.captures:
            raise ValueError("the function captures symbolic tensors of an outer graph")
        targets = [op for op in graph._operations if op.op_def.stateful
                   and op.type not in ("VariableV2", "Placeholder")]
        self._plan = Plan(fetches, targets, placeholders)
        self._slots = slots
        self._graph = graph
        self.output_structure = outputs
        self.output_spec = structure.pack(outputs, out_specs)
        self.traced = True
        self.vectorizable = _vectorizable(self._plan, fetches, slots, placeholders)

    def _constant(self, item):
        if item is None:
            raise TypeError(f"The {self.name} function returned None; it must return "
                            "tensors (or a tuple/dict of them).")
        from tensorflux.data.dataset import DatasetV2
        if isinstance(item, DatasetV2):
            raise TypeError("datasets returned: handled eagerly")
        return structure.to_array(item)

    # ---- running --------------------------------------------------------------------------
    def __call__(self, flat):
        """Flat input arrays -> flat output arrays (or datasets)."""
        if self.traced:
            values = self._plan(*flat)
            if len(self._slots) == 1 and self._slots[0][0] == "fetch":
                value = values[0]
                return [value if type(value) is np.ndarray else _as_array(value)]
            result = []
            for kind, item in self._slots:
                if kind == "fetch":
                    value = values[item]
                    result.append(value if type(value) is np.ndarray else _as_array(value))
                else:
                    result.append(item)
            return result
        return self._call_eagerly(flat)

    def call_structured(self, flat):
        """Eagerly, returning the function's own nested result (for flat_map, interleave)."""
        with eager_scope():
            element = structure.pack_tensors(self.input_spec, flat)
            return _call(self.function, element, self.unpack)

    def _call_eagerly(self, flat):
        with eager_scope():
            element = structure.pack_tensors(self.input_spec, flat)
            outputs = _normalize_output(_call(self.function, element, self.unpack))
            leaves = structure.flatten(outputs)
            arrays = []
            for item in leaves:
                if item is None:
                    raise TypeError(f"The {self.name} function returned None; it must return "
                                    "tensors (or a tuple/dict of them).")
                arrays.append(structure.to_array(item))
        if self.output_spec is None:
            self.output_structure = outputs
            self.output_spec = structure.pack(outputs, [structure.spec_of(a) for a in arrays])
        return arrays


def _as_array(value):
    if isinstance(value, (bytes, str)):
        return structure.to_array(value)
    return np.asarray(value)


def _vectorizable(plan, fetches, slots, placeholders):
    """True when running the plan on stacked elements equals stacking its per-element runs.

    Holds when every op is elementwise, every operand is a placeholder-derived tensor of one
    fully known shape (per op) or a scalar constant, and every output depends on the inputs.
    """
    if any(kind != "fetch" for kind, _ in slots) or not fetches:
        return False
    derived = {id(p) for p in placeholders}
    for op in plan.ops:
        if op.type == "Const":
            continue
        if op.type == "Placeholder":
            if not any(op.outputs[0] is p for p in placeholders):
                return False
            continue
        if op.type not in _ELEMENTWISE or op.control_inputs:
            return False
        shapes = set()
        for t in op.inputs:
            if id(t) in derived:
                dims = t.shape.as_tuple()
                if dims is None or any(d is None for d in dims):
                    return False
                shapes.add(dims)
            elif t.op.type == "Const" and np.ndim(t.op.attrs["value"]) == 0:
                continue
            else:
                return False
        if len(shapes) != 1:
            return False
        for out in op.outputs:
            if out.shape.as_tuple() != next(iter(shapes)):
                return False
            derived.add(id(out))
    return all(id(t) in derived for t in fetches)


def trace_error_hint(function):
    error = getattr(function, "_trace_error", None)
    return f" (it could not be traced: {error})" if error is not None else ""


__all__ = ["StructuredFunction", "eager_scope", "errors", "nest"]
