"""`function`: traces a Python function into a graph once per input signature, then runs the
compiled plan of that graph on each call (TF2 `tf.function`).

Rules, as in TensorFlow: tensors and arrays are traced by dtype and shape (a new shape traces
again unless an `input_signature` with None dimensions covers it); other Python arguments are
part of the signature by value. Variables may only be created on the first trace; they are
created eagerly (lifted out of the graph). While a GradientTape is recording, the function runs
its Python body eagerly instead, so the tape sees every op (same results, slower).
"""
import functools
import inspect

import numpy as np

from tensorflux.compiler.plan import Plan
from tensorflux.framework import context, dtypes, nest
from tensorflux.framework.graph import Graph, Operation
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["function", "Function", "ConcreteFunction", "TensorSpec", "FuncGraph"]

_state = context.state


class TensorSpec:
    """Describes a tensor argument: shape (None for unknown dims), dtype and optional name."""

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, other):
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)

    def _key(self):
        return ("spec", self.dtype.name, self.shape.as_tuple())

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


class FuncGraph(Graph):
    """The graph a traced function builds; it captures outer tensors and variables."""

    def __init__(self, name, outer_graph=None):
        super().__init__()
        self.name = name
        self.building_function = True
        self.outer_graph = outer_graph
        self.captures = []  # (outer symbolic tensor, inner placeholder)
        self._captured = {}

    def capture(self, tensor):
        inner = self._captured.get(id(tensor))
        if inner is None:
            from tensorflux.ops import array_ops
            with self.as_default():
                inner = array_ops.placeholder(tensor.dtype, tensor.shape, name="capture")
            self._captured[id(tensor)] = inner
            self.captures.append((tensor, inner))
        return inner

    def capture_variable(self, variable):
        return variable._make_node(self, self.unique_name(variable._base_name))


class ConcreteFunction:
    """One trace of a function: its graph, inputs and outputs, and the compiled plan."""

    def __init__(self, graph, inputs, structured_outputs, python_function):
        self.graph = graph
        self.inputs = inputs
        self.structured_outputs = structured_outputs
        self._python_function = python_function
        flat = nest.flatten(structured_outputs)
        self._output_slots = []
        fetches = []
        for item in flat:
            if isinstance(item, Tensor) and item._value is None:
                self._output_slots.append(("tensor", len(fetches)))
                fetches.append(item)
            elif isinstance(item, Operation):
                self._output_slots.append(("none", None))
            else:
                self._output_slots.append(("value", item))
        self.outputs = fetches
        targets = [op for op in graph._operations if op.op_def.stateful
                   and op.type not in ("VariableV2", "Placeholder")]
        self._plan = Plan(fetches, targets, list(inputs) + [inner for _, inner in
                                                             graph.captures])
        self._pack = self._make_packer()

    @property
    def plan_source(self):
        return self._plan.source

    def _call_flat(self, arrays):
        if self.graph.captures:
            raise RuntimeError("This function captured symbolic tensors of an outer graph; "
                               "call it inside that graph.")
        return self._pack(self._plan(*arrays))

    def _make_packer(self):
        """A function from the plan's results to the structured outputs: a flat dict or
        sequence of tensors (a train step's logs) is rebuilt directly, anything else through
        tf.nest."""
        slots = self._output_slots
        structure = self.structured_outputs
        from_array = Tensor._from_array

        def tensor(value):
            return from_array(value if type(value) is np.ndarray else np.asarray(value))

        if all(kind == "tensor" for kind, _ in slots) and type(structure) is dict and \
                all(isinstance(k, str) for k in structure) and \
                not any(nest.is_nested(v) for v in structure.values()):
            # results come in sorted-key order; the dict keeps the traced function's order
            position = {k: i for i, k in enumerate(sorted(structure, key=nest._sort_key))}
            pairs = [(k, slots[position[k]][1]) for k in structure]
            return lambda values: {k: tensor(values[i]) for k, i in pairs}

        def pack(values):
            flat = []
            for kind, item in slots:
                if kind == "tensor":
                    flat.append(tensor(values[item]))
                elif kind == "none":
                    flat.append(None)
                else:
                    flat.append(item)
            return nest.pack_sequence_as(structure, flat)
        return pack

    def __call__(self, *args, **kwargs):
        leaves = [leaf for leaf in nest.flatten((args, kwargs)) if _is_tensor_like(leaf)]
        return self._call_flat([_array_of(leaf) for leaf in leaves])


def _is_tensor_like(value):
    return isinstance(value, (Tensor, np.ndarray))


def _array_of(value):
    if isinstance(value, Tensor):
        if value._value is None:
            raise TypeError("A symbolic tensor was passed to a traced function eagerly.")
        return value._value
    return value


def _leaf_key(value):
    if isinstance(value, Tensor):
        return ("T", value.dtype.name, value.shape.as_tuple())
    if isinstance(value, np.ndarray):
        return ("T", value.dtype.str, value.shape)
    if hasattr(value, "_graph_node"):  # a Variable: captured by reference
        return ("V", id(value))
    try:
        hash(value)
        return ("P", type(value).__name__, value)
    except TypeError:
        return ("O", id(value))


def _structure_key(obj):
    return _key_and_arrays(obj, [])


def _key_and_arrays(obj, arrays):
    """The trace key of a structure of arguments; appends the arrays of its tensor leaves
    (eager tensors and NumPy arrays; None for a symbolic tensor) to `arrays` in tf.nest
    order, the order of a trace's inputs."""
    kind = type(obj)
    if kind is np.ndarray:
        arrays.append(obj)
        return ("T", obj.dtype.str, obj.shape)
    if kind is tuple or kind is list:
        return (kind.__name__,) + tuple([_key_and_arrays(o, arrays) for o in obj])
    if isinstance(obj, dict):
        return ("dict",) + tuple([(k, _key_and_arrays(obj[k], arrays))
                                  for k in sorted(obj, key=nest._sort_key)])
    if isinstance(obj, (list, tuple)):     # namedtuples and other subclasses
        return (type(obj).__name__,) + tuple([_key_and_arrays(o, arrays) for o in obj])
    if isinstance(obj, Tensor):
        arrays.append(obj._value)        # None for a symbolic tensor
    elif isinstance(obj, np.ndarray):
        arrays.append(obj)
    return _leaf_key(obj)


class Function:
    """A Python function compiled per input signature; see the module docstring."""

    def __init__(self, python_function, input_signature=None, name=None, autograph=True,
                 jit_compile=None, reduce_retracing=False):
        self._python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        self._name = name or getattr(python_function, "__name__", "function")
        self._cache = {}
        self._created_variables = None
        self._reduce_retracing = reduce_retracing
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self):
        return self._python_function

    def __get__(self, instance, owner):
        if instance is None:
            return self
        # one Function per instance, so each object traces with its own variables
        bound = instance.__dict__.get(f"_tf_function_{self._name}_{id(self)}")
        if bound is None:
            bound = Function(self._python_function.__get__(instance, owner),
                             self.input_signature, self._name)
            try:
                instance.__dict__[f"_tf_function_{self._name}_{id(self)}"] = bound
            except (AttributeError, TypeError):
                pass
        return bound

    def _bind(self, args, kwargs):
        if self.input_signature is not None:
            if kwargs:
                try:
                    signature = inspect.signature(self._python_function)
                    bound = signature.bind(*args, **kwargs)
                    args, kwargs = bound.args, {}
                except (TypeError, ValueError):
                    pass
            if len(args) != len(self.input_signature):
                raise TypeError(f"{self._name}() takes {len(self.input_signature)} arguments "
                                f"matching its input_signature, got {len(args)}.")
            converted = []
            for arg, spec in zip(args, nest.flatten(self.input_signature)):
                tensor = arg if isinstance(arg, Tensor) else _convert(arg, spec.dtype)
                if tensor.dtype != spec.dtype or not spec.shape.is_compatible_with(tensor.shape):
                    raise ValueError(f"{self._name}(): argument {tensor!r} is not compatible "
                                     f"with the input_signature entry {spec!r}.")
                converted.append(tensor)
            return tuple(converted), kwargs, ("sig",)
        return args, kwargs, _structure_key((args, kwargs))

    def get_concrete_function(self, *args, **kwargs):
        if not args and not kwargs and self.input_signature is not None:
            args = tuple(self.input_signature)
        args, kwargs, key = self._bind_specs(args, kwargs)
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._trace(args, kwargs, key)
        return concrete

    def _bind_specs(self, args, kwargs):
        if any(isinstance(a, TensorSpec) for a in nest.flatten((args, kwargs))):
            return args, kwargs, ("sig",) if self.input_signature is not None else \
                _structure_key(nest.map_structure(
                    lambda a: a._key() if isinstance(a, TensorSpec) else a, (args, kwargs)))
        return self._bind(args, kwargs)

    def __call__(self, *args, **kwargs):
        if not _state.eager_enabled or _state.graph_stack:
            # inside a graph (TF1 or an outer trace): inline the Python body
            return self._python_function(*args, **kwargs)
        if _state.tapes and any(t._recording for t in _state.tapes):
            return self._python_function(*args, **kwargs)
        if self.input_signature is None:
            # one walk over the arguments gives the trace key and the arrays to run it on
            arrays = []
            key = _key_and_arrays((args, kwargs), arrays)
            concrete = self._cache.get(key)
            if concrete is not None and not any(a is None for a in arrays):
                return concrete._call_flat(arrays)
        args, kwargs, key = self._bind(args, kwargs)
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._trace(args, kwargs, key)
        return concrete(*args, **kwargs)

    def _trace(self, args, kwargs, key):
        graph = FuncGraph(self._name)
        inputs = []

        def placeholder_for(value, spec=None):
            from tensorflux.ops import array_ops
            if isinstance(value, TensorSpec):
                spec = value
            if spec is None and isinstance(value, (Tensor, np.ndarray)):
                dtype = value.dtype if isinstance(value, Tensor) else \
                    _convert(value, None).dtype
                spec = TensorSpec(value.shape, dtype)
            if spec is None:
                return value
            p = array_ops.placeholder(spec.dtype, spec.shape, name=spec.name or "args")
            inputs.append(p)
            return p

        with graph.as_default():
            if self.input_signature is not None:
                specs = nest.flatten(self.input_signature)
                traced_args = tuple(placeholder_for(a, s) for a, s in zip(args, specs))
                traced_kwargs = kwargs
            else:
                traced_args = nest.map_structure(placeholder_for, args) if args else args
                traced_kwargs = nest.map_structure(placeholder_for, kwargs) if kwargs else kwargs
            created = []
            _state.variable_creation_hooks.append(created.append)
            try:
                outputs = self._python_function(*traced_args, **traced_kwargs)
            finally:
                _state.variable_creation_hooks.pop()
        if created:
            if self._created_variables is not None:
                raise ValueError(
                    f"tf.function {self._name!r} tried to create variables on a call after "
                    "the first one (a retrace). Create variables only on the first call, "
                    "e.g. outside the function or guarded by `if self.v is None:`.")
        if self._created_variables is None:
            self._created_variables = created
        outputs = nest.map_structure(_read_if_variable, outputs)
        concrete = ConcreteFunction(graph, inputs, outputs, self._python_function)
        self._cache[key] = concrete
        return concrete

    def experimental_get_tracing_count(self):
        return len(self._cache)

    def __repr__(self):
        return f"<tensorflux.function {self._name}>"


def _read_if_variable(value):
    if hasattr(value, "_graph_node"):
        return value._as_tensor()
    return value


def _convert(value, dtype):
    from tensorflux.framework.execute import convert_to_tensor
    with context.init_scope():
        return convert_to_tensor(value, dtype=dtype)


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, experimental_compile=None,
             experimental_implements=None, experimental_autograph_options=None,
             experimental_attributes=None, experimental_follow_type_hints=None, name=None):
    """Compiles `func` into a graph per input signature; usable as `@function` or
    `@function(input_signature=[...])`."""
    if func is None:
        return functools.partial(function, input_signature=input_signature,
                                 autograph=autograph, jit_compile=jit_compile,
                                 reduce_retracing=reduce_retracing, name=name)
    return Function(func, input_signature=input_signature, name=name, autograph=autograph,
                    jit_compile=jit_compile, reduce_retracing=reduce_retracing)
